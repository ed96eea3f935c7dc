#include "app.hpp"

#include <fmt/format.h>
#include <boost/asio/post.hpp>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <future>

#include <malloc.h>

#include "idle_memory.hpp"
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
    const auto cfg = load();
    for (const auto& w : cfg->warnings) log_->warn("{}", w);
    web_settings_ = config::load_web_settings(options_.config_path);
    for (const auto& w : web_settings_.warnings) log_->warn("{}", w);
    // yaml-cpp's node trees of the file are gone; give their pages back
    // before the household grows into the heap above them. Without this a
    // house of 500 sleepers (an 840 KB config, 35 MiB of nodes) peaked at
    // the trees plus everything built after them (bench/house.py).
    ::malloc_trim(0);
    // An unreadable token will not fix itself by restarting either (78).
    const std::string web_token = config::read_secret(web_settings_.token);

    std::string persist_dir;
    if (cfg->mqtt.persistence == config::MqttPersistence::file) {
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
    bus_ = std::make_unique<PahoBus>(io_, clock_, counters_, cfg->mqtt, persist_dir);
    safe_mode_ =
        std::make_unique<SafeMode>(options_.state_dir + "/safe_mode.json", CrashLoopPolicy{});
    Household::Options parts;
    parts.state_dir = options_.state_dir;
    parts.durable_cramp_log = true;
    parts.http_notifiers = true;
    parts.safe_mode = safe_mode_.get();
    parts.hooks = state_hooks();
    // Built here (not at run()) so that bad integration options fail start-up with 78.
    household_ = std::make_unique<Household>(clock_, *bus_, counters_, io_, cfg, std::move(parts));
    if (household_->intake()) bus_->set_durable_intake(household_->intake());
    // Through the member, not a copy: the household's devices are replaced on reload.
    bus_->on_connected([this] { household_->on_connected(); });
    watchdog_ =
        std::make_unique<Watchdog>(clock_, *bus_, cfg->mqtt.base_topic + "/heartbeat",
                                   watchdog_interval_from_env(), [this] { return status_text(); });
    bus_->set_uncounted(cfg->mqtt.base_topic + "/heartbeat");
    bus_->on_connected([this] { watchdog_->on_connected(); });
    counters_timer_ = clock_.make_timer();
    state_timer_ = clock_.make_timer();
    idle_timer_ = clock_.make_timer();
    if (web_settings_.enabled) start_web(web_token);
    // Discovery before the state topics, so HA knows the entities they feed.
    ha_ = std::make_unique<HaPublisher>(
        clock_, *bus_, cfg, options_.state_dir + "/ha_discovery.json", BEDTIMED_VERSION);
    ha_->start();
    bus_->on_connected([this] { ha_->on_connected(); });
    // Fresh counters on every (re)connect, so `bedtimectl status` never waits a full interval.
    bus_->on_connected([this] {
        last_counters_json_.clear();
        publish_counters();
        last_state_.clear();
        publish_all_sleeper_states();
        for (const auto& pad : household_->actuators().pad_names()) publish_pad_state(pad);
        publish_safe_mode();
        publish_health();
    });
}

Household::Hooks App::state_hooks() {
    Household::Hooks hooks;
    hooks.sleeper_changed = [this](const std::string& sleeper) {
        publish_soon(unpublished_sleepers_, sleeper);
        if (web_) web_->changed("sleeper", sleeper);
    };
    hooks.pad_changed = [this](const std::string& pad) {
        publish_soon(unpublished_pads_, pad);
        if (web_) web_->changed("pad", pad);
    };
    hooks.episode = [this](const std::string& sleeper, const nlohmann::json& fields) {
        publish_episode_event(sleeper, fields);
        if (web_) web_->changed("episode", sleeper);
    };
    hooks.episode_reacted = [this](std::chrono::microseconds latency) {
        if (web_) web_->observe_episode_latency(latency);
    };
    hooks.safe_mode_changed = [this] { publish_safe_mode(); };
    return hooks;
}

