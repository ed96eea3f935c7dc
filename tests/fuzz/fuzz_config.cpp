// libFuzzer target: config loading (config/loader.*) from YAML text. Every
// fault must come out as a ConfigError with a location, never as another
// exception or a crash. (Config files are written by the admin, not the
// network, but a typo must still give a clear message.)
#include <cstdint>
#include <cstdlib>
#include <string>

#include "loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        const auto cfg = bedtimed::config::parse_config(text, "fuzz.yaml");
        (void)cfg;
    } catch (const bedtimed::config::ConfigError& e) {
        if (e.message().empty()) std::abort();
    }
    return 0;
}
