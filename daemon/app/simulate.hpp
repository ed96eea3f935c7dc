// `bedtimed simulate`: the daemon's Household (household.hpp: engine,
// actuators, routines, reminder desk, cramp log, commands) on a virtual clock,
// driven through a scenario of timed sensor readings, episodes and commands.
// Nothing leaves the process: publishes are recorded, not sent.
//
// Scenario (YAML):
//   start: "2026-11-26T18:00:00+01:00"   # ISO-8601 with a zone
//   duration: 15h                         # how long each night runs (default 24h)
//   nights: 1                             # the events are replayed every 24 h
//   events:
//     - after: 3h40m                      # from the night's start (or at: ISO time)
//       sensor: bedroom_temp              # a sensor reading...
//       value: 16.5
//     - after: 8h14m
//       episode: {wearable: left_band, duration_s: 45, muscle: calf}   # ...an episode...
//     - after: 4h12m
//       command: snooze                   # ...a command on <base>/cmd/<verb>...
//       payload: '{"sleeper":"alex","step":"stretch"}'   # (default "{}")
//     - after: 9h
//       topic: some/topic                 # ...or any raw message
//       payload: "ON"
//
// Threads: runs on the calling thread. run() throws config::ConfigError for a
// bad config or scenario (with file:line:col).
#pragma once

#include <string>
#include <vector>

#include "clock.hpp"

namespace bedtimed {

struct TimelineEntry {
    WallTime at;
    std::string who;  // sleeper, actuator, or "mqtt"
    std::string what;
};

struct SimulationResult {
    std::vector<TimelineEntry> timeline;
    std::string zone;  // time zone used for display
};

// `db_path`: where the simulated cramp log is written (a fresh or existing
// SQLite file, e.g. to try `bedtimectl report` on it); empty = in memory.
SimulationResult run_simulation(const std::string& config_path, const std::string& scenario_path,
                                const std::string& db_path = {});
// Human-readable, one line per entry; or JSON (an array of {t, who, what}).
std::string format_timeline(const SimulationResult& r, bool json);

}  // namespace bedtimed
