// App's state topics and its web page: the retained per-sleeper and per-pad
// state, safe mode, the health document (MQTT `<base>/health`, the page's
// /healthz) and the episode events Home Assistant shows. Loop thread only,
// like App (app.hpp).
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "app.hpp"

namespace bedtimed {

void App::start_web(const std::string& token) {
    web_ = std::make_unique<web::WebServer>(
        io_, household_->web_parts(), web_settings_,
        household_->intake() ? options_.state_dir + "/bedtimed.db" : std::string(),
        [this] { return health(); }, token);
    try {
        // Bound now, so the port is known before the loop runs; served once it runs.
        web_port_ = web_->start();
    } catch (const std::exception& e) {
        // The routine and its heat rules matter more than the page: run on without it.
        log_->error("the web page cannot listen on {}:{}: {}; running without it",
                    web_settings_.address, web_settings_.port, e.what());
    }
}

web::Health App::health() {
    web::Health h;
    h.connected = bus_->connected();
    h.loop_alive = true;  // asked on the loop: it answered
    if (!store_probe_)
        store_probe_ = std::make_unique<StoreProbe>(
            household_->intake() ? options_.state_dir + "/bedtimed.db" : std::string(), clock_);
    fold_intake_counters();
    h.store_writable =
        store_probe_->check(intake_failing_ || household_->cramp_log().write_failing()).writable;
    h.safe_mode = safe_mode_->active();
    return h;
}

void App::publish_health() {
    if (!bus_->connected() || !household_) return;
    const std::string topic = config().mqtt.base_topic + "/health";
    const std::string payload = health().json().dump();
    auto& last = last_state_[topic];
    if (last == payload) return;
    last = payload;
    bus_->publish(topic, payload, 1, true);
}

void App::publish_pad_state(const std::string& pad) {
    if (!bus_->connected() || !household_) return;
    const std::string topic = config().mqtt.base_topic + "/pads/" + pad;
    const std::string payload = household_->actuators().pad_json(pad).dump();
    auto& last = last_state_[topic];
    if (last == payload) return;
    last = payload;
    bus_->publish(topic, payload, 1, true);
}

void App::publish_safe_mode() {
    if (!bus_->connected()) return;
    bus_->publish(config().mqtt.base_topic + "/safe_mode", safe_mode_->json(), 1, true);
}

namespace {
// How long retained state may lag what changed it. Each publish waits for
// Paho C's lock, which its receive thread holds through every QoS 1 commit
// (paho_bus.cpp): in a burst of 20 episodes the state of the first ones,
// published between the commands, used to hold the later commands back.
constexpr auto kStatePublishWindow = std::chrono::milliseconds(50);
}  // namespace

void App::publish_soon(std::set<std::string>& unpublished, const std::string& name) {
    unpublished.insert(name);
    if (!state_timer_->armed())
        state_timer_->arm(kStatePublishWindow, [this] { publish_unpublished(); });
}

void App::publish_unpublished() {
    state_timer_->cancel();
    const auto sleepers = std::move(unpublished_sleepers_);
    const auto pads = std::move(unpublished_pads_);
    unpublished_sleepers_.clear();
    unpublished_pads_.clear();
    if (!household_) return;
    // Only those still configured: a reload inside the window may have
    // removed one, and its retained topics must not come back.
    const auto configured_sleepers = household_->runner().sleeper_names();
    const auto configured_pads = household_->actuators().pad_names();
    auto configured = [](const std::vector<std::string>& names, const std::string& name) {
        return std::find(names.begin(), names.end(), name) != names.end();
    };
    for (const auto& sleeper : sleepers)
        if (configured(configured_sleepers, sleeper)) publish_sleeper_state(sleeper);
    for (const auto& pad : pads)
        if (configured(configured_pads, pad)) publish_pad_state(pad);
}

void App::publish_sleeper_state(const std::string& sleeper) {
    if (!bus_->connected() || sleeper.empty() || !household_) return;
    const std::string base = config().mqtt.base_topic + "/" + sleeper;
    auto plan = household_->runner().plan_json(sleeper);
    CrampLog& cramp_log = household_->cramp_log();
    plan["tier"] = cramplog::tier_name(cramp_log.tier(sleeper));
    const auto st = cramp_log.stats(sleeper);
    const auto last = cramp_log.last_episode(sleeper);
    const nlohmann::json stats{
        {"tonight", st.tonight},
        {"last_7_days", st.last_7_days},
        {"rate_28d_per_week", st.rate_28d_per_week},
        {"tier", cramplog::tier_name(cramp_log.tier(sleeper))},
        {"trend", cramplog::trend_text(st.trend)},
        {"last_episode", last ? nlohmann::json(format_iso8601(*last)) : nlohmann::json()},
        {"tier_override", cramp_log.tier_override(sleeper)},
        {"count_source", st.count_source},
        {"experiment", cramp_log.experiment_json(sleeper)},
        {"experiment_weeks", cramp_log.experiment_weeks(sleeper)},
        {"notice", [&] {
             const auto n = cramp_log.recent_notice(sleeper);
             return n.empty() ? nlohmann::json() : nlohmann::json(n);
         }()}};
    for (const auto& [topic, body] :
         {std::pair{base + "/plan", plan.dump()}, std::pair{base + "/stats", stats.dump()}}) {
        auto& last_sent = last_state_[topic];
        if (last_sent == body) continue;
        last_sent = body;
        bus_->publish(topic, body, 1, true);
    }
}

void App::publish_all_sleeper_states() {
    if (!household_) return;
    const auto& runner = household_->runner();
    // The index of sleepers, retained, for readers that cannot rely on a
    // wildcard subscription to deliver retained messages (RabbitMQ's MQTT
    // plugin): bedtimectl reads it by name, then each sleeper's topics.
    if (bus_->connected()) {
        const std::string topic = config().mqtt.base_topic + "/sleepers";
        const std::string body = nlohmann::json(runner.sleeper_names()).dump();
        if (auto& last_sent = last_state_[topic]; last_sent != body) {
            last_sent = body;
            bus_->publish(topic, body, 1, true);
        }
    }
    for (const auto& name : runner.sleeper_names()) publish_sleeper_state(name);
}

void App::publish_episode_event(const std::string& sleeper, const nlohmann::json& fields) {
    if (sleeper.empty() || !config().home_assistant.discovery) return;
    auto body = fields;
    body["event_type"] = "cramp";
    // Not retained: a retained event would fire again each time HA reconnects.
    bus_->publish(config().mqtt.base_topic + "/" + sleeper + "/episode", body.dump(), 1, false);
}

}  // namespace bedtimed
