// Internal to the config library: the pieces the household's section parsers
// share (household_loader.cpp: devices, notifiers, the whole household;
// sleeper_loader.cpp: one sleeper; routine_loader.cpp: a sleeper's routine
// and episode response). Not a public interface.
// Threads: any; no shared state. Everything throws ConfigError on bad input.
#pragma once

#include <chrono>
#include <string>

#include "block.hpp"

namespace bedtimed::config::detail {

// The longest heat session any config may ask for.
inline constexpr auto kMaxHeatCap = std::chrono::minutes(120);

// Weekday keys in config order, [0] = Sunday as in SleeperSpec::bedtime.
inline constexpr const char* kWeekdayKeys[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

// "22:30" → minutes after midnight.
int parse_clock(Block& b, const YAML::Node& n, const std::string& key);

// Keys named *_minutes / minutes take a plain number as minutes ("15"), or a duration ("1h").
std::chrono::minutes minutes_or(Block& b, const std::string& key, std::chrono::minutes fallback,
                                std::chrono::minutes lo, std::chrono::minutes hi);

// The sensor `key` names, which must exist and be of `type` (an enum key
// also takes a bool sensor).
const SensorSpec& require_sensor(Block& b, const std::string& key, const Config& cfg,
                                 SensorType type, const char* type_name);

// The sleeper's devices, already checked to exist and be of the right kind.
struct SleeperDevices {
    const ActuatorSpec* pad = nullptr;
    const ActuatorSpec* bed = nullptr;
};

SleeperSpec parse_sleeper(Block b, const Config& cfg);

// The sleeper's `routine` (its timed steps and the elevation) and
// `on_episode`; the defaults follow the devices when a section is absent.
void parse_routine(Block& sleeper, SleeperSpec& s, const SleeperDevices& devices,
                   const Config& cfg);
void parse_episode_response(Block& sleeper, SleeperSpec& s, const SleeperDevices& devices);

// The sleeper's `profiles`, `away`, `bedtime_from` and `hand_off` (life_loader.cpp).
void parse_life(Block& sleeper, SleeperSpec& s, const Config& cfg);

}  // namespace bedtimed::config::detail
