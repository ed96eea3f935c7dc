#include "app.hpp"

#include <boost/asio/post.hpp>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <future>

#include "loader.hpp"
#include "sd_notify.hpp"

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
    return cfg;
}

App::App(AppOptions options) : options_(std::move(options)), log_(logger("main")) {
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
    engine_ = std::make_unique<Engine>(clock_, *bus_, counters_, cfg_);
    // Built here (not at run()) so that bad integration options fail start-up with 78.
    actuators_ = std::make_unique<Actuators>(
        clock_, *bus_, counters_, *cfg_, Actuators::Options{options_.state_dir + "/actuators.json", true});
    runner_ = std::make_unique<RoutineRunner>(clock_, *bus_, counters_, *cfg_, engine_->sensors(),
                                              *actuators_, options_.state_dir + "/routine.json");
    engine_->on_episode([this](const Episode& e) { runner_->on_episode(e); });
    engine_->on_sensor([this](const std::string& name) { runner_->on_sensor(name); });
    // Through the member, not a copy: actuators_ is replaced on reload.
    bus_->on_connected([this] { actuators_->on_connected(); });
    counters_timer_ = clock_.make_timer();
    // Fresh counters on every (re)connect, so `bedtimectl status` never waits a full interval.
    bus_->on_connected([this] {
        last_counters_json_.clear();
        publish_counters();
    });
}

App::~App() {
    // The client goes before the io_context it posts to (Paho c#1669).
    if (bus_) bus_->stop(std::chrono::milliseconds(500));
    runner_.reset();
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
            engine_->start();
            actuators_->start();
            runner_->start();
            bus_->start();
            arm_counters_timer();
            log_->info("bedtimed {} running: {} sensors, {} wearables, {} rules; broker {}",
                       BEDTIMED_VERSION, cfg_->sensors.size(), cfg_->wearables.size(),
                       cfg_->rules.size(), cfg_->mqtt.uri);
            // Ready means config, state and loop are up; the broker may come later.
            notify_systemd("READY=1\nSTATUS=running");
            io_.run();
        } else {
            engine_->start();
            actuators_->start();
            runner_->start();
            bus_->start();
            arm_counters_timer();
            notify_systemd("READY=1");
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
    // Heat off and beds stopped before the connection goes.
    actuators_->shutdown();
    publish_counters();
    // 1.5 s for "offline" and DISCONNECT keeps the whole stop under 2 s.
    bus_->stop(std::chrono::milliseconds(1500));
    signals_.cancel();
    log_->info("stopped; counters {}", counters_.to_json());
    io_.stop();
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
                                                      *actuators, options_.state_dir + "/routine.json");
        runner_.reset();
        actuators_->shutdown_keeping_sessions();
        actuators_.reset();
        actuators_ = std::move(actuators);
        runner_ = std::move(runner);
        cfg_ = fresh;
        engine_->apply_config(cfg_);
        actuators_->start();
        if (bus_->connected()) actuators_->on_connected();
        runner_->start();
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

void App::publish_counters() {
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
    boost::asio::post(io_, [this, &p] { p.set_value(counters_); });
    return f.get();
}

}  // namespace bedtimed
