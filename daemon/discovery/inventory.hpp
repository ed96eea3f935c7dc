// What the house announces on the broker (Zigbee2MQTT's bridge/devices,
// Tasmota discovery, Shelly announce and status, ESPHome discover, Home
// Assistant discovery configs), read into a device inventory: one entry per
// thing bedtimed can use, with the config it needs. Shared by `bedtimectl
// setup` (ctl/setup_config.hpp turns an inventory plus answers into config
// text) and the daemon's web page (web/discovery_scan.hpp lists it).
//
// Pure: no I/O, no clock. Any thread. Malformed announcements are skipped and
// noted in Inventory::skipped; nothing throws apart from std::bad_alloc.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

namespace bedtimed::discovery {

// One message as it came from the broker.
struct Announcement {
    std::string topic, payload;
    bool retained = true;
};

// What an entry can be in the config.
enum class Role { heating_pad, bed, occupancy, temperature, sleep, activity, button };
const char* role_name(Role role);  // "heating_pad", "bed", "occupancy", ...

// One usable thing: an actuator (heating_pad, bed) or a sensor (the rest).
struct Device {
    std::string id;         // unique in the inventory, a valid config name ("heating_pad_left")
    std::string name;       // the device's own name (Z2M friendly name, Tasmota topic, ...)
    std::string ecosystem;  // "zigbee2mqtt", "tasmota", "shelly", "shelly_gen2", "esphome",
                            // "home_assistant"
    Role role = Role::heating_pad;
    std::string model;               // "A1Z (_TZ3000_2putqrmw)", "Sonoff S31", ...
    std::vector<std::string> notes;  // capabilities worth knowing: the cap, power, power-on
    // Actuators: the integration and its options, in the order they are written.
    std::string integration;
    std::vector<std::pair<std::string, std::string>> options;
    bool reports_power = false;
    // Sensors: where the value is and what it looks like.
    std::string topic, json_path;
    std::string type;  // number, bool, enum
    std::string unit;
    std::vector<std::string> true_values, false_values;
    std::vector<std::string> values;  // enum options; a button's actions
};

struct Inventory {
    std::vector<Device> devices;       // in the order found, ids unique
    std::vector<std::string> skipped;  // "<topic>: why it was not used"

    const Device* find(const std::string& id_or_name, Role role) const;
    std::vector<const Device*> with(Role role) const;
};

// The topic filters `bedtimectl setup` (and the page's scan) subscribe to.
std::vector<std::string> announcement_filters();

// Every announcement read; the native ecosystems first, then Home Assistant
// configs for what no native announcement covered (Zigbee2MQTT and Tasmota
// also publish HA configs for the same devices).
Inventory read_announcements(const std::vector<Announcement>& messages);

// A Shelly Gen2 device that said it is online but whose components are
// unknown yet: the prefixes to ask with Shelly.GetStatus (setup does, once).
std::vector<std::string> shelly_gen2_to_ask(const std::vector<Announcement>& messages);
// The RPC request and the topic its answer comes on (`src` + "/rpc").
std::string shelly_status_request(int id, const std::string& src);
inline constexpr const char* kShellyRpcSource = "bedtimectl-setup";

// {"devices":[{"id","name","role","ecosystem","model","integration","topic",
// "json","notes","reports_power","values"}],"skipped":[...]}: `bedtimectl setup
// --list --json` and the page's /api/discovery.
nlohmann::json inventory_json(const Inventory& inv);

// A config name from any text: lower case, [a-z0-9_], at most 64 characters.
std::string config_name(const std::string& text);

}  // namespace bedtimed::discovery
