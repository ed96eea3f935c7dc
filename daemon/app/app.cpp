#include "app.hpp"

#include <boost/asio/post.hpp>

#include <fmt/format.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <future>

#include "loader.hpp"
#include "sd_notify.hpp"
#include "secret.hpp"

namespace bedtimed {

std::string App::default_state_dir() {
    if (const char* s = std::getenv("STATE_DIRECTORY"); s && *s) {
        // systemd may pass several, colon-separated; the first is ours.
        std::string dirs(s);
        return dirs.substr(0, dirs.find(':'));
    }
    return "/var/lib/bedtimed";
}

std::shared_ptr<const config::Config> App::load() const {
    auto cfg = std::make_shared<config::Config>(config::load_config(options_.config_path));
    if (!options_.broker_override.empty()) cfg->mqtt.uri = options_.broker_override;
    // An unreadable secret will not fix itself by restarting: a config error (78).
    (void)config::read_secret(cfg->mqtt.password);
    return cfg;
}

App::App(AppOptions options)
    : options_(std::move(options)), log_(logger("main")),
      clock_(options_.clock != nullptr ? *options_.clock : asio_clock_) {
    if (options_.state_dir.empty()) options_.state_dir = default_state_dir();
    cfg_ = load();
    for (const auto& w : cfg_->warnings) log_->warn("{}", w);

    std::string persist_dir;
    if (cfg_->mqtt.persistence == config::MqttPersistence::file) {
        persist_dir = options_.state_dir + "/mqtt";
        std::error_code ec;
        std::filesystem::create_directories(persist_dir, ec);
        if (ec) {
            // Keep running: only in-flight QoS 1 publishes would be lost on a crash.
            log_->error("cannot create {} ({}); MQTT in-flight messages kept in memory only",
                        persist_dir, ec.message());
            persist_dir.clear();
        }
    }
    bus_ = std::make_unique<PahoBus>(io_, clock_, counters_, cfg_->mqtt, persist_dir);
    open_cramp_log();
    if (intake_) bus_->set_durable_intake(intake_);
    engine_ = std::make_unique<Engine>(clock_, *bus_, counters_, cfg_);
    // Built here (not at run()) so that bad integration options fail start-up with 78.
    actuators_ = std::make_unique<Actuators>(
        clock_, *bus_, counters_, *cfg_, Actuators::Options{options_.state_dir + "/actuators.json", true});
    runner_ = std::make_unique<RoutineRunner>(clock_, *bus_, counters_, *cfg_, engine_->sensors(),
                                              *actuators_, options_.state_dir + "/routine.json", &io_);
    connect_actuators(*actuators_);
    connect_runner(*runner_);
    connect_desk(*runner_, *cfg_);
    safe_mode_ = std::make_unique<SafeMode>(options_.state_dir + "/safe_mode.json", CrashLoopPolicy{});
    // The episode's one route: read once (by the intake), routed to its sleeper once.
    engine_->on_episode([this](const Episode& e, const std::string& sleeper) {
        runner_->on_episode(e, sleeper);
        publish_episode_event(sleeper, {{"source", e.source},
                                        {"duration_s", e.duration_s},
                                        {"muscle", e.muscle},
                                        {"side", e.side}});
        // After the reaction: the log's bookkeeping never delays an action.
        boost::asio::post(io_, [this, e, sleeper] { cramp_log_->on_episode(e, sleeper); });
    });
    cramp_log_->set_sender([this](const integrations::Reminder& r) { runner_->notify(r); });
    cramp_log_->on_changed([this](const std::string& sleeper) { publish_sleeper_state(sleeper); });
    engine_->on_sensor([this](const std::string& name) {
        runner_->on_sensor(name);
        if (auto it = engine_->sensors().find(name); it != engine_->sensors().end())
            cramp_log_->on_sensor(name, it->second.value);
    });
    // Through the member, not a copy: actuators_ is replaced on reload.
    bus_->on_connected([this] { actuators_->on_connected(); });
    watchdog_ = std::make_unique<Watchdog>(clock_, *bus_, cfg_->mqtt.base_topic + "/heartbeat",
                                           watchdog_interval_from_env(), [this] { return status_text(); });
    bus_->set_uncounted(cfg_->mqtt.base_topic + "/heartbeat");
    bus_->on_connected([this] { watchdog_->on_connected(); });
    counters_timer_ = clock_.make_timer();
    // Discovery before the state topics, so HA knows the entities they feed.
    ha_ = std::make_unique<HaPublisher>(clock_, *bus_, cfg_, options_.state_dir + "/ha_discovery.json",
                                        BEDTIMED_VERSION);
    ha_->start();
    bus_->on_connected([this] { ha_->on_connected(); });
    // Fresh counters on every (re)connect, so `bedtimectl status` never waits a full interval.
    bus_->on_connected([this] {
        last_counters_json_.clear();
        publish_counters();
        last_state_.clear();
        publish_all_sleeper_states();
        for (const auto& pad : actuators_->pad_names()) publish_pad_state(pad);
        publish_safe_mode();
    });
    bus_->subscribe(cfg_->mqtt.base_topic + "/cmd/+", 1, [this](const Message& m) { on_command(m); });
}

void App::open_cramp_log() {
    std::error_code ec;
    std::filesystem::create_directories(options_.state_dir, ec);
    const std::string db = options_.state_dir + "/bedtimed.db";
    try {
        intake_ = std::make_shared<EpisodeIntake>(db, *cfg_, clock_);
        cramp_log_ = std::make_unique<CrampLog>(clock_, counters_, cfg_, CrampLog::Options{db, true, {}, {}});
    } catch (const std::exception& e) {
        // The routine and its safety rules matter more than the log: run on,
        // keeping the log in memory, and say so loudly.
        log_->error("cannot open the cramp log {}: {}; episodes are kept in memory only until restart", db,
                    e.what());
        ++counters_.store_failures;
        intake_.reset();
        cramp_log_ = std::make_unique<CrampLog>(clock_, counters_, cfg_, CrampLog::Options{":memory:", false, {}, {}});
    }
}

void App::connect_actuators(Actuators& actuators) {
    actuators.on_pad_changed([this](const std::string& pad) { publish_pad_state(pad); });
}

void App::publish_pad_state(const std::string& pad) {
    if (!bus_->connected() || !actuators_) return;
    const std::string topic = cfg_->mqtt.base_topic + "/pads/" + pad;
    const std::string payload = actuators_->pad_json(pad).dump();
    auto& last = last_state_[topic];
    if (last == payload) return;
    last = payload;
    bus_->publish(topic, payload, 1, true);
}

void App::publish_safe_mode() {
    if (!bus_->connected()) return;
    bus_->publish(cfg_->mqtt.base_topic + "/safe_mode", safe_mode_->json(), 1, true);
}

void App::start_parts() {
    engine_->start();
    cramp_log_->start();
    // Before the devices and the routine start: in safe mode the interrupted
    // session must not be resumed and no step may fire.
    const bool safe = safe_mode_->on_start(clock_.wall_now());
    actuators_->set_safe_mode(safe);
    runner_->set_paused(safe);
    actuators_->start();
    runner_->start();
    if (safe) {
        const auto& p = safe_mode_->policy();
        const std::string text = fmt::format(
            "bedtimed started more than {} times in {} minutes, so it is in safe mode: every heating pad is off, "
            "the bed stays where it is and the evening routine is paused. Check its log (journalctl -u bedtimed), "
            "then resume with 'bedtimectl resume' or Home Assistant's Resume button.",
            p.max_starts, p.window.count());
        log_->error("{}", text);
        for (const auto& name : runner_->sleeper_names())
            runner_->notify(integrations::Reminder{name, "safe_mode", "bedtimed is in safe mode", text, true,
                                                   clock_.wall_now()});
    }
    bus_->start();
    arm_counters_timer();
}

void App::connect_runner(RoutineRunner& runner) {
    runner.set_evening_source([this](const std::string& sleeper, WallTime now) -> const config::SleeperSpec& {
        return cramp_log_->evening(sleeper, now);
    });
    runner.on_step_ran([this](const std::string& sleeper, const std::string& night, const std::string& step,
                              WallTime at) { cramp_log_->step_ran(sleeper, night, step, at); });
    runner.on_plan_changed([this](const std::string& sleeper) { publish_sleeper_state(sleeper); });
}

void App::connect_desk(RoutineRunner& runner, const config::Config& cfg) {
    desk_ = attach_reminder_desk(clock_, counters_, cfg, runner);
}

void App::publish_sleeper_state(const std::string& sleeper) {
    if (!bus_->connected() || sleeper.empty() || !runner_) return;
    const std::string base = cfg_->mqtt.base_topic + "/" + sleeper;
    auto plan = runner_->plan_json(sleeper);
    plan["tier"] = cramplog::tier_name(cramp_log_->tier(sleeper));
    const auto st = cramp_log_->stats(sleeper);
    const auto last = cramp_log_->last_episode(sleeper);
    const nlohmann::json stats{{"tonight", st.tonight},
                               {"last_7_days", st.last_7_days},
                               {"rate_28d_per_week", st.rate_28d_per_week},
                               {"tier", cramplog::tier_name(cramp_log_->tier(sleeper))},
                               {"trend", cramplog::trend_text(st.trend)},
                               {"last_episode", last ? nlohmann::json(format_iso8601(*last)) : nlohmann::json()},
                               {"tier_override", cramp_log_->tier_override(sleeper)},
                               {"notice", [&] {
                                    const auto n = cramp_log_->recent_notice(sleeper);
                                    return n.empty() ? nlohmann::json() : nlohmann::json(n);
                                }()}};
    for (const auto& [topic, body] : {std::pair{base + "/plan", plan.dump()}, std::pair{base + "/stats", stats.dump()}}) {
        auto& last_sent = last_state_[topic];
        if (last_sent == body) continue;
        last_sent = body;
        bus_->publish(topic, body, 1, true);
    }
}

void App::publish_all_sleeper_states() {
    if (!runner_) return;
    // The index of sleepers, retained, for readers that cannot rely on a
    // wildcard subscription to deliver retained messages (RabbitMQ's MQTT
    // plugin): bedtimectl reads it by name, then each sleeper's topics.
    if (bus_->connected()) {
        const std::string topic = cfg_->mqtt.base_topic + "/sleepers";
        const std::string body = nlohmann::json(runner_->sleeper_names()).dump();
        if (auto& last_sent = last_state_[topic]; last_sent != body) {
            last_sent = body;
            bus_->publish(topic, body, 1, true);
        }
    }
    for (const auto& name : runner_->sleeper_names()) publish_sleeper_state(name);
}

void App::reply(const std::string& request_id, const nlohmann::json& body) {
    if (request_id.empty()) return;
    bus_->publish(cfg_->mqtt.base_topic + "/reply/" + request_id, body.dump(), 1, false);
}

CrampLog::Result App::run(const commands::LogEpisode& c, const std::string&) {
    auto result = cramp_log_->log(c);
    if (result.ok)
        publish_episode_event(cramp_log_->resolve_sleeper(c.sleeper),
                              {{"source", "manual"}, {"duration_s", c.duration_s}, {"muscle", c.muscle}, {"side", c.side}});
    return result;
}

void App::publish_episode_event(const std::string& sleeper, const nlohmann::json& fields) {
    if (sleeper.empty() || !cfg_->home_assistant.discovery) return;
    auto body = fields;
    body["event_type"] = "cramp";
    // Not retained: a retained event would fire again each time HA reconnects.
    bus_->publish(cfg_->mqtt.base_topic + "/" + sleeper + "/episode", body.dump(), 1, false);
}

namespace {

// Runs `fn` on the sleeper a command names (or the only one); fn returns "" or why not.
CrampLog::Result on_sleeper(const CrampLog& log, const std::string& named,
                            const std::function<std::string(const std::string&)>& fn) {
    const std::string name = log.resolve_sleeper(named);
    if (name.empty())
        return {false, named.empty() ? "name the sleeper (there is more than one)"
                                     : "unknown sleeper \"" + named + "\"",
                {}};
    const auto error = fn(name);
    return {error.empty(), error, {}};
}

}  // namespace

CrampLog::Result App::run(const commands::SetRoutineEnabled& c, const std::string&) {
    return on_sleeper(*cramp_log_, c.sleeper, [&](const std::string& s) { return runner_->set_routine_enabled(s, c.enabled); });
}
CrampLog::Result App::run(const commands::SetStepEnabled& c, const std::string&) {
    return on_sleeper(*cramp_log_, c.sleeper,
                      [&](const std::string& s) { return runner_->set_step_enabled(s, c.step, c.enabled); });
}
CrampLog::Result App::run(const commands::StartRoutine& c, const std::string&) {
    return on_sleeper(*cramp_log_, c.sleeper, [&](const std::string& s) { return runner_->start_now(s); });
}
CrampLog::Result App::run(const commands::SetBedtime& c, const std::string&) {
    return on_sleeper(*cramp_log_, c.sleeper, [&](const std::string& s) { return runner_->set_bedtime(s, c.minutes); });
}
CrampLog::Result App::run(const commands::EditEpisode& c, const std::string&) { return cramp_log_->edit(c); }
CrampLog::Result App::run(const commands::MarkEpisode& c, const std::string&) { return cramp_log_->mark(c); }
CrampLog::Result App::run(const commands::Travel& c, const std::string&) { return cramp_log_->travel(c); }

CrampLog::Result App::run(const commands::SetTier& c, const std::string&) {
    auto result = cramp_log_->set_tier(c);
    // Tonight's steps follow the new tier at once.
    if (result.ok) runner_->reevaluate();
    return result;
}

CrampLog::Result App::run(const commands::Acknowledge& c, const std::string&) {
    desk_->done(c.sleeper, c.step);
    return cramp_log_->acknowledge(c.sleeper, runner_->night_of(c.sleeper), c.step);
}

CrampLog::Result App::run(const commands::Snooze& c, const std::string&) {
    const auto answer = desk_->snooze(c.sleeper, c.step);
    if (!answer.ok) return {false, answer.error, {}};
    CrampLog::Result result;
    result.reply["again_at"] = format_iso8601(answer.again_at);
    return result;
}

CrampLog::Result App::run(const commands::HeatOff&, const std::string& topic) {
    CrampLog::Result result;
    result.reply["pads"] = runner_->all_heat_off("heat off requested on " + topic);
    return result;
}

CrampLog::Result App::run(const commands::PadTest& c, const std::string&) {
    const std::string request_id = command_request_id_;
    const std::string error = actuators_->pad_test(c.pad, [this, request_id, pad = c.pad](const std::string& result) {
        log_->info("pad test of {}: {}", pad, result);
        reply(request_id, {{"ok", true}, {"pad", pad}, {"result", result},
                           {"verified", result.rfind("PASSED", 0) == 0}});
    });
    if (!error.empty()) return {false, error, {}};
    CrampLog::Result result;
    result.reply["deferred"] = true;  // the reply comes when the test ends (about 5-15 s)
    return result;
}

CrampLog::Result App::run(const commands::Resume&, const std::string& topic) {
    if (!safe_mode_->active()) return {false, "bedtimed is not in safe mode", {}};
    safe_mode_->resume();
    log_->warn("safe mode ended (resumed on {})", topic);
    actuators_->set_safe_mode(false);
    runner_->set_paused(false);
    publish_safe_mode();
    return {};
}

CrampLog::Result App::run(const commands::TestNotify& c, const std::string&) {
    CrampLog::Result result;
    if (!c.sleeper.empty() && cramp_log_->resolve_sleeper(c.sleeper).empty())
        return {false, "unknown sleeper \"" + c.sleeper + "\"", {}};
    int sent = 0;
    for (const auto& name : runner_->sleeper_names())
        if (c.sleeper.empty() || c.sleeper == name)
            sent += runner_->notify(integrations::Reminder{name, "test", "bedtimed test",
                                                           "This is a test notification from bedtimed.", false,
                                                           clock_.wall_now()});
    result.reply["sent"] = sent;
    return result;
}

void App::on_command(const Message& msg) {
    const std::string verb = msg.topic.substr(msg.topic.rfind('/') + 1);
    auto refuse = [&](const std::string& request_id, const std::string& why) {
        ++counters_.commands_rejected;
        std::uint64_t suppressed = 0;
        if (command_reject_log_.allow(clock_.steady_now(), suppressed))
            log_->warn("command refused on {}: {}{}", msg.topic, why,
                       suppressed ? " (" + std::to_string(suppressed) + " similar suppressed)" : "");
        reply(request_id, {{"ok", false}, {"error", why}});
    };
    // A retained command would run again on every reconnect.
    if (msg.retained) return refuse("", "retained commands are ignored (publish without retain)");
    const auto request = commands::parse_command(verb, msg.payload, clock_.wall_now());
    if (const auto* err = std::get_if<commands::CommandError>(&request.command))
        return refuse(request.request_id, err->reason);
    const auto& command = std::get<commands::Command>(request.command);
    command_request_id_ = request.request_id;
    const CrampLog::Result result = std::visit([&](const auto& c) { return run(c, msg.topic); }, command);
    command_request_id_.clear();
    if (!result.ok) return refuse(request.request_id, result.error);
    ++counters_.commands;
    log_->info("command {} done", verb);
    if (result.reply.contains("deferred")) return;  // it replies itself when done
    auto body = result.reply;
    body["ok"] = true;
    reply(request.request_id, body);
}

App::~App() {
    // The client goes before the io_context it posts to (Paho c#1669).
    if (bus_) bus_->stop(std::chrono::milliseconds(500));
    ha_.reset();
    watchdog_.reset();
    desk_.reset();
    runner_.reset();
    cramp_log_.reset();
    actuators_.reset();
    engine_.reset();
    bus_.reset();
}

int App::run() noexcept {
    try {
        if (options_.handle_signals) {
            signals_.add(SIGINT);
            signals_.add(SIGTERM);
            signals_.add(SIGHUP);
            std::function<void(const boost::system::error_code&, int)> on_signal =
                [this, &on_signal](const boost::system::error_code& ec, int sig) {
                    if (ec) return;
                    if (sig == SIGHUP) {
                        reload();
                        signals_.async_wait(on_signal);
                    } else {
                        log_->info("{} received; stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
                        stop();
                    }
                };
            signals_.async_wait(on_signal);
            start_parts();
            log_->info("bedtimed {} running: {} sensors, {} wearables, {} rules; broker {}",
                       BEDTIMED_VERSION, cfg_->sensors.size(), cfg_->wearables.size(),
                       cfg_->rules.size(), cfg_->mqtt.uri);
            // Ready means config, state and loop are up; the broker may come later.
            notify_systemd("READY=1\nSTATUS=" + watchdog_->status_for_ready());
            watchdog_->start();
            io_.run();
        } else {
            start_parts();
            notify_systemd("READY=1");
            watchdog_->start();
            io_.run();
        }
    } catch (const std::exception& e) {
        log_->critical("fatal: {}", e.what());
        return 1;
    }
    spdlog::apply_all([](const std::shared_ptr<spdlog::logger>& l) { l->flush(); });
    return 0;
}

void App::stop() {
    if (stopped_) return;
    stopped_ = true;
    notify_systemd("STOPPING=1");
    counters_timer_->cancel();
    watchdog_->stop();
    // Heat off and beds stopped before the connection goes.
    actuators_->shutdown();
    publish_counters();
    // 1.5 s for "offline" and DISCONNECT keeps the whole stop under 2 s.
    bus_->stop(std::chrono::milliseconds(1500));
    signals_.cancel();
    log_->info("stopped; counters {}", counters_.to_json());
    io_.stop();
}

std::string App::status_text() const {
    std::string text = (bus_->connected() ? "connected to " : "not connected to ") + bus_->uri();
    if (!bus_->connected()) text += " (retrying)";
    const std::string next = runner_ ? runner_->next_step_text() : std::string();
    return text + "; next: " + (next.empty() ? "nothing planned" : next);
}

void App::request_stop() {
    boost::asio::post(io_, [this] { stop(); });
}

void App::request_reload() {
    boost::asio::post(io_, [this] { reload(); });
}

void App::reload() {
    notify_systemd("RELOADING=1");
    try {
        auto fresh = load();
        for (const auto& w : fresh->warnings) log_->warn("{}", w);
        if (fresh->mqtt.uri != cfg_->mqtt.uri || fresh->mqtt.client_id != cfg_->mqtt.client_id ||
            fresh->mqtt.base_topic != cfg_->mqtt.base_topic)
            log_->warn("mqtt connection settings changed; they apply after a restart");
        // Devices and routines are rebuilt for the new config. Nothing is
        // switched over until both are built (a bad option keeps the old ones).
        // The old pads go off; the new Actuators find the running session on
        // record and the routine resumes it for its remaining time, never more.
        auto actuators = std::make_unique<Actuators>(
            clock_, *bus_, counters_, *fresh, Actuators::Options{options_.state_dir + "/actuators.json", true});
        auto runner = std::make_unique<RoutineRunner>(clock_, *bus_, counters_, *fresh, engine_->sensors(),
                                                      *actuators, options_.state_dir + "/routine.json", &io_);
        connect_actuators(*actuators);
        connect_runner(*runner);
        connect_desk(*runner, *fresh);
        actuators->set_safe_mode(safe_mode_->active());
        runner->set_paused(safe_mode_->active());
        runner_.reset();
        actuators_->shutdown_keeping_sessions();
        actuators_.reset();
        actuators_ = std::move(actuators);
        runner_ = std::move(runner);
        cfg_ = fresh;
        cramp_log_->apply_config(cfg_);
        if (intake_) intake_->update(*cfg_);
        engine_->apply_config(cfg_);
        actuators_->start();
        if (bus_->connected()) actuators_->on_connected();
        runner_->start();
        publish_all_sleeper_states();  // the sleepers' index may have changed
        ha_->apply_config(cfg_);
        ++counters_.config_reloads;
        log_->info("config reloaded from {}: {} sensors, {} wearables, {} rules",
                   options_.config_path, cfg_->sensors.size(), cfg_->wearables.size(),
                   cfg_->rules.size());
    } catch (const std::exception& e) {
        ++counters_.config_reload_failures;
        log_->error("config reload failed, keeping the running config: {}", e.what());
    }
    notify_systemd("READY=1");
}

void App::arm_counters_timer() {
    counters_timer_->arm(options_.counters_interval, [this] {
        publish_counters();
        arm_counters_timer();
    });
}

void App::fold_intake_counters() {
    if (intake_) {
        // The intake counts on Paho's thread; fold its progress in here.
        const auto committed = intake_->committed(), failed = intake_->failures();
        counters_.episodes_stored += committed - intake_committed_seen_;
        counters_.store_failures += failed - intake_failures_seen_;
        intake_committed_seen_ = committed;
        intake_failures_seen_ = failed;
    }
}

void App::publish_counters() {
    fold_intake_counters();
    if (!bus_->connected()) return;
    std::string json = counters_.to_json();
    // Idle stays idle: nothing is sent when nothing changed (bar the publish itself).
    if (json == last_counters_json_) return;
    bus_->publish(cfg_->mqtt.base_topic + "/counters", json, 0, true);
    last_counters_json_ = counters_.to_json();  // includes the publish just made
}

Counters App::counters_snapshot() {
    std::promise<Counters> p;
    auto f = p.get_future();
    boost::asio::post(io_, [this, &p] {
        fold_intake_counters();
        p.set_value(counters_);
    });
    return f.get();
}

}  // namespace bedtimed
