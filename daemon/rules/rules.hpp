// Rule evaluation: which publishes an episode or a sensor change calls for.
// Pure: a function of the config, the trigger, the sensor table and the time,
// with no I/O. Any thread; never throws (apart from std::bad_alloc).
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "clock.hpp"
#include "config.hpp"
#include "ingest.hpp"

namespace bedtimed {

struct SensorReading {
    Value value;
    WallTime wall;      // when it arrived, for people
    SteadyTime steady;  // when it arrived, for staleness
};
using SensorTable = std::unordered_map<std::string, SensorReading>;

struct Trigger {
    const Episode* episode = nullptr;  // set for episode triggers
    std::string sensor;                // set for sensor triggers
    std::string topic;                 // the message that caused it
    int qos = 0;
    // A sensor reading equal to the last one: only `every_reading` rules fire;
    // a retained message fires no `every_reading` rule.
    bool unchanged = false, retained = false;
};

struct PlannedPublish {
    std::string rule;
    std::string topic;
    std::string payload;
    int qos = 0;
    bool retain = false;
};

struct Decision {
    std::vector<PlannedPublish> publishes;
    std::vector<std::string> rules_fired;
    // "rule 'x': sensor 'y' is stale (last reading 45m ago)": the rule did not fire.
    std::vector<std::string> stale_notes;
    // A rendered topic that is not publishable; the action is skipped.
    std::vector<std::string> bad_topics;
};

// Whether `v` satisfies `c` (numbers compare numerically; strings and booleans by ==/!=).
bool condition_holds(const config::Condition& c, const Value& v);

// Whether a sensor reading is too old to act on (missing counts as stale).
bool is_stale(const config::SensorSpec& spec, const SensorTable& sensors, SteadyTime now);

Decision decide(const config::Config& cfg, const Trigger& trigger, const SensorTable& sensors,
                SteadyTime now);

}  // namespace bedtimed
