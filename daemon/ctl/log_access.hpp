// Read-only access to the cramp log (<state-dir>/bedtimed.db) for bedtimectl.
// bedtimectl never writes the database: changes go to the daemon as MQTT
// commands (command_client.hpp), so the daemon stays the only writer.
//
// Threads: main thread. Throws CtlError: kExitNoLog when there is no log in
// the state directory, kExitLogError when it cannot be opened or read.
#pragma once

#include <date/tz.h>
#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <string>

#include "episode_store.hpp"

namespace bedtimed::ctl {

std::string log_path(const std::string& state_dir);  // <state-dir>/bedtimed.db

// Opens the log read-only and runs `fn` on it; StoreError becomes kExitLogError.
void with_log(const std::string& state_dir, const std::function<void(const EpisodeStore&)>& fn);

// Every field of a stored episode, for --json output (times as ISO-8601 UTC).
nlohmann::json episode_json(const StoredEpisode& e);
// One line for people: "2026-11-26 03:10 CET  alex  calf left 45 s sev 6  [band 8812]  confirmed".
std::string episode_line(const StoredEpisode& e, const date::time_zone* zone);

}  // namespace bedtimed::ctl
