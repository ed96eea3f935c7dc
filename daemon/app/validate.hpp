// Full validation of a config, beyond what the loader can see: the options of
// every actuator integration and notifier. Used by `--check-config` and
// `bedtimectl check-config`: it builds the daemon's Household (household.hpp)
// on a bus that sends nothing, so it finds what the daemon's start-up would.
//
// Threads: any. Throws config::ConfigError; returns the warnings (unknown keys
// and unknown integration options) otherwise.
#pragma once

#include <string>
#include <vector>

#include "config.hpp"

namespace bedtimed {

config::Config load_and_validate(const std::string& path, std::vector<std::string>& warnings);

// `--check-config` / `bedtimectl check-config`: prints warnings and the error
// (file:line:col) to stderr, "OK" and a summary to stdout; returns 0 or 78.
// Does not throw.
int check_config_command(const std::string& path) noexcept;

}  // namespace bedtimed
