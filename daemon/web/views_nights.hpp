// Internal to daemon/web/: what the page shows of the nights beside the
// episodes, read from the cramp log's file through the page's own read-only
// connection (views_nights.cpp): the Log's check-ins and the Charts' latest
// experiment when none runs (a running one is the CrampLog's, as on MQTT).
//
// Threads: the loop thread (the web server's). Both throw StoreError when the
// file cannot be read; the caller answers 503 or leaves the part out.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "clock.hpp"
#include "config.hpp"
#include "episode_store.hpp"

namespace bedtimed::web {

// The morning check-ins of `sleeper` ("" = all), newest night first, nights
// from..to ("" = open-ended, dates like 2026-11-02), at most `limit`.
nlohmann::json checkin_rows(const EpisodeStore& store, const std::string& sleeper,
                            const std::string& from, const std::string& to, long limit);

// The newest experiment of the sleeper as experiment_report_json() has it
// (completed or stopped ones too); null when there never was one.
nlohmann::json latest_experiment_json(const std::string& db_path, const config::SleeperSpec& spec,
                                      WallTime now);

}  // namespace bedtimed::web
