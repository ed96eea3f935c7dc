// The loader's entry points: the file's YAML, then each top-level section in
// order (sections.hpp), then the lookups on a loaded Config.
#include "loader.hpp"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "block.hpp"
#include "sections.hpp"

namespace bedtimed::config {

std::string Location::str() const {
    return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

namespace {

template <class Spec>
const Spec* find_named(const std::vector<Spec>& items, const Config::NameIndex& index,
                       std::string_view name) {
    if (const auto it = index.find(name);
        it != index.end() && it->second < items.size() && items[it->second].name == name)
        return &items[it->second];
    for (const auto& item : items)
        if (item.name == name) return &item;
    return nullptr;
}

template <class Spec>
Config::NameIndex index_of(const std::vector<Spec>& items) {
    Config::NameIndex index;
    for (std::size_t i = 0; i < items.size(); ++i) index.emplace(items[i].name, i);
    return index;
}

}  // namespace

const SensorSpec* Config::find_sensor(std::string_view name) const {
    return find_named(sensors, sensor_index, name);
}

const WearableSpec* Config::find_wearable(std::string_view name) const {
    return find_named(wearables, wearable_index, name);
}

const ActuatorSpec* Config::find_actuator(std::string_view name) const {
    return find_named(actuators, actuator_index, name);
}

const NotifierSpec* Config::find_notifier(std::string_view name) const {
    return find_named(notifiers, notifier_index, name);
}

const SleeperSpec* Config::find_sleeper(std::string_view name) const {
    return find_named(sleepers, sleeper_index, name);
}

void Config::index_names() {
    sensor_index = index_of(sensors);
    wearable_index = index_of(wearables);
    actuator_index = index_of(actuators);
    notifier_index = index_of(notifiers);
    sleeper_index = index_of(sleepers);
}

const std::vector<std::string>& episode_field_names() {
    static const std::vector<std::string> names{"id",         "source", "topic", "start",
                                                "duration_s", "muscle", "side",  "severity"};
    return names;
}

using namespace detail;

Config parse_config(const std::string& yaml_text, const std::string& path) {
    Config cfg;
    cfg.path = path;
    YAML::Node root;
    try {
        root = YAML::Load(yaml_text);
    } catch (const YAML::Exception& e) {
        if (const auto quote = unclosed_quote_before(yaml_text, e.mark.line + 1, path))
            throw ConfigError(*quote,
                              "quoted string is not closed on its line (YAML then fails at " +
                                  std::to_string(e.mark.line + 1) + ":" +
                                  std::to_string(e.mark.column + 1) + ": " + e.msg + ")");
        throw ConfigError(Location{path, e.mark.line + 1, e.mark.column + 1}, e.msg);
    }
    check_quotes_closed(root, yaml_text, path);
    if (!root.IsMap()) {
        // Point at the offending document, past any leading comments; an empty file has no mark.
        const YAML::Mark m = root.Mark();
        throw ConfigError(
            Location{path, m.line >= 0 ? m.line + 1 : 1, m.column >= 0 ? m.column + 1 : 1},
            "the config must be a YAML mapping");
    }
    try {
        Block top(root, cfg.path, yaml_text, cfg.warnings);
        if (top.has("mqtt")) cfg.mqtt = parse_mqtt(top.child("mqtt"));
        else top.get("mqtt");
        for_each_item(top, "sensors",
                      [&](Block b) { cfg.sensors.push_back(parse_sensor(std::move(b))); });
        check_unique_names(cfg.sensors, "sensor");
        for_each_item(top, "wearables",
                      [&](Block b) { cfg.wearables.push_back(parse_wearable(std::move(b))); });
        check_unique_names(cfg.wearables, "wearable");
        for_each_item(top, "rules",
                      [&](Block b) { cfg.rules.push_back(parse_rule(std::move(b), cfg)); });
        check_unique_names(cfg.rules, "rule");
        cfg.index_names();  // for the household's references to sensors and wearables
        parse_household(top, cfg);
        if (top.has("home_assistant"))
            cfg.home_assistant = parse_home_assistant(top.child("home_assistant"));
        else top.get("home_assistant");
        top.get("web");  // read by load_web_settings (web_settings.hpp)
        top.warn_unknown_keys();
    } catch (const YAML::Exception& e) {
        // yaml-cpp conversions that slipped past our own checks still get a location.
        throw ConfigError(Location{path, e.mark.line + 1, e.mark.column + 1}, e.msg);
    }
    cfg.index_names();
    return cfg;
}

Config load_config(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ConfigError(Location{path, 0, 0}, "cannot read the file");
    std::ostringstream text;
    text << in.rdbuf();
    return parse_config(text.str(), path);
}

}  // namespace bedtimed::config
