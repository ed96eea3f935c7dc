// Tasmota's discovery (tasmota/discovery/<MAC>/config and .../sensors, both
// retained; Tasmota 9.1 and later with SetOption19 0) → relays, shutters,
// power metering and temperature sensors.
#include <map>

#include "discovery_parsers.hpp"

namespace bedtimed::discovery::detail {

namespace {

using nlohmann::json;

struct Node {
    const Announcement* config = nullptr;
    const Announcement* sensors = nullptr;
};

// The device's prefixes, or empty when its full topic is not Tasmota's default
// "%prefix%/%topic%/" (the tasmota integration builds topics that way).
std::vector<std::string> prefixes(const json& cfg) {
    if (text_at(cfg, "ft") != "%prefix%/%topic%/") return {};
    const auto tp = cfg.find("tp");
    if (tp == cfg.end() || !tp->is_array() || tp->size() < 3) return {};
    std::vector<std::string> out;
    for (const auto& p : *tp) out.push_back(p.is_string() ? p.get<std::string>() : "");
    return out;
}

std::string label(const json& cfg, std::size_t relay) {
    const auto fn = cfg.find("fn");
    if (fn != cfg.end() && fn->is_array() && relay < fn->size() && (*fn)[relay].is_string())
        return (*fn)[relay].get<std::string>();
    return text_at(cfg, "dn");
}

void add_relays(const json& cfg, const json& sensors, const std::vector<std::string>& p,
                Found& out) {
    const std::string topic = text_at(cfg, "t");
    const bool power = sensors.is_object() && sensors.contains("ENERGY");
    const auto rl = cfg.find("rl");
    if (rl == cfg.end() || !rl->is_array()) return;
    int shutter = 0, relays = 0;
    for (const auto& t : *rl) relays += t == 1 ? 1 : 0;
    for (std::size_t i = 0; i < rl->size(); ++i) {
        const int type = (*rl)[i].is_number_integer() ? (*rl)[i].get<int>() : 0;
        if (type != 1 && type != 3) continue;  // 1 relay, 3 shutter (2 is a light)
        Device d;
        d.ecosystem = "tasmota";
        d.name = label(cfg, i);
        d.id = topic + (relays > 1 && type == 1 ? "_" + std::to_string(i + 1) : "");
        d.model = text_at(cfg, "md");
        d.integration = "tasmota";
        const int number = type == 1 ? static_cast<int>(i) + 1 : ++shutter;
        d.options = {{"topic", topic}, {"relay", std::to_string(number)}};
        if (p[0] != "cmnd") d.options.emplace_back("prefix_cmnd", p[0]);
        if (p[1] != "stat") d.options.emplace_back("prefix_stat", p[1]);
        if (p[2] != "tele") d.options.emplace_back("prefix_tele", p[2]);
        if (type == 3) {
            d.role = Role::bed;
            d.id = topic + "_shutter" + std::to_string(number);
        } else {
            d.role = Role::heating_pad;
            d.reports_power = power;
            d.notes.push_back("cap: pulse_time (PulseTime" + std::to_string(number) +
                              ", read back at start)");
            d.notes.push_back(power ? "reports power (W)" : "no power metering");
        }
        out.devices.push_back(std::move(d));
    }
}

void add_temperatures(const json& cfg, const json& sensors, const std::vector<std::string>& p,
                      Found& out) {
    if (!sensors.is_object()) return;
    for (const auto& [key, value] : sensors.items()) {
        if (!value.is_object() || !value.contains("Temperature")) continue;
        Device d;
        d.ecosystem = "tasmota";
        d.role = Role::temperature;
        d.name = text_at(cfg, "t") + "_" + key;
        d.model = text_at(cfg, "md") + " " + key;
        d.topic = p[2] + "/" + text_at(cfg, "t") + "/SENSOR";
        d.json_path = key + ".Temperature";
        d.type = "number";
        d.unit = sensors.value("TempUnit", std::string("C")) == "F" ? "°F" : "°C";
        d.notes.push_back("tele/SENSOR every TelePeriod (300 s by default)");
        out.devices.push_back(std::move(d));
    }
}

}  // namespace

void read_tasmota(const std::vector<Announcement>& messages, Found& out) {
    std::map<std::string, Node> nodes;  // by MAC
    for (const auto& m : messages) {
        const auto l = levels(m.topic);
        if (l.size() != 4 || l[0] != "tasmota" || l[1] != "discovery") continue;
        if (l[3] == "config") nodes[l[2]].config = &m;
        else if (l[3] == "sensors") nodes[l[2]].sensors = &m;
    }
    for (const auto& [mac, node] : nodes) {
        if (node.config == nullptr) continue;
        const json cfg = parse_json(node.config->payload);
        if (!cfg.is_object() || text_at(cfg, "t").empty()) {
            out.skip(node.config->topic, "not a Tasmota discovery config");
            continue;
        }
        const auto p = prefixes(cfg);
        if (p.empty()) {
            out.skip(node.config->topic, "a FullTopic other than %prefix%/%topic%/");
            continue;
        }
        json sensors;
        if (node.sensors != nullptr) {
            const json s = parse_json(node.sensors->payload);
            if (s.is_object() && s.contains("sn")) sensors = s["sn"];
        }
        for (const auto& prefix : p) out.roots.push_back(prefix + "/" + text_at(cfg, "t"));
        add_relays(cfg, sensors, p, out);
        add_temperatures(cfg, sensors, p, out);
    }
}

}  // namespace bedtimed::discovery::detail
