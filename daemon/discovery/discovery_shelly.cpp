// Shelly → inventory. Gen1 announces itself on shellies/announce (not
// retained: setup asks with "announce" on shellies/command) and is driven
// through the generic integration; Gen2 and later say <prefix>/online (retained)
// and, with "generic status update over MQTT" on, <prefix>/status/<component>;
// a device with no status seen is asked once with Shelly.GetStatus.
#include <map>
#include <set>

#include "discovery_parsers.hpp"

namespace bedtimed::discovery::detail {

namespace {

using nlohmann::json;

// Gen1 models with relays, and how many; SHSW-25 in roller mode is a cover.
int gen1_relays(const std::string& model) {
    if (model == "SHSW-25" || model == "SHSW-21") return 2;
    if (model.rfind("SHPLG", 0) == 0 || model.rfind("SHSW", 0) == 0) return 1;
    return 0;
}

void add_gen1(const Announcement& m, Found& out) {
    const json a = parse_json(m.payload);
    const std::string id = text_at(a, "id"), model = text_at(a, "model");
    if (id.empty() || model.empty()) return out.skip(m.topic, "no id or model");
    const std::string root = "shellies/" + id;
    out.roots.push_back(root);
    for (int r = 0; r < gen1_relays(model); ++r) {
        Device d;
        d.ecosystem = "shelly";
        d.role = Role::heating_pad;
        d.name = id + (gen1_relays(model) > 1 ? "_relay" + std::to_string(r) : "");
        d.model = model + " (Gen1)";
        d.integration = "generic";
        const std::string relay = root + "/relay/" + std::to_string(r);
        d.options = {{"on_topic", relay + "/command"}, {"on_payload", "on"}, {"off_payload", "off"},
                     {"state_topic", relay},           {"state_on", "on"},   {"state_off", "off"}};
        d.notes.push_back("cap: none (Gen1 takes no timer over MQTT; bedtimed's own timer only)");
        out.devices.push_back(std::move(d));
    }
    if (model == "SHHT-1") {
        Device d;
        d.ecosystem = "shelly";
        d.role = Role::temperature;
        d.name = id;
        d.model = model + " (Gen1)";
        d.topic = root + "/sensor/temperature";
        d.type = "number";
        d.unit = "°C";
        out.devices.push_back(std::move(d));
    }
}

// Gen2 components seen for one prefix: "switch:0" -> its status.
using Components = std::map<std::string, json>;

void add_gen2(const std::string& prefix, const Components& components, Found& out) {
    out.roots.push_back(prefix);
    for (const auto& [key, status] : components) {
        const auto colon = key.find(':');
        const std::string kind = key.substr(0, colon), number = key.substr(colon + 1);
        Device d;
        d.ecosystem = "shelly_gen2";
        d.name = prefix + (number == "0" ? "" : "_" + number);
        d.model = "Shelly Gen2+ " + key;
        if (kind == "switch" || kind == "cover") {
            d.role = kind == "switch" ? Role::heating_pad : Role::bed;
            d.integration = "shelly_gen2";
            d.options = {{"prefix", prefix}, {"id", number}};
            if (kind == "switch") {
                d.reports_power = status.is_object() && status.contains("apower");
                d.notes.push_back("cap: auto_off (Switch.Set toggle_after)");
                d.notes.push_back(d.reports_power ? "reports power (W)" : "no power metering");
            }
        } else if (kind == "temperature" && status.is_object() && status.contains("tC")) {
            d.role = Role::temperature;
            d.topic = prefix + "/status/" + key;
            d.json_path = "tC";
            d.type = "number";
            d.unit = "°C";
        } else {
            continue;
        }
        out.devices.push_back(std::move(d));
    }
}

bool is_component(const std::string& key) {
    for (const char* k : {"switch:", "cover:", "temperature:"})
        if (key.rfind(k, 0) == 0 && key.size() > std::string(k).size()) return true;
    return false;
}

}  // namespace

void read_shelly(const std::vector<Announcement>& messages, Found& out) {
    std::map<std::string, Components> gen2;
    std::set<std::string> online;
    for (const auto& m : messages) {
        const auto l = levels(m.topic);
        if (m.topic == "shellies/announce") add_gen1(m, out);
        else if (l.size() == 2 && l[1] == "online" && m.payload == "true") online.insert(l[0]);
        else if (l.size() == 3 && l[1] == "status" && is_component(l[2]))
            gen2[l[0]][l[2]] = parse_json(m.payload);
        else if (m.topic == std::string(kShellyRpcSource) + "/rpc") {
            const json reply = parse_json(m.payload);
            const std::string src = text_at(reply, "src");
            if (src.empty() || !reply.contains("result") || !reply["result"].is_object()) continue;
            for (const auto& [key, value] : reply["result"].items())
                if (is_component(key)) gen2[src][key] = value;
        }
    }
    for (const auto& [prefix, components] : gen2) add_gen2(prefix, components, out);
    for (const auto& prefix : online)
        if (!gen2.count(prefix) && prefix.rfind("shelly", 0) == 0)
            out.skip(prefix + "/online",
                     "a Shelly that sent no status and did not answer Shelly.GetStatus: turn on "
                     "\"Generic status update over MQTT\"");
}

}  // namespace bedtimed::discovery::detail

namespace bedtimed::discovery {

std::vector<std::string> shelly_gen2_to_ask(const std::vector<Announcement>& messages) {
    std::set<std::string> online, known;
    for (const auto& m : messages) {
        const auto l = detail::levels(m.topic);
        if (l.size() == 2 && l[1] == "online" && m.payload == "true") online.insert(l[0]);
        if (l.size() == 3 && l[1] == "status") known.insert(l[0]);
    }
    std::vector<std::string> out;
    for (const auto& p : online)
        if (!known.count(p) && p.rfind("shelly", 0) == 0) out.push_back(p);
    return out;
}

std::string shelly_status_request(int id, const std::string& src) {
    return nlohmann::json{{"id", id}, {"src", src}, {"method", "Shelly.GetStatus"}}.dump();
}

}  // namespace bedtimed::discovery
