// Home Assistant MQTT discovery: what bedtimed announces so that HA shows a
// hub device and one device per sleeper, with their sensors, switches,
// buttons, select, text and event entities.
//
// Pure: config + what was published before -> the retained messages to send
// now. No I/O; the daemon (daemon/ha/ha_publisher.*) sends them, remembers
// `published` in the state dir, and re-sends on HA's birth message.
//
// The entities read bedtimed's retained state topics (`<base>/<sleeper>/plan`,
// `<base>/<sleeper>/stats`, `<base>/counters`) through value templates and
// send to the command topics `<base>/cmd/<verb>` with JSON payloads, so HA
// commands take the same validated path as bedtimectl's. A routine step's
// switch comes from the step catalogue (daemon/routine/steps.hpp).
//
// Threads: any (no shared state). Nothing throws apart from std::bad_alloc.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "config.hpp"

namespace bedtimed::integrations::ha_discovery {

// The discovery node id: home_assistant.node_id, else mqtt.client_id with
// anything outside [A-Za-z0-9_-] replaced by '_'.
std::string node_id(const config::Config& cfg);

// Discovery topic -> {component key (unique_id) -> platform}, for removals.
using Published = std::map<std::string, std::map<std::string, std::string>>;

struct Message {
    std::string topic;
    std::string payload;  // "" removes what the topic announced
};

struct Discovery {
    // Removals first (topics and components no longer announced), then the
    // configs; every message is published retained.
    std::vector<Message> messages;
    Published published;  // to remember for the next build
};

// With discovery off, everything in `before` is removed and nothing announced.
Discovery build(const config::Config& cfg, std::string_view sw_version, const Published& before);

nlohmann::json published_to_json(const Published& p);
// Tolerant: anything malformed is skipped.
Published published_from_json(const nlohmann::json& j);

}  // namespace bedtimed::integrations::ha_discovery
