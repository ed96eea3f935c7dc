// Internal to HA discovery (ha_discovery.cpp): the entities of the nights
// that follow life. Pure; any thread; nothing throws apart from std::bad_alloc.
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "config.hpp"

namespace bedtimed::integrations::ha_discovery::detail {

// Adds an entity of the sleeper's device: (platform, object id, name) → its config to fill.
using AddEntity =
    std::function<nlohmann::json&(const std::string&, const std::string&, std::string)>;

void life_entities(const config::SleeperSpec& s, const std::string& base, const std::string& plan,
                   const AddEntity& add);

}  // namespace bedtimed::integrations::ha_discovery::detail
