// Internal to the config library: the parsers of the top-level sections that
// parse_config (loader.cpp) calls in order, one file per section. Not a public
// interface. Threads: any; no shared state. Everything throws ConfigError with
// the location of the offending value.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>

#include "block.hpp"
#include "config.hpp"

namespace bedtimed::config::detail {

// `mqtt` (mqtt_loader.cpp).
MqttSettings parse_mqtt(Block b);
// One entry of `sensors` and of `wearables` (sensor_loader.cpp).
SensorSpec parse_sensor(Block b);
WearableSpec parse_wearable(Block b);
// One entry of `rules` (rule_loader.cpp); `cfg` already holds the sensors and wearables.
RuleSpec parse_rule(Block b, const Config& cfg);
// `home_assistant` (home_assistant_loader.cpp).
HomeAssistantSettings parse_home_assistant(Block b);

// `<key>_file`, `<key>_env` or `<key>_credential`, at most one (mqtt_loader.cpp).
SecretRef parse_secret(Block& b, const std::string& key);

// Quotes (yaml_quotes.cpp). Throws when a quoted scalar of `root` never closes in `text`.
void check_quotes_closed(const YAML::Node& root, const std::string& text, const std::string& path);
// After a YAML error at `error_line` (1-based): the first earlier value whose
// quote does not close on its own line, or nullopt.
std::optional<Location> unclosed_quote_before(const std::string& text, int error_line,
                                              const std::string& path);

}  // namespace bedtimed::config::detail
