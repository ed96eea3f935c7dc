// The recorded announcements of tests/data/setup/announcements.json, whole or
// one ecosystem's, as `bedtimectl setup` receives them.
//
// Threads: any. Throws std::runtime_error when the file is missing.
#pragma once

#include <nlohmann/json.hpp>

#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "inventory.hpp"

namespace bedtimed::test {

inline std::vector<discovery::Announcement> recorded_announcements(
    const std::string& ecosystem = "") {
    const std::string path = std::string(BEDTIMED_TEST_DATA) + "/data/setup/announcements.json";
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::vector<discovery::Announcement> out;
    for (const auto& r : nlohmann::json::parse(in))
        if (ecosystem.empty() || r.at("ecosystem") == ecosystem)
            out.push_back({r.at("topic"), r.at("payload"), r.at("retained")});
    return out;
}

}  // namespace bedtimed::test
