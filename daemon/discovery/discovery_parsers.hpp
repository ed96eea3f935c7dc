// Internal to the announcements' inventory (inventory.cpp): one reader
// per ecosystem, each adding what it recognises to a Found. Pure; any thread;
// nothing throws apart from std::bad_alloc.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "inventory.hpp"

namespace bedtimed::discovery::detail {

struct Found {
    std::vector<Device> devices;
    std::vector<std::string> skipped;
    // Topic roots ("zigbee2mqtt/heating_pad_left", "tele/tasmota_A1B2C3") a
    // native announcement covered: Home Assistant configs under them are the
    // same devices again.
    std::vector<std::string> roots;
    void skip(const std::string& topic, const std::string& why) {
        skipped.push_back(topic + ": " + why);
    }
};

// A JSON value from untrusted text, or a discarded value.
nlohmann::json parse_json(std::string_view text);
// A string member, or "".
std::string text_at(const nlohmann::json& j, std::string_view key);
// The topic's levels.
std::vector<std::string> levels(std::string_view topic);

void read_zigbee2mqtt(const Announcement& bridge_devices, Found& out);
// tasmota/discovery/<mac>/config and .../sensors, all of them.
void read_tasmota(const std::vector<Announcement>& messages, Found& out);
// shellies/announce (Gen1); <prefix>/online, <prefix>/status/<component>, and
// Shelly.GetStatus answers (Gen2).
void read_shelly(const std::vector<Announcement>& messages, Found& out);
// esphome/discover/<node> and homeassistant/.../config (ESPHome's own and
// anyone else's), last: what the natives covered is left out.
void read_home_assistant(const std::vector<Announcement>& messages, Found& out);

}  // namespace bedtimed::discovery::detail
