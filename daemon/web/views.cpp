// What the page and /metrics show: the state JSON (Tonight, Charts, Devices
// and health), the cramp log's rows and check-ins, the SVG chart, the
// Prometheus text.
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "episode_store.hpp"
#include "local_time.hpp"
#include "query.hpp"
#include "report.hpp"
#include "responses.hpp"
#include "rules.hpp"
#include "views_nights.hpp"
#include "web_server.hpp"

namespace bedtimed::web {

namespace {

// The experiment the Charts show: the running one as the stats topic has it
// (with tonight's arm), else the latest finished one from the file; null when none.
nlohmann::json experiment_view(const Parts& p, const std::string& db_path,
                               const config::SleeperSpec& spec) {
    auto running = p.cramp_log.experiment_json(spec.name);
    if (!running.is_null()) return running;
    try {
        return latest_experiment_json(db_path, spec, p.clock.wall_now());
    } catch (const std::exception& e) {
        logger("web")->warn("the page cannot read the experiments in {}: {}", db_path, e.what());
        return nullptr;
    }
}

nlohmann::json sleeper_json(const Parts& p, const std::string& db_path,
                            const config::SleeperSpec& spec) {
    CrampLog& log = p.cramp_log;
    const auto st = log.stats(spec.name);
    const auto last = log.last_episode(spec.name);
    auto plan = p.runner->plan_json(spec.name);
    // The profile in force is the plan's (routine/life.hpp): name, why, until.
    auto profile = plan.contains("profile") ? plan["profile"] : nlohmann::json();
    return {{"name", spec.name},
            {"timezone", zone_named(spec.timezone)->name()},
            {"plan", std::move(plan)},
            {"heating_pad", spec.heating_pad},
            {"bed", spec.bed},
            {"held_reminders", p.desk->held(spec.name)},
            {"stats",
             {{"tonight", st.tonight},
              {"last_7_days", st.last_7_days},
              {"rate_28d_per_week", st.rate_28d_per_week},
              {"trend", cramplog::trend_text(st.trend)},
              {"count_source", st.count_source},
              {"tier", cramplog::tier_name(log.tier(spec.name))},
              {"tier_override", log.tier_override(spec.name)},
              {"notice", log.recent_notice(spec.name)},
              {"last_episode", last ? nlohmann::json(format_iso8601(*last)) : nullptr}}},
            {"profile", std::move(profile)},
            {"checkin", log.checkin_json(spec.name)},
            {"experiment", experiment_view(p, db_path, spec)},
            {"what_helps", log.what_helps_json(spec.name)}};
}

nlohmann::json sensors_json(const Parts& p) {
    nlohmann::json out = nlohmann::json::array();
    const auto now = p.clock.steady_now();
    const auto& table = p.engine.sensors();
    for (const auto& spec : p.cfg->sensors) {
        const auto it = table.find(spec.name);
        out.push_back(
            {{"name", spec.name},
             {"topic", spec.topic},
             {"value", it == table.end() ? nullptr : nlohmann::json(to_text(it->second.value))},
             {"last_seen",
              it == table.end() ? nullptr : nlohmann::json(format_iso8601(it->second.wall))},
             {"stale", is_stale(spec, table, now)}});
    }
    return out;
}

}  // namespace

std::string house_zone_name(const config::Config& cfg) {
    return zone_named(cfg.sleepers.empty() ? std::string() : cfg.sleepers.front().timezone)->name();
}

nlohmann::json WebServer::state_json() const {
    const auto& cfg = *parts_.cfg;
    nlohmann::json sleepers = nlohmann::json::array();
    for (const auto& s : cfg.sleepers) sleepers.push_back(sleeper_json(parts_, db_path_, s));
    // Pads: their state (pad_json) and, like beds, when last seen, stale, confirmed.
    nlohmann::json pads = nlohmann::json::array(), beds = nlohmann::json::array();
    for (auto& device : parts_.actuators->devices_json()) {
        if (device["kind"] != "heating_pad") {
            beds.push_back(std::move(device));
            continue;
        }
        auto j = parts_.actuators->pad_json(device["name"].get<std::string>());
        j.update(device);
        pads.push_back(std::move(j));
    }
    nlohmann::json wearables = nlohmann::json::array();
    for (const auto& w : cfg.wearables) wearables.push_back({{"name", w.name}, {"topic", w.topic}});
    return {{"now", format_iso8601(parts_.clock.wall_now())},
            {"timezone", house_zone_name(cfg)},
            {"version", BEDTIMED_WEB_VERSION},
            {"health", health_().json()},
            {"sleepers", sleepers},
            {"pads", pads},
            {"beds", beds},
            {"sensors", sensors_json(parts_)},
            {"wearables", wearables},
            {"counters",
             [&] {
                 auto c = nlohmann::json::parse(parts_.counters.to_json());
                 c["web_requests_refused"] = refused_total_;
                 return c;
             }()},
            {"next", parts_.runner->next_step_text()}};
}

Answer WebServer::metrics(const Request& req) {
    MetricsText m;
    const auto counters = nlohmann::json::parse(parts_.counters.to_json());
    for (const auto& [key, value] : counters.items())
        m.counter("bedtimed_" + key + "_total", "bedtimed counter " + key + " (docs/web.md)",
                  value.get<double>());
    const Health h = health_();
    m.gauge("bedtimed_up",
            "1 when connected to the broker, the loop answers and the log is writable",
            {{{}, h.ok() ? 1.0 : 0.0}});
    m.gauge("bedtimed_mqtt_connected", "1 while connected to the MQTT broker",
            {{{}, h.connected ? 1.0 : 0.0}});
    m.gauge("bedtimed_store_writable", "1 when the cramp log's file can be written",
            {{{}, h.store_writable ? 1.0 : 0.0}});
    m.gauge("bedtimed_safe_mode", "1 in crash-loop safe mode", {{{}, h.safe_mode ? 1.0 : 0.0}});
    std::vector<std::pair<Labels, double>> tonight, week, rate, pad_on, pad_cap;
    for (const auto& s : parts_.cfg->sleepers) {
        const auto st = parts_.cramp_log.stats(s.name);
        const Labels l{{"sleeper", s.name}};
        tonight.push_back({l, st.tonight});
        week.push_back({l, st.last_7_days});
        rate.push_back({l, st.rate_28d_per_week});
    }
    m.gauge("bedtimed_sleeper_cramps_tonight", "cramps logged in the current night", tonight);
    m.gauge("bedtimed_sleeper_cramps_7d", "cramps in the 7 nights ending tonight", week);
    m.gauge("bedtimed_sleeper_cramps_per_week_28d", "the 28-night rate per week", rate);
    for (const auto& name : parts_.actuators->pad_names()) {
        const auto j = parts_.actuators->pad_json(name);
        pad_on.push_back({{{"pad", name}}, j.value("on", false) ? 1.0 : 0.0});
        pad_cap.push_back({{{"pad", name}, {"cap", j.value("cap", "none")}}, 1.0});
    }
    m.gauge("bedtimed_pad_on", "1 while the heating pad is on", pad_on);
    m.gauge("bedtimed_pad_device_cap", "the plug's own cap state (verified, unverified, none)",
            pad_cap);
    m.histogram("bedtimed_episode_command_latency_seconds",
                "from an episode's arrival to its pad command handed to the bus", latency_);
    m.counter("bedtimed_http_requests_total", "requests to the web page, /metrics and /healthz",
              static_cast<double>(requests_));
    std::vector<std::pair<Labels, double>> refused;
    for (const auto& [reason, n] : refused_)
        refused.push_back({{{"reason", reason}}, static_cast<double>(n)});
    m.labelled_counter("bedtimed_http_refused_total", "web requests refused, by reason", refused);
    m.gauge("bedtimed_http_open_connections", "open connections to the web page",
            {{{}, static_cast<double>(http_.sessions())}});
    return text(req, http::status::ok, m.text(), "text/plain; version=0.0.4; charset=utf-8");
}

namespace {

// "2026-11-02" (a local date in `zone`) -> its midnight; nullopt when not a date.
std::optional<WallTime> day_start(const std::string& text, const date::time_zone* zone) {
    int y = 0, m = 0, d = 0;
    if (text.size() != 10 || std::sscanf(text.c_str(), "%4d-%2d-%2d", &y, &m, &d) != 3)
        return std::nullopt;
    const date::year_month_day ymd{date::year{y}, date::month(static_cast<unsigned>(m)),
                                   date::day(static_cast<unsigned>(d))};
    if (!ymd.ok()) return std::nullopt;
    return std::chrono::time_point_cast<WallTime::duration>(
        zone->to_sys(date::local_days{ymd}, date::choose::earliest));
}

nlohmann::json episode_json(const StoredEpisode& e) {
    return {{"sleeper", e.sleeper},
            {"source", e.source},
            {"source_id", e.source_id},
            {"start", format_iso8601(e.start)},
            {"duration_s", e.duration_s},
            {"muscle", e.muscle},
            {"side", e.side},
            {"severity", e.severity ? nlohmann::json(*e.severity) : nullptr},
            {"status", e.status},
            {"notes", e.notes}};
}

}  // namespace

Answer WebServer::episodes(const Request& req, const std::string& query) {
    const std::string sleeper = query_value(query, "sleeper").value_or("");
    const std::string status = query_value(query, "status").value_or("");
    const auto* spec = parts_.cfg->find_sleeper(sleeper);
    const date::time_zone* zone = zone_named(spec ? spec->timezone : std::string());
    const auto bad = [&](const std::string& why) {
        return refuse(req, http::status::bad_request, "bad_query", why);
    };
    std::optional<WallTime> from, to;
    if (const auto f = query_value(query, "from");
        f && !f->empty() && !(from = day_start(*f, zone)))
        return bad("from must be a date like 2026-11-02");
    if (const auto t = query_value(query, "to"); t && !t->empty() && !(to = day_start(*t, zone)))
        return bad("to must be a date like 2026-11-02");
    if (!status.empty() && status != "unconfirmed" && status != "confirmed" &&
        status != "false_positive")
        return bad("status must be unconfirmed, confirmed or false_positive");
    const long limit =
        std::clamp(std::atol(query_value(query, "limit").value_or("200").c_str()), 1L, 2000L);
    nlohmann::json rows = nlohmann::json::array(), checkins;
    try {
        const EpisodeStore store(db_path_, EpisodeStore::Mode::read_only);
        auto all = store.since(from.value_or(WallTime{}), sleeper);
        for (auto it = all.rbegin(); it != all.rend() && static_cast<long>(rows.size()) < limit;
             ++it) {
            if (to && it->start >= *to + std::chrono::hours(24)) continue;
            if (!status.empty() && it->status != status) continue;
            rows.push_back(episode_json(*it));
        }
        checkins = checkin_rows(store, sleeper, query_value(query, "from").value_or(""),
                                query_value(query, "to").value_or(""), limit);
    } catch (const std::exception& e) {
        log_->warn("the page cannot read the cramp log {}: {}", db_path_, e.what());
        return text(req, http::status::service_unavailable, "the cramp log cannot be read\n");
    }
    return json_answer(req, {{"episodes", rows}, {"checkins", checkins}});
}

Answer WebServer::chart(const Request& req, const std::string& sleeper) {
    const auto* spec = parts_.cfg->find_sleeper(sleeper);
    if (!spec) return refuse(req, http::status::not_found, "not_found", "no such sleeper");
    std::vector<StoredEpisode> rows;
    try {
        const EpisodeStore store(db_path_, EpisodeStore::Mode::read_only);
        rows = store.since(WallTime{}, sleeper);
    } catch (const std::exception& e) {
        log_->warn("the page cannot read the cramp log {}: {}", db_path_, e.what());
        return text(req, http::status::service_unavailable, "the cramp log cannot be read\n");
    }
    auto data = cramplog::report_data(rows, zone_named(spec->timezone), parts_.clock.wall_now());
    data.title = "Cramps of " + sleeper + ", last 8 weeks";
    auto a = text(req, http::status::ok, cramplog::svg_report(data), "image/svg+xml");
    a.response.set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'");
    return a;
}

}  // namespace bedtimed::web
