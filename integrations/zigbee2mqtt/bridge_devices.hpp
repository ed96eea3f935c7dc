// Internal to integrations/zigbee2mqtt/: what the codec learns from
// Zigbee2MQTT's retained <base>/bridge/devices, and the small JSON helpers
// both files use. Pure: no I/O, no state.
//
// Threads: any. Nothing throws apart from std::bad_alloc (a malformed payload
// gives nullopt).
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "device.hpp"

namespace bedtimed::integrations::z2m {

// The `cap` option: auto (per plug, from bridge/devices), or forced.
enum class CapMode { automatic, on_time, countdown, none };

// A cap learned from evidence at run time (bridge/logging) starts with this, so
// that a later (re)publication of bridge/devices does not undo it.
inline constexpr std::string_view kRuntimeEvidence = "Zigbee2MQTT reported: ";

// A string member of `j`, or "" when absent or not a string.
std::string string_member(const nlohmann::json& j, std::string_view key);
bool starts_with(std::string_view s, std::string_view prefix);

// The facts of the plug whose friendly_name is `device`, from a bridge/devices
// payload; nullopt when the payload is not a list or the plug is not in it.
// What was proven at run time (`known`: a passed pad test, a runtime error)
// outlives a re-publication.
std::optional<SwitchFacts> learn_from_bridge_devices(std::string_view payload,
                                                     const std::string& device, CapMode mode,
                                                     const SwitchFacts& known);

}  // namespace bedtimed::integrations::z2m