void App::start_parts() {
    // Before the devices and the routine start: in safe mode the interrupted
    // session must not be resumed and no step may fire.
    const bool safe = safe_mode_->on_start(clock_.wall_now());
    household_->start(safe);
    if (safe) {
        const auto& p = safe_mode_->policy();
        const std::string text = fmt::format(
            "bedtimed started more than {} times in {} minutes, so it is in safe mode: every "
            "heating pad is off, "
            "the bed stays where it is and the evening routine is paused. Check its log "
            "(journalctl -u bedtimed), "
            "then resume with 'bedtimectl resume' or Home Assistant's Resume button.",
            p.max_starts, p.window.count());
        log_->error("{}", text);
        auto& runner = household_->runner();
        for (const auto& name : runner.sleeper_names())
            runner.notify(integrations::Reminder{name, "safe_mode", "bedtimed is in safe mode",
                                                 text, true, clock_.wall_now()});
    }
    bus_->start();
    arm_counters_timer();
    arm_idle_timer();
}

App::~App() {
    // The client goes before the io_context it posts to (Paho c#1669).
    if (bus_) bus_->stop(std::chrono::milliseconds(500));
    web_.reset();
    ha_.reset();
    watchdog_.reset();
    household_.reset();
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
                       BEDTIMED_VERSION, config().sensors.size(), config().wearables.size(),
                       config().rules.size(), config().mqtt.uri);
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
    idle_timer_->cancel();
    watchdog_->stop();
    if (web_) web_->stop();
    // Heat off and beds stopped before the connection goes.
    household_->actuators().shutdown();
    publish_unpublished();
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
    const std::string next = household_ ? household_->runner().next_step_text() : std::string();
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
        if (fresh->mqtt.uri != config().mqtt.uri ||
            fresh->mqtt.client_id != config().mqtt.client_id ||
            fresh->mqtt.base_topic != config().mqtt.base_topic)
            log_->warn("mqtt connection settings changed; they apply after a restart");
        // Devices and routines are rebuilt for the new config (household.hpp);
        // a running heat session goes on for its remaining time, never more.
        household_->reload(fresh, safe_mode_->active());
        publish_all_sleeper_states();  // the sleepers' index may have changed
        ha_->apply_config(household_->config());
        ++counters_.config_reloads;
        log_->info("config reloaded from {}: {} sensors, {} wearables, {} rules",
                   options_.config_path, config().sensors.size(), config().wearables.size(),
                   config().rules.size());
    } catch (const std::exception& e) {
        ++counters_.config_reload_failures;
        log_->error("config reload failed, keeping the running config: {}", e.what());
    }
    trimmed_ = false;  // what the reload touched goes back once it is quiet again
    notify_systemd("READY=1");
}

void App::arm_counters_timer() {
    counters_timer_->arm(options_.counters_interval, [this] {
        publish_counters();
        arm_counters_timer();
    });
}

void App::arm_idle_timer() {
    idle_timer_->arm(std::chrono::seconds(1), [this] {
        const std::uint64_t traffic = counters_.messages_in + counters_.messages_out;
        if (traffic != traffic_seen_) trimmed_ = false;
        else if (!trimmed_) {
            trimmed_ = true;
            log_->debug("idle: {} KiB of start-up and burst pages given back",
                        release_idle_memory());
        }
        traffic_seen_ = traffic;
        arm_idle_timer();
    });
}

void App::fold_intake_counters() {
    if (const auto& intake = household_->intake()) {
        // The intake counts on Paho's thread; fold its progress in here.
        const auto committed = intake->committed(), failed = intake->failures();
        counters_.episodes_stored += committed - intake_committed_seen_;
        counters_.store_failures += failed - intake_failures_seen_;
        // The latest outcome wins: a commit after a failure means the disk took it.
        if (committed != intake_committed_seen_) intake_failing_ = false;
        if (failed != intake_failures_seen_) intake_failing_ = true;
        intake_committed_seen_ = committed;
        intake_failures_seen_ = failed;
    }
}

void App::publish_counters() {
    fold_intake_counters();
    if (!bus_->connected()) return;
    publish_health();
    std::string json = counters_.to_json();
    // Idle stays idle: nothing is sent when nothing changed (bar the publish itself).
    if (json == last_counters_json_) return;
    bus_->publish(config().mqtt.base_topic + "/counters", json, 0, true);
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
