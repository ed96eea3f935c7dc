// Zigbee2MQTT's retained <base>/bridge/devices → inventory entries: plugs
// (their cap and power-on setting learned by the codec's own reader,
// integrations/zigbee2mqtt/bridge_devices.hpp), covers, occupancy/presence,
// temperature and buttons (`action`).
#include <string>

#include "discovery_parsers.hpp"
#include "zigbee2mqtt/bridge_devices.hpp"

namespace bedtimed::discovery::detail {

namespace {

using nlohmann::json;

void flatten(const json& exposes, std::vector<const json*>& out) {
    if (!exposes.is_array()) return;
    for (const auto& e : exposes) {
        if (!e.is_object()) continue;
        out.push_back(&e);
        if (const auto f = e.find("features"); f != e.end()) flatten(*f, out);
    }
}

const json* expose_named(const std::vector<const json*>& all, std::string_view name) {
    for (const auto* e : all)
        if (text_at(*e, "property") == name || text_at(*e, "name") == name) return e;
    return nullptr;
}

const json* expose_typed(const std::vector<const json*>& all, std::string_view type) {
    for (const auto* e : all)
        if (text_at(*e, "type") == type) return e;
    return nullptr;
}

struct Entry {
    std::string name, model, base;
    std::vector<const json*> exposes;
    Device base_device(Role role) const {
        Device d;
        d.name = name;
        d.ecosystem = "zigbee2mqtt";
        d.role = role;
        d.model = model;
        d.topic = base + "/" + name;
        return d;
    }
};

void add_plug(const Entry& e, const std::string& payload, Found& out) {
    Device d = e.base_device(Role::heating_pad);
    d.topic.clear();
    d.integration = "zigbee2mqtt";
    d.options = {{"device", e.name}, {"base_topic", e.base}, {"cap", "auto"}};
    const auto facts = integrations::z2m::learn_from_bridge_devices(
        payload, e.name, integrations::z2m::CapMode::automatic, {});
    if (facts) {
        d.reports_power = facts->reports_power;
        d.notes.push_back("cap: " + facts->cap_method + " (" + facts->cap_note + ")");
        d.notes.push_back(facts->power_on_key.empty()
                              ? "no power-on setting: it may come back ON after a power cut"
                              : "kept off after a power cut (" + facts->power_on_key + ")");
        d.notes.push_back(facts->reports_power ? "reports power (W)" : "no power metering");
    }
    out.devices.push_back(std::move(d));
}

void add_sensors(const Entry& e, Found& out) {
    for (const char* key : {"occupancy", "presence"}) {
        const json* x = expose_named(e.exposes, key);
        if (x == nullptr || text_at(*x, "type") != "binary") continue;
        Device d = e.base_device(Role::occupancy);
        d.json_path = key;
        d.type = "bool";
        d.notes.push_back(std::string(key) + " in bridge/devices");
        out.devices.push_back(std::move(d));
        break;
    }
    if (const json* t = expose_named(e.exposes, "temperature");
        t != nullptr && text_at(*t, "type") == "numeric") {
        Device d = e.base_device(Role::temperature);
        d.json_path = "temperature";
        d.type = "number";
        d.unit = text_at(*t, "unit");
        out.devices.push_back(std::move(d));
    }
    if (const json* a = expose_named(e.exposes, "action");
        a != nullptr && text_at(*a, "type") == "enum") {
        Device d = e.base_device(Role::button);
        d.json_path = "action";
        d.type = "enum";
        if (const auto v = a->find("values"); v != a->end() && v->is_array())
            for (const auto& s : *v)
                if (s.is_string() && !s.get_ref<const std::string&>().empty())
                    d.values.push_back(s.get<std::string>());
        if (!d.values.empty()) out.devices.push_back(std::move(d));
    }
}

}  // namespace

void read_zigbee2mqtt(const Announcement& m, Found& out) {
    const auto list = parse_json(m.payload);
    if (!list.is_array()) return out.skip(m.topic, "not a JSON list");
    const std::string base =
        m.topic.substr(0, m.topic.size() - std::string("/bridge/devices").size());
    for (const auto& entry : list) {
        if (!entry.is_object() || text_at(entry, "type") == "Coordinator") continue;
        Entry e;
        e.name = text_at(entry, "friendly_name");
        e.base = base;
        const auto def = entry.find("definition");
        if (e.name.empty() || def == entry.end() || !def->is_object()) continue;
        e.model = text_at(*def, "model") + " (" + text_at(entry, "manufacturer") + ")";
        if (const auto ex = def->find("exposes"); ex != def->end()) flatten(*ex, e.exposes);
        out.roots.push_back(base + "/" + e.name);
        const json* sw = expose_typed(e.exposes, "switch");
        const json* state = expose_named(e.exposes, "state");
        if (sw != nullptr && state != nullptr) add_plug(e, m.payload, out);
        if (expose_typed(e.exposes, "cover") != nullptr) {
            Device d = e.base_device(Role::bed);
            d.topic.clear();
            d.integration = "zigbee2mqtt";
            d.options = {{"device", e.name}, {"base_topic", base}};
            out.devices.push_back(std::move(d));
        }
        add_sensors(e, out);
    }
}

}  // namespace bedtimed::discovery::detail
