// The answers (setup_config.hpp): an --answers file read strictly (unknown
// keys are errors: a typo must not quietly leave a pad out), and the rules
// every answer keeps, wherever it came from.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "setup_config.hpp"

namespace bedtimed::ctl::setup {

namespace {

std::string position(const std::string& path, const YAML::Node& n) {
    const YAML::Mark m = n.Mark();
    if (m.line < 0) return path;
    return path + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
}

[[noreturn]] void fail(const std::string& where, const std::string& what) {
    throw SetupError(where.empty() ? what : where + ": " + what);
}

std::string scalar(const std::string& path, const YAML::Node& n, const std::string& key) {
    if (!n.IsScalar()) fail(position(path, n), "'" + key + "' must be a single value");
    const std::string v = n.as<std::string>();
    return v == "none" ? std::string() : v;
}

void only_keys(const std::string& path, const YAML::Node& map, std::set<std::string> known) {
    for (const auto& kv : map) {
        const std::string key = kv.first.as<std::string>();
        if (!known.count(key)) {
            std::string list;
            for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
            fail(position(path, kv.first), "unknown key '" + key + "' (known: " + list + ")");
        }
    }
}

PhoneAnswer read_phone(const std::string& path, const YAML::Node& n) {
    PhoneAnswer p;
    if (n.IsScalar()) {  // "none", "mqtt" (the default topic)
        p.type = n.as<std::string>();
        if (p.type != "none" && p.type != "mqtt")
            fail(position(path, n), "'phone' is none, mqtt, or {type: mqtt|ntfy, ...}");
        return p;
    }
    if (!n.IsMap()) fail(position(path, n), "'phone' must be none, mqtt, or a map");
    only_keys(path, n, {"type", "topic", "url"});
    if (n["type"]) p.type = scalar(path, n["type"], "type");
    if (n["topic"]) p.topic = scalar(path, n["topic"], "topic");
    if (n["url"]) p.url = scalar(path, n["url"], "url");
    if (p.type != "mqtt" && p.type != "ntfy" && p.type != "none")
        fail(position(path, n), "phone 'type' is mqtt, ntfy or none, not '" + p.type + "'");
    if (p.type == "ntfy" && (p.url.empty() || p.topic.empty()))
        fail(position(path, n), "an ntfy phone needs 'url' and 'topic'");
    return p;
}

SleeperAnswers read_sleeper(const std::string& path, const YAML::Node& n) {
    if (!n.IsMap()) fail(position(path, n), "each sleeper must be a map (name: ..., ...)");
    only_keys(path, n,
              {"name", "timezone", "bedtime", "heating_pad", "bed", "occupancy", "temperature",
               "sleep", "activity", "wearable", "phone", "cramp_button"});
    SleeperAnswers s;
    s.where = position(path, n);
    if (!n["name"]) fail(s.where, "a sleeper needs a 'name'");
    s.name = scalar(path, n["name"], "name");
    const std::pair<const char*, std::string*> fields[] = {
        {"timezone", &s.timezone}, {"bedtime", &s.bedtime},     {"heating_pad", &s.heating_pad},
        {"bed", &s.bed},           {"occupancy", &s.occupancy}, {"temperature", &s.temperature},
        {"sleep", &s.sleep},       {"activity", &s.activity},   {"wearable", &s.wearable_topic}};
    for (const auto& [key, out] : fields)
        if (n[key]) *out = scalar(path, n[key], key);
    if (n["phone"]) s.phone = read_phone(path, n["phone"]);
    if (const auto b = n["cramp_button"]; b && !(b.IsScalar() && b.as<std::string>() == "none")) {
        if (!b.IsMap()) fail(position(path, b), "'cramp_button' is {device: ID, action: ACTION}");
        only_keys(path, b, {"device", "action"});
        ButtonAnswer a;
        if (b["device"]) a.device = scalar(path, b["device"], "device");
        if (b["action"]) a.action = scalar(path, b["action"], "action");
        if (a.device.empty()) fail(position(path, b), "'cramp_button' needs a 'device'");
        s.cramp_button = a;
    }
    return s;
}

std::string list_of(const Inventory& inv, Role role) {
    std::string out;
    for (const auto* d : inv.with(role)) out += (out.empty() ? "" : ", ") + d->id;
    return out.empty() ? "none was found" : "found: " + out;
}

void check_device(const SleeperAnswers& s, const Inventory& inv, const std::string& id, Role role,
                  const char* what) {
    if (id.empty() || inv.find(id, role) != nullptr) return;
    fail(s.where, "sleeper '" + s.name + "': " + what + " '" + id + "' is not on the broker (" +
                      list_of(inv, role) + ")");
}

bool valid_hhmm(const std::string& t) {
    if (t.size() != 5 || t[2] != ':') return false;
    for (const int i : {0, 1, 3, 4})
        if (!std::isdigit(static_cast<unsigned char>(t[i]))) return false;
    return std::stoi(t.substr(0, 2)) < 24 && std::stoi(t.substr(3, 2)) < 60;
}

void check_sleeper(const SleeperAnswers& s, const Inventory& inv) {
    if (s.name.empty() || s.name.size() > 64 ||
        !std::all_of(s.name.begin(), s.name.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
        }))
        fail(s.where, "sleeper name '" + s.name + "' must be 1-64 letters, digits, '_' or '-'");
    if (!valid_hhmm(s.bedtime))
        fail(s.where, "sleeper '" + s.name + "': bedtime '" + s.bedtime + "' is not HH:MM");
    check_device(s, inv, s.heating_pad, Role::heating_pad, "heating pad");
    check_device(s, inv, s.bed, Role::bed, "bed");
    check_device(s, inv, s.occupancy, Role::occupancy, "occupancy sensor");
    check_device(s, inv, s.temperature, Role::temperature, "temperature sensor");
    check_device(s, inv, s.sleep, Role::sleep, "sleep sensor");
    check_device(s, inv, s.activity, Role::activity, "activity sensor");
    if (!s.cramp_button) return;
    const Device* b = inv.find(s.cramp_button->device, Role::button);
    if (b == nullptr)
        fail(s.where, "sleeper '" + s.name + "': button '" + s.cramp_button->device +
                          "' is not on the broker (" + list_of(inv, Role::button) + ")");
    const auto& acts = b->values;
    if (std::find(acts.begin(), acts.end(), s.cramp_button->action) == acts.end()) {
        std::string list;
        for (const auto& a : acts) list += (list.empty() ? "" : ", ") + a;
        fail(s.where, "sleeper '" + s.name + "': button '" + b->id + "' has no action '" +
                          s.cramp_button->action + "' (its actions: " + list + ")");
    }
}

}  // namespace

