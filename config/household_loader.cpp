// Parsing of the `actuators`, `notifiers` and `sleepers` sections: the
// devices and notifiers here, a sleeper in sleeper_loader.cpp, its routine in
// routine_loader.cpp.
#include "household_parse.hpp"

namespace bedtimed::config::detail {

// "22:30" → minutes after midnight.
int parse_clock(Block& b, const YAML::Node& n, const std::string& key) {
    const std::string s = b.scalar(n, key);
    int h = -1, m = -1;
    char extra = 0;
    if (std::sscanf(s.c_str(), "%d:%d%c", &h, &m, &extra) != 2 || h < 0 || h > 23 || m < 0 ||
        m > 59 || s.size() != 5)
        b.fail(n, "'" + key + "' must be a local time HH:MM, not '" + s + "'");
    return h * 60 + m;
}

// Keys named *_minutes / minutes take a plain number as minutes ("15"), or a duration ("1h").
std::chrono::minutes minutes_or(Block& b, const std::string& key, std::chrono::minutes fallback,
                                std::chrono::minutes lo, std::chrono::minutes hi) {
    if (b.has(key)) {
        YAML::Node n = b.node()[key];
        const std::string text = b.scalar(n, key);
        if (!text.empty() &&
            std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            b.get(key);
            const auto m = std::chrono::minutes(std::stol(text.substr(0, 9)));
            if (m < lo || m > hi)
                b.fail(n, "'" + key + "' is " + text + " min, outside " +
                              std::to_string(lo.count()) + ".." + std::to_string(hi.count()) +
                              " min");
            return m;
        }
    }
    return std::chrono::duration_cast<std::chrono::minutes>(b.duration_or(key, fallback, lo, hi));
}

const SensorSpec& require_sensor(Block& b, const std::string& key, const Config& cfg,
                                 SensorType type, const char* type_name) {
    YAML::Node n = b.require(key);
    const std::string name = b.scalar(n, key);
    const SensorSpec* s = cfg.find_sensor(name);
    if (!s) b.fail(n, "'" + key + "' refers to an undefined sensor '" + name + "'");
    if (s->type != type && !(type == SensorType::enumeration && s->type == SensorType::boolean))
        b.fail(n, "sensor '" + name + "' must be of type " + type_name);
    return *s;
}

namespace {

// A scalar, list or map option value as a tree; the integration decides which
// shapes it accepts. Nesting is bounded (a list of maps of lists at most is
// useful) so that a pathological file cannot recurse deeply.
Option option_tree(Block& b, const YAML::Node& v, const std::string& key, int depth) {
    const Location loc = b.at(v);
    Option o;
    o.line = loc.line;
    o.column = loc.column;
    if (v.IsScalar() || v.IsNull()) {
        o.value = v.IsScalar() ? v.Scalar() : "";
        return o;
    }
    if (depth >= 4) b.fail(v, "option '" + key + "' is nested too deeply");
    if (v.IsSequence()) {
        o.shape = Option::Shape::list;
        for (const auto& item : v) o.items.push_back(option_tree(b, item, key, depth + 1));
        return o;
    }
    if (v.IsMap()) {
        o.shape = Option::Shape::map;
        for (const auto& kv : v) {
            if (!kv.first.IsScalar())
                b.fail(kv.first, "keys in option '" + key + "' must be strings");
            const std::string k = kv.first.Scalar();
            if (std::find(o.keys.begin(), o.keys.end(), k) != o.keys.end())
                b.fail(kv.first, "duplicate key '" + k + "' in option '" + key + "'");
            o.keys.push_back(k);
            o.items.push_back(option_tree(b, kv.second, key, depth + 1));
        }
        return o;
    }
    b.fail(v, "option '" + key + "' has an unsupported YAML value");
}

Options collect_options(Block& b, const std::set<std::string>& own_keys) {
    Options out;
    for (const auto& kv : b.node()) {
        const std::string key = kv.first.Scalar();
        if (own_keys.count(key)) continue;
        YAML::Node v = b.get(key);  // marks it read: the integration reports unknown ones
        out[key] = option_tree(b, v, key, 0);
    }
    return out;
}

ActuatorSpec parse_actuator(Block b) {
    ActuatorSpec a;
    const Location where = b.where();
    a.line = where.line;
    a.column = where.column;
    a.name = require_name(b);
    YAML::Node kind = b.require("kind");
    const std::string k = b.scalar(kind, "kind");
    if (k == "heating_pad") a.kind = ActuatorSpec::Kind::heating_pad;
    else if (k == "bed") a.kind = ActuatorSpec::Kind::bed;
    else b.fail(kind, "actuator kind '" + k + "' must be heating_pad or bed");
    a.integration = b.require_string("integration");
    a.max_on = b.duration_or("max_on", a.max_on, std::chrono::minutes(1), kMaxHeatCap);
    a.min_off =
        b.duration_or("min_off", a.min_off, std::chrono::minutes(0), std::chrono::hours(12));
    a.min_power_w = b.number_or("min_power_w", a.min_power_w, 0, 3000);
    a.confirm_timeout = b.duration_or("confirm_timeout", a.confirm_timeout, std::chrono::seconds(1),
                                      std::chrono::minutes(5));
    a.min_move_interval = b.duration_or("min_move_interval", a.min_move_interval,
                                        std::chrono::seconds(0), std::chrono::hours(1));
    if (b.has("presets")) {
        YAML::Node p = b.get("presets");
        if (!p.IsMap())
            b.fail(p, "'presets' must map names to positions, like {flat: 0, legs_raised: 15}");
        for (const auto& kv : p) {
            const double v = b.number(kv.second, "presets");
            if (v < 0 || v > 100) b.fail(kv.second, "a preset position must be 0..100 (percent)");
            a.presets[kv.first.Scalar()] = v;
        }
    } else {
        b.get("presets");
    }
    if (a.kind == ActuatorSpec::Kind::bed && a.presets.empty())
        a.presets = {{"flat", 0.0}, {"legs_raised", 15.0}};
    a.options =
        collect_options(b, {"name", "kind", "integration", "max_on", "min_off", "min_power_w",
                            "confirm_timeout", "min_move_interval", "presets"});
    return a;
}

NotifierSpec parse_notifier(Block b) {
    NotifierSpec n;
    const Location where = b.where();
    n.line = where.line;
    n.column = where.column;
    n.name = require_name(b);
    n.type = b.require_string("type");
    n.options = collect_options(b, {"name", "type"});
    return n;
}

}  // namespace

void parse_household(Block& top, Config& cfg) {
    for_each_item(top, "actuators",
                  [&](Block b) { cfg.actuators.push_back(parse_actuator(std::move(b))); });
    for_each_item(top, "notifiers",
                  [&](Block b) { cfg.notifiers.push_back(parse_notifier(std::move(b))); });
    for_each_item(top, "sleepers",
                  [&](Block b) { cfg.sleepers.push_back(parse_sleeper(std::move(b), cfg)); });
    auto where = [&](int line, int col) { return Location{cfg.path, line, col}; };
    auto unique = [&](auto& list, const char* what) {
        std::map<std::string, std::pair<int, int>> seen;
        for (const auto& x : list) {
            auto [it, fresh] = seen.emplace(x.name, std::make_pair(x.line, x.column));
            if (!fresh)
                throw ConfigError(where(x.line, x.column),
                                  std::string("duplicate ") + what + " name '" + x.name +
                                      "' (first defined at line " +
                                      std::to_string(it->second.first) + ")");
        }
    };
    unique(cfg.actuators, "actuator");
    unique(cfg.notifiers, "notifier");
    unique(cfg.sleepers, "sleeper");
    // One device, one sleeper: two routines driving the same pad would fight.
    std::map<std::string, std::string> owner;
    for (const auto& s : cfg.sleepers)
        for (const auto& dev : {s.heating_pad, s.bed}) {
            if (dev.empty()) continue;
            auto [it, fresh] = owner.emplace(dev, s.name);
            if (!fresh)
                throw ConfigError(
                    where(s.line, s.column),
                    "actuator '" + dev + "' already belongs to sleeper '" + it->second + "'");
        }
}

}  // namespace bedtimed::config::detail
