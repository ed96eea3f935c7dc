// Zigbee2MQTT bridge/devices entries for tests, from tests/data/: the copy of
// the generated shared data (z2m-bridge-devices.json) and two hand-written
// entries (z2m-bridge-devices-extra.json, see tests/data/README.md).
//
// Threads: any. Throws std::runtime_error when a file is missing or a model is
// unknown (a broken test set-up, not a test result).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace bedtimed::test {

// All entries of both files (definition.model identifies each).
inline nlohmann::json z2m_all_entries(const std::string& data_dir) {
    nlohmann::json all = nlohmann::json::array();
    for (const char* file :
         {"/data/z2m-bridge-devices.json", "/data/z2m-bridge-devices-extra.json"}) {
        std::ifstream in(data_dir + file);
        if (!in) throw std::runtime_error("cannot read " + data_dir + file);
        for (auto& e : nlohmann::json::parse(in)) all.push_back(std::move(e));
    }
    return all;
}

// The entry of `model` (definition.model, e.g. "A1Z", "SP-EUC01", "E1603/E1702/E1708")
// with `friendly_name` and an ieee_address added, as Z2M publishes it.
inline nlohmann::json z2m_entry(const std::string& data_dir, const std::string& model,
                                const std::string& friendly_name) {
    static int serial = 0;
    for (auto e : z2m_all_entries(data_dir)) {
        if (e["definition"]["model"] != model) continue;
        char ieee[24];
        std::snprintf(ieee, sizeof ieee, "0x00124b00%08x", static_cast<unsigned>(++serial));
        e["friendly_name"] = friendly_name;
        e["ieee_address"] = ieee;
        e["type"] = "Router";
        e["supported"] = true;
        e["interview_completed"] = true;
        return e;
    }
    throw std::runtime_error("no bridge/devices entry for model " + model);
}

// A bridge/devices payload: the coordinator first (as Z2M lists it), then one
// entry per (model, friendly name).
inline std::string z2m_devices_payload(
    const std::string& data_dir, const std::vector<std::pair<std::string, std::string>>& plugs) {
    nlohmann::json list = nlohmann::json::array();
    list.push_back({{"friendly_name", "Coordinator"},
                    {"ieee_address", "0x00124b0000000000"},
                    {"type", "Coordinator"},
                    {"definition", nullptr}});
    for (const auto& [model, name] : plugs) list.push_back(z2m_entry(data_dir, model, name));
    return list.dump();
}

}  // namespace bedtimed::test
