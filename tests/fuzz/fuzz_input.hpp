// Helpers shared by the libFuzzer targets: split one fuzz input into a few
// selector bytes and the rest. Threads: the fuzzer's. Never throws.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "clock.hpp"

namespace bedtimed::fuzz {

class FuzzInput {
public:
    FuzzInput(const std::uint8_t* data, std::size_t size)
        : rest_(reinterpret_cast<const char*>(data), size) {}
    // The next byte as a selector (0 once the input is used up).
    std::uint8_t take_byte() {
        if (rest_.empty()) return 0;
        const auto b = static_cast<std::uint8_t>(rest_.front());
        rest_.remove_prefix(1);
        return b;
    }
    // Up to the next '\n' (exclusive), or everything left.
    std::string_view take_line() {
        const auto nl = rest_.find('\n');
        const auto line = rest_.substr(0, nl);
        rest_ = nl == std::string_view::npos ? std::string_view() : rest_.substr(nl + 1);
        return line;
    }
    std::string_view rest() const { return rest_; }

private:
    std::string_view rest_;
};

// A fixed "now" (2026-11-26T22:00:00Z), as in tests/payloads/*.txt, so that a
// crash reproduces with the same input on any day.
inline WallTime fixed_now() { return WallTime(std::chrono::seconds(1795730400)); }

}  // namespace bedtimed::fuzz