void check_answers(const Answers& answers, const Inventory& inv) {
    if (answers.sleepers.empty()) throw SetupError("no sleepers: at least one is needed");
    std::set<std::string> names, pads, beds, presses;
    for (const auto& s : answers.sleepers) {
        check_sleeper(s, inv);
        if (!names.insert(s.name).second) fail(s.where, "sleeper '" + s.name + "' twice");
        auto unique = [&](std::set<std::string>& seen, const std::string& key, const char* what) {
            if (!key.empty() && !seen.insert(key).second)
                fail(s.where, std::string(what) + " '" + key + "' belongs to one sleeper only");
        };
        if (!s.heating_pad.empty())
            unique(pads, inv.find(s.heating_pad, Role::heating_pad)->id, "heating pad");
        if (!s.bed.empty()) unique(beds, inv.find(s.bed, Role::bed)->id, "bed");
        if (s.cramp_button)
            unique(
                presses,
                inv.find(s.cramp_button->device, Role::button)->id + " " + s.cramp_button->action,
                "button press");
    }
}

Answers parse_answers(const std::string& yaml_text, const std::string& path,
                      const Inventory& inventory) {
    YAML::Node root;
    try {
        root = YAML::Load(yaml_text);
    } catch (const YAML::Exception& e) {
        throw SetupError(path + ":" + std::to_string(e.mark.line + 1) + ":" +
                         std::to_string(e.mark.column + 1) + ": " + e.msg);
    }
    if (!root.IsMap()) throw SetupError(path + ": the answers must be a map with 'sleepers:'");
    only_keys(path, root, {"sleepers"});
    const YAML::Node list = root["sleepers"];
    if (!list || !list.IsSequence() || list.size() == 0)
        fail(position(path, list ? list : root), "'sleepers' must be a list of at least one");
    Answers a;
    for (const auto& n : list) a.sleepers.push_back(read_sleeper(path, n));
    check_answers(a, inventory);
    return a;
}

}  // namespace bedtimed::ctl::setup
