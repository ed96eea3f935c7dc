// Announcements → inventory (inventory.hpp): the readers in order, then
// unique ids.
#include "inventory.hpp"

#include <algorithm>
#include <cctype>
#include <set>

#include "discovery_parsers.hpp"

namespace bedtimed::discovery {

nlohmann::json inventory_json(const Inventory& inv) {
    nlohmann::json j = {{"devices", nlohmann::json::array()}, {"skipped", inv.skipped}};
    for (const auto& d : inv.devices)
        j["devices"].push_back({{"id", d.id},
                                {"name", d.name},
                                {"role", role_name(d.role)},
                                {"ecosystem", d.ecosystem},
                                {"model", d.model},
                                {"integration", d.integration},
                                {"topic", d.topic},
                                {"json", d.json_path},
                                {"notes", d.notes},
                                {"reports_power", d.reports_power},
                                {"values", d.values}});
    return j;
}

const char* role_name(Role role) {
    switch (role) {
        case Role::heating_pad:
            return "heating_pad";
        case Role::bed:
            return "bed";
        case Role::occupancy:
            return "occupancy";
        case Role::temperature:
            return "temperature";
        case Role::sleep:
            return "sleep";
        case Role::activity:
            return "activity";
        case Role::button:
            return "button";
    }
    return "?";
}

std::string config_name(const std::string& text) {
    std::string out;
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u)) out += static_cast<char>(std::tolower(u));
        else if (!out.empty() && out.back() != '_') out += '_';
    }
    while (!out.empty() && out.back() == '_') out.pop_back();
    if (out.size() > 64) out.resize(64);
    return out.empty() ? "device" : out;
}

const Device* Inventory::find(const std::string& id_or_name, Role role) const {
    for (const auto& d : devices)
        if (d.role == role && d.id == id_or_name) return &d;
    for (const auto& d : devices)
        if (d.role == role && d.name == id_or_name) return &d;
    return nullptr;
}

std::vector<const Device*> Inventory::with(Role role) const {
    std::vector<const Device*> out;
    for (const auto& d : devices)
        if (d.role == role) out.push_back(&d);
    return out;
}

std::vector<std::string> announcement_filters() {
    return {"+/bridge/devices",   "tasmota/discovery/#", "shellies/announce",
            "+/online",           "+/status/+",          std::string(kShellyRpcSource) + "/rpc",
            "esphome/discover/+", "homeassistant/#"};
}

namespace {

// Ids: the device's name as a config name; a second entry of the same name
// (a sensor with occupancy and temperature) gets its role appended.
void assign_ids(std::vector<Device>& devices) {
    std::set<std::string> taken;
    for (auto& d : devices) {
        std::string id = config_name(d.id.empty() ? d.name : d.id);
        if (taken.count(id)) id = config_name(id + "_" + role_name(d.role));
        for (int n = 2; taken.count(id); ++n) id = config_name(d.name) + "_" + std::to_string(n);
        taken.insert(id);
        d.id = id;
    }
}

}  // namespace

Inventory read_announcements(const std::vector<Announcement>& messages) {
    detail::Found found;
    for (const auto& m : messages) {
        const auto l = detail::levels(m.topic);
        if (l.size() == 3 && l[1] == "bridge" && l[2] == "devices")
            detail::read_zigbee2mqtt(m, found);
    }
    detail::read_tasmota(messages, found);
    detail::read_shelly(messages, found);
    detail::read_home_assistant(messages, found);
    assign_ids(found.devices);
    return Inventory{std::move(found.devices), std::move(found.skipped)};
}

}  // namespace bedtimed::discovery

namespace bedtimed::discovery::detail {

nlohmann::json parse_json(std::string_view text) {
    return nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
}

std::string text_at(const nlohmann::json& j, std::string_view key) {
    if (!j.is_object()) return {};
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::vector<std::string> levels(std::string_view topic) {
    std::vector<std::string> out;
    std::size_t start = 0;
    for (;;) {
        const auto slash = topic.find('/', start);
        out.emplace_back(
            topic.substr(start, slash == std::string_view::npos ? slash : slash - start));
        if (slash == std::string_view::npos) return out;
        start = slash + 1;
    }
}

}  // namespace bedtimed::discovery::detail
