// Home Assistant MQTT discovery configs (homeassistant/<component>/[<node>/]
// <object>/config, retained) → inventory: ESPHome's own (esphome integration),
// anyone else's (generic integration, plain sensors), and device triggers
// (a button's `action`). Configs under a topic a native announcement already
// covered (Zigbee2MQTT, Tasmota, Shelly publish HA configs too) are left out.
// ESPHome nodes also say esphome/discover/<node>, which names the node.
#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "discovery_parsers.hpp"

namespace bedtimed::discovery::detail {

namespace {

using nlohmann::json;

// A key in its long or its abbreviated form, with "~" expanded in topics.
std::string field(const json& c, const char* full, const char* abbr) {
    std::string v = text_at(c, full);
    if (v.empty()) v = text_at(c, abbr);
    const std::string base = text_at(c, "~");
    if (!base.empty() && !v.empty()) {
        if (v.front() == '~') v = base + v.substr(1);
        else if (v.back() == '~') v = v.substr(0, v.size() - 1) + base;
    }
    return v;
}

const json& device_of(const json& c) {
    static const json none = json::object();
    for (const char* k : {"device", "dev"})
        if (const auto it = c.find(k); it != c.end() && it->is_object()) return *it;
    return none;
}

// "{{ value_json.a.b }}" -> "a.b"; "" for no template; "?" for one we cannot read.
std::string json_path_of(const std::string& tpl) {
    if (tpl.empty()) return {};
    const auto at = tpl.find("value_json.");
    if (at == std::string::npos) return "?";
    std::string path;
    for (std::size_t i = at + 11; i < tpl.size(); ++i) {
        const char ch = tpl[i];
        if (std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '.') path += ch;
        else break;
    }
    const auto rest = tpl.find_first_not_of(' ', at + 11 + path.size());
    return path.empty() || rest == std::string::npos || tpl.compare(rest, 2, "}}") != 0 ? "?"
                                                                                        : path;
}

struct Config {
    std::string topic, component, object;
    json body;
    bool esphome = false;
};

bool covered(const std::vector<std::string>& roots, const std::string& topic) {
    return std::any_of(roots.begin(), roots.end(), [&](const std::string& r) {
        return topic == r || topic.rfind(r + "/", 0) == 0;
    });
}

std::string lower(std::string s) {
    for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return s;
}

Device base_device(const Config& c) {
    Device d;
    d.ecosystem = c.esphome ? "esphome" : "home_assistant";
    const json& dev = device_of(c.body);
    const std::string dev_name = text_at(dev, "name");
    const std::string name = text_at(c.body, "name");
    d.name = dev_name.empty() ? (name.empty() ? c.object : name)
                              : (name.empty() ? dev_name : dev_name + " " + name);
    std::string model = text_at(dev, "model");
    if (model.empty()) model = text_at(dev, "mdl");
    d.model = model;
    return d;
}

// ESPHome's "<node>/<kind>/<object_id>/..." state topic -> node and object id.
bool esphome_parts(const std::string& topic, const std::string& kind, std::string& node,
                   std::string& object) {
    const auto at = topic.find("/" + kind + "/");
    if (at == std::string::npos || at == 0) return false;
    node = topic.substr(0, at);
    const auto start = at + kind.size() + 2;
    object = topic.substr(start, topic.find('/', start) - start);
    return !object.empty();
}

bool add_actuator(const Config& c, Device& d) {
    const std::string state = field(c.body, "state_topic", "stat_t");
    const std::string command = field(c.body, "command_topic", "cmd_t");
    d.role = c.component == "switch" ? Role::heating_pad : Role::bed;
    std::string node, object;
    if (c.esphome && esphome_parts(command.empty() ? state : command, c.component, node, object)) {
        d.integration = "esphome";
        d.options = {{"node", node}, {"object_id", object}};
        if (d.role == Role::heating_pad) d.notes.push_back("cap: none (bedtimed's own timer)");
        return true;
    }
    if (d.role == Role::bed) {
        const std::string set = field(c.body, "set_position_topic", "set_pos_t");
        if (set.empty()) return false;
        d.integration = "generic";
        d.options = {{"position_topic", set}};
        if (const auto pos = field(c.body, "position_topic", "pos_t"); !pos.empty())
            d.options.emplace_back("position_state_topic", pos);
        return true;
    }
    if (command.empty()) return false;
    std::string on = field(c.body, "payload_on", "pl_on"),
                off = field(c.body, "payload_off", "pl_off");
    d.integration = "generic";
    d.options = {{"on_topic", command},
                 {"on_payload", on.empty() ? "ON" : on},
                 {"off_payload", off.empty() ? "OFF" : off}};
    if (!state.empty()) {
        d.options.emplace_back("state_topic", state);
        const std::string path = json_path_of(field(c.body, "value_template", "val_tpl"));
        if (path == "?") return false;
        if (!path.empty()) d.options.emplace_back("state_json", path);
    }
    d.notes.push_back("cap: none (bedtimed's own timer)");
    return true;
}

bool add_sensor(const Config& c, Device& d) {
    const std::string cls = field(c.body, "device_class", "dev_cla");
    const std::string what = lower(text_at(c.body, "name") + " " + c.object);
    d.topic = field(c.body, "state_topic", "stat_t");
    d.json_path = json_path_of(field(c.body, "value_template", "val_tpl"));
    if (d.topic.empty() || d.json_path == "?") return false;
    if (c.component == "binary_sensor") {
        if (cls == "occupancy" || cls == "presence") d.role = Role::occupancy;
        else if (what.find("sleep") != std::string::npos) d.role = Role::sleep;
        else return false;
        d.type = "bool";
        const std::string on = field(c.body, "payload_on", "pl_on"),
                          off = field(c.body, "payload_off", "pl_off");
        d.true_values = {on.empty() ? "ON" : on};
        d.false_values = {off.empty() ? "OFF" : off};
        return true;
    }
    if (cls == "temperature") {
        d.role = Role::temperature;
        d.type = "number";
        d.unit = field(c.body, "unit_of_measurement", "unit_of_meas");
        return true;
    }
    if (what.find("steps") != std::string::npos) {
        d.role = Role::activity;
        d.type = "number";
        return true;
    }
    const auto options = c.body.find("options");
    if (what.find("sleep") != std::string::npos && options != c.body.end() && options->is_array()) {
        d.role = Role::sleep;
        d.type = "enum";
        for (const auto& o : *options)
            if (o.is_string()) d.values.push_back(o.get<std::string>());
        return !d.values.empty();
    }
    return false;
}

// Device triggers of one topic (Zigbee2MQTT's <device>/action, a remote's)
// become one button with every payload as an action.
void add_triggers(const std::vector<Config>& triggers, Found& out) {
    std::map<std::string, Device> buttons;
    for (const auto& c : triggers) {
        const std::string topic = field(c.body, "topic", "t");
        const std::string payload = field(c.body, "payload", "pl");
        if (topic.empty() || payload.empty() || covered(out.roots, topic)) continue;
        auto [it, fresh] = buttons.try_emplace(topic, base_device(c));
        Device& d = it->second;
        if (fresh) {
            d.role = Role::button;
            d.name = text_at(device_of(c.body), "name").empty() ? c.object : d.name;
            d.topic = topic;
            d.type = "enum";
        }
        if (std::find(d.values.begin(), d.values.end(), payload) == d.values.end())
            d.values.push_back(payload);
    }
    for (auto& [topic, d] : buttons) out.devices.push_back(std::move(d));
}

std::vector<Config> configs_of(const std::vector<Announcement>& messages, Found& out) {
    std::set<std::string> esphome_nodes;
    for (const auto& m : messages) {
        const auto l = levels(m.topic);
        if (l.size() == 3 && l[0] == "esphome" && l[1] == "discover") esphome_nodes.insert(l[2]);
    }
    std::vector<Config> configs;
    for (const auto& m : messages) {
        const auto l = levels(m.topic);
        if (l.size() < 4 || l.size() > 5 || l[0] != "homeassistant" || l.back() != "config")
            continue;
        if (m.payload.empty()) continue;  // a removed entity
        Config c{m.topic, l[1], l[l.size() - 2], parse_json(m.payload)};
        if (!c.body.is_object()) {
            out.skip(m.topic, "not a JSON object");
            continue;
        }
        const json& dev = device_of(c.body);
        const std::string sw = lower(text_at(dev, "sw_version") + text_at(dev, "sw"));
        c.esphome = sw.find("esphome") != std::string::npos ||
                    (l.size() == 5 && esphome_nodes.count(l[2]) != 0);
        configs.push_back(std::move(c));
    }
    return configs;
}

}  // namespace

void read_home_assistant(const std::vector<Announcement>& messages, Found& out) {
    std::vector<Config> triggers;
    for (const auto& c : configs_of(messages, out)) {
        if (c.component == "device_automation") {
            triggers.push_back(c);
            continue;
        }
        const bool actuator = c.component == "switch" || c.component == "cover";
        const bool sensor = c.component == "sensor" || c.component == "binary_sensor";
        if (!actuator && !sensor) continue;
        const std::string state = field(c.body, "state_topic", "stat_t");
        const std::string command = field(c.body, "command_topic", "cmd_t");
        if (covered(out.roots, state) || covered(out.roots, command)) continue;
        Device d = base_device(c);
        if (actuator ? add_actuator(c, d) : add_sensor(c, d)) out.devices.push_back(std::move(d));
    }
    add_triggers(triggers, out);
}

}  // namespace bedtimed::discovery::detail
