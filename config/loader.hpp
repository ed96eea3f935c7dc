// Loads and validates a bedtimed YAML config.
//
// Threads: any thread; no shared state. Throws ConfigError (with a location)
// for every fault a user can make: YAML syntax, wrong type, missing key, bad
// topic, duplicate name, dangling reference, value out of range. Unknown keys
// do not throw; they land in Config::warnings with their location.
#pragma once

#include <stdexcept>
#include <string>

#include "config.hpp"

namespace bedtimed::config {

class ConfigError : public std::runtime_error {
public:
    ConfigError(Location where, const std::string& message)
        : std::runtime_error(where.str() + ": " + message), where_(std::move(where)),
          message_(message) {}
    const Location& where() const noexcept { return where_; }
    const std::string& message() const noexcept { return message_; }

private:
    Location where_;
    std::string message_;
};

// The exit code for a config error (EX_CONFIG from sysexits.h).
inline constexpr int kExitConfigError = 78;

// Reads and validates `path`. Throws ConfigError; a missing file is reported at `path:0:0`.
Config load_config(const std::string& path);
// The same from text already in memory; `path` is only used in messages.
Config parse_config(const std::string& yaml_text, const std::string& path);

// Names of the fields an episode exposes to conditions and templates.
const std::vector<std::string>& episode_field_names();

}  // namespace bedtimed::config
