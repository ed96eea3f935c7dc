// The daemon's retained state as bedtimectl reads it from the broker:
// <base>/status, <base>/counters, <base>/sleepers, each sleeper's plan and
// stats, and each pad's state.
//
// Threads: main thread (Paho's callback thread only fills CommandClient's
// queue). Errors: read_live throws CtlError for a config error or a refused
// login; an unreachable broker is reported in Live::status instead.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <string>

#include "cli.hpp"

namespace bedtimed::ctl {

struct Live {
    std::string status = "unknown";  // online, offline, unknown (nothing retained), unreachable
    std::string error;               // why unreachable
    nlohmann::json counters;         // null when none
    std::map<std::string, nlohmann::json> plans, stats;  // by sleeper
    std::map<std::string, nlohmann::json> pads;          // <base>/pads/<pad>, by pad
    bool read_nothing = false;  // the broker was reached, but not one retained message came
};

// Reads the retained state (with <base>/counters when `with_counters`).
Live read_live(Invocation& inv, bool with_counters);

}  // namespace bedtimed::ctl
