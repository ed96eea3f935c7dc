// Logging set-up: one named spdlog logger per component ("bus", "engine", ...).
// Under systemd (JOURNAL_STREAM names our stderr) lines carry a "<N>" syslog
// priority prefix and no timestamp, since the journal stamps them itself;
// elsewhere lines carry a local timestamp.
//
// Threads: setup_logging() once from main before other threads start;
// logger() from any thread. Never throws except std::bad_alloc.
#pragma once

#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>
#include <string>

namespace bedtimed {

void setup_logging(spdlog::level::level_enum level);
// True when stderr is connected to the journal.
bool stderr_is_journal();
std::shared_ptr<spdlog::logger> logger(const std::string& name);

// Lets a flood of identical warnings through at a bounded rate: at most
// `burst` per `window`, then one summary line with the number suppressed.
// Threads: loop thread only.
class RateLimitedLog {
public:
    RateLimitedLog(std::size_t burst, std::chrono::steady_clock::duration window)
        : burst_(burst), window_(window) {}
    // Returns true when the caller should log now. `suppressed_before` is set to
    // the number of lines swallowed since the last one let through.
    bool allow(std::chrono::steady_clock::time_point now, std::uint64_t& suppressed_before);

private:
    std::size_t burst_;
    std::chrono::steady_clock::duration window_;
    std::chrono::steady_clock::time_point window_start_{};
    std::size_t in_window_ = 0;
    std::uint64_t suppressed_ = 0;
};

}  // namespace bedtimed
