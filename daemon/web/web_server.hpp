// The local web page, /metrics and /healthz, served by bedtimed itself on the
// one loop (the transport is http_server.hpp). Routes, under the configured
// path prefix:
//   GET  /               the page (Tonight, Log, Charts, Devices); assets.cpp
//   GET  /app.js, /app.css
//   GET  /api/state      tonight, devices, health, counters (JSON; views.cpp)
//   GET  /api/episodes   the cramp log, filtered (sleeper, status, from, to, limit)
//   GET  /charts/<sleeper>.svg   the SVG report (cramplog/report.hpp)
//   GET  /events         server-sent events: "update" when a state changes
//   POST /api/cmd/<verb> a verb of the table (commands/verbs.hpp), run by the dispatcher
//   GET  /api/discovery  what the house announced at the last scan (discovery_scan.hpp)
//   POST /api/discovery/scan  listen to the announcements for a moment (read-only)
//   GET  /healthz, /metrics
// Security (docs/web.md): loopback by default; a token (config `web.token_*`)
// is required on any other address, as a Bearer header or the cookie that
// `/?token=` sets; POSTs need the per-process CSRF token and a same-origin
// request (Sec-Fetch-Site / Origin). Every refusal has its status and is
// counted (bedtimed_http_refused_total on /metrics, web_requests_refused on the
// Devices page).
//
// Threads: loop thread only. Ownership: borrows everything in Parts (the
// Household's and the App's, which outlive it). The constructor does not
// listen; start() does and throws boost::system::system_error when it
// cannot bind. Nothing else throws apart from std::bad_alloc.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "actuators.hpp"
#include "clock.hpp"
#include "config.hpp"
#include "counters.hpp"
#include "cramp_log.hpp"
#include "discovery_scan.hpp"
#include "dispatch.hpp"
#include "engine.hpp"
#include "http_server.hpp"
#include "log.hpp"
#include "metrics.hpp"
#include "reminder_desk.hpp"
#include "routine_runner.hpp"
#include "web_settings.hpp"

namespace bedtimed::web {

// What the page reads and acts on, as the Household owns it.
struct Parts {
    Clock& clock;
    Bus& bus;  // for the Setup section's scan only
    Counters& counters;
    const std::shared_ptr<const config::Config>& cfg;  // replaced on reload
    CrampLog& cramp_log;
    const std::unique_ptr<RoutineRunner>& runner;  // these three are replaced on reload
    const std::unique_ptr<Actuators>& actuators;
    const std::unique_ptr<ReminderDesk>& desk;
    const Engine& engine;
    commands::Dispatcher& commands;
};

// The daemon's health, as /healthz and the retained `<base>/health` show it.
struct Health {
    bool connected = false;       // to the MQTT broker
    bool loop_alive = true;       // the loop answered (it runs this code)
    bool store_writable = false;  // the cramp log can be written (cramplog/store_probe.hpp)
    bool safe_mode = false;
    bool ok() const noexcept { return connected && loop_alive && store_writable; }
    nlohmann::json json() const;
};
// The zone the page shows the house's times in (devices, health): the first
// sleeper's, else the system's (an IANA name, as the browser's Intl takes it).
// Each sleeper's own times are shown in that sleeper's zone.
std::string house_zone_name(const config::Config& cfg);

class WebServer {
public:
    // `health` is the App's (connection, safe mode); `db_path` the cramp log's file.
    WebServer(boost::asio::io_context& io, Parts parts, config::WebSettings settings,
              std::string db_path, std::function<Health()> health, std::string token);
    ~WebServer();

    // Listens on the settings' address and port; returns the port bound.
    std::uint16_t start();
    void stop() noexcept;
    // A state changed (a sleeper's plan or stats, a pad, an episode): live pages refresh.
    void changed(const std::string& what, const std::string& name);
    // An episode's reaction was handed to the bus `latency` after it arrived.
    void observe_episode_latency(std::chrono::microseconds latency) noexcept {
        latency_.observe(latency);
    }
    const std::string& csrf_token() const noexcept { return csrf_; }
    std::size_t open_connections() const noexcept { return http_.sessions(); }
    std::uint64_t refused_total() const noexcept { return refused_total_; }

private:
    Answer route(const Request& req);
    Answer route_get(const Request& req, const std::string& path, const std::string& query);
    Answer route_post(const Request& req, const std::string& path);
    // "" when the request may go on, else why not (and the answer is set).
    bool authorised(const Request& req, const std::string& query, Answer& refused);
    bool same_origin(const Request& req) const;
    Answer refuse(const Request& req, http::status status, const char* reason,
                  const std::string& text);
    Answer metrics(const Request& req);
    Answer episodes(const Request& req, const std::string& query);
    Answer chart(const Request& req, const std::string& sleeper);
    Answer scan(const Request& req);
    nlohmann::json state_json() const;  // views.cpp
    void count_refusal(const char* reason);

    Parts parts_;
    config::WebSettings settings_;
    std::string db_path_;
    std::function<Health()> health_;
    std::string token_;
    std::string csrf_;
    std::shared_ptr<spdlog::logger> log_;
    RateLimitedLog refusal_log_{10, std::chrono::minutes(1)};
    LatencyHistogram latency_;
    std::uint64_t requests_ = 0;
    std::map<std::string, std::uint64_t> refused_;  // reason -> count
    std::uint64_t refused_total_ = 0;
    DiscoveryScan discovery_;
    HttpServer http_;
};

}  // namespace bedtimed::web
