#include "household.hpp"

#include <boost/asio/post.hpp>

#include <filesystem>

#include "log.hpp"
#include "web_server.hpp"

namespace bedtimed {

Household::Household(Clock& clock, Bus& bus, Counters& counters, boost::asio::io_context& loop,
                     std::shared_ptr<const config::Config> cfg, Options options)
    : clock_(clock), bus_(bus), counters_(counters), io_(loop), cfg_(std::move(cfg)),
      options_(std::move(options)), log_(logger("main")) {
    open_cramp_log();
    engine_ = std::make_unique<Engine>(clock_, bus_, counters_, cfg_);
    // Built here (not at start) so that bad integration options fail at once.
    auto evening = build_evening(*cfg_);
    actuators_ = std::move(evening.actuators);
    runner_ = std::move(evening.runner);
    desk_ = std::move(evening.desk);
    connect_long_lived();
    SafeMode& safe_mode = options_.safe_mode != nullptr ? *options_.safe_mode : own_safe_mode_;
    commands_ = std::make_unique<commands::Dispatcher>(
        commands::Parts{clock_, counters_, bus_, cfg_, *cramp_log_, runner_, actuators_, desk_,
                        safe_mode, [this](auto&... e) { publish_episode_event(e...); },
                        [this] {
                            if (options_.hooks.safe_mode_changed)
                                options_.hooks.safe_mode_changed();
                        }});
}

Household::~Household() {
    commands_.reset();
    desk_.reset();
    runner_.reset();
    cramp_log_.reset();
    actuators_.reset();
    engine_.reset();
}

std::string Household::state_file(const char* name) const {
    return options_.state_dir.empty() ? std::string() : options_.state_dir + "/" + name;
}

void Household::open_cramp_log() {
    if (!options_.durable_cramp_log) {
        const std::string db =
            options_.cramp_log_path.empty() ? std::string(":memory:") : options_.cramp_log_path;
        cramp_log_ = std::make_unique<CrampLog>(clock_, counters_, cfg_,
                                                CrampLog::Options{db, false, {}, {}});
        return;
    }
    std::error_code ec;
    std::filesystem::create_directories(options_.state_dir, ec);
    const std::string db = options_.state_dir + "/bedtimed.db";
    try {
        intake_ = std::make_shared<EpisodeIntake>(db, *cfg_, clock_);
        cramp_log_ = std::make_unique<CrampLog>(clock_, counters_, cfg_,
                                                CrampLog::Options{db, true, {}, {}});
    } catch (const std::exception& e) {
        // The routine and its safety rules matter more than the log: run on,
        // keeping the log in memory, and say so loudly.
        log_->error(
            "cannot open the cramp log {}: {}; episodes are kept in memory only until restart", db,
            e.what());
        ++counters_.store_failures;
        intake_.reset();
        cramp_log_ = std::make_unique<CrampLog>(clock_, counters_, cfg_,
                                                CrampLog::Options{":memory:", false, {}, {}});
    }
}

namespace {
// How long a changed state file waits for more changes before it is saved:
// a burst of 20 QoS 1 episodes arrives within about this (one commit each on
// Paho's thread), and nothing said about a pad waits longer than this.
constexpr auto kStateSaveWindow = std::chrono::milliseconds(50);
}  // namespace

Household::Evening Household::build_evening(const config::Config& cfg) {
    Evening evening;
    evening.actuators = std::make_unique<Actuators>(
        clock_, bus_, counters_, cfg,
        Actuators::Options{state_file("actuators.json"), options_.expect_confirmation});
    evening.runner = std::make_unique<RoutineRunner>(
        clock_, bus_, counters_, cfg, engine_->sensors(), *evening.actuators,
        state_file("routine.json"), options_.http_notifiers ? &io_ : nullptr,
        options_.read_secrets);
    // One save of each whole-house state file per burst of changes, not
    // one per episode (state_file.hpp); tonight's state is read back only
    // after the parts that wrote it are gone (their destructors flush).
    evening.actuators->defer_saves(kStateSaveWindow);
    evening.runner->defer_saves(kStateSaveWindow);
    // The hooks check the members, not the new parts: a state topic is only
    // published for the parts in place (none while the first are built).
    evening.actuators->on_pad_changed([this](const std::string& pad) {
        if (actuators_ && options_.hooks.pad_changed) options_.hooks.pad_changed(pad);
    });
    RoutineRunner& runner = *evening.runner;
    runner.set_evening_source(
        [this](const std::string& sleeper, WallTime now) -> const config::SleeperSpec& {
            return cramp_log_->evening(sleeper, now);
        });
    runner.on_step_ran([this](const std::string& sleeper, const std::string& night,
                              const std::string& step,
                              WallTime at) { cramp_log_->step_ran(sleeper, night, step, at); });
    runner.on_plan_changed([this](const std::string& sleeper) {
        if (runner_ && options_.hooks.sleeper_changed) options_.hooks.sleeper_changed(sleeper);
    });
    // Between the runner and its notifiers: quiet hours, Done and Snooze.
    evening.desk = attach_reminder_desk(clock_, counters_, cfg, runner);
    // The morning check-in's question, snoozed or held through quiet hours,
    // goes out again only while it is open (answered elsewhere, or noon: not).
    evening.desk->set_still_wanted([this](const integrations::Reminder& r) {
        return r.step != "checkin" || cramp_log_->checkin_waiting(r.sleeper);
    });
    if (options_.timeline) {
        runner.set_timeline(options_.timeline);
        evening.actuators->set_journal(options_.timeline);
        evening.desk->set_timeline(options_.timeline);
    }
    return evening;
}

void Household::connect_long_lived() {
    // The episode's one route: read once (by the intake), routed to its sleeper once.
    engine_->on_episode([this](const Episode& e, const std::string& sleeper) {
        runner_->on_episode(e, sleeper);
        if (options_.hooks.episode_reacted)
            options_.hooks.episode_reacted(std::chrono::duration_cast<std::chrono::microseconds>(
                clock_.wall_now() - e.received));
        publish_episode_event(sleeper, {{"source", e.source},
                                        {"duration_s", e.duration_s},
                                        {"muscle", e.muscle},
                                        {"side", e.side}});
        // After the reaction: the log's bookkeeping never delays an action.
        boost::asio::post(io_, [this, e, sleeper] { cramp_log_->on_episode(e, sleeper); });
    });
    // Through the members, not copies: the runner is replaced on reload.
    cramp_log_->set_sender([this](const integrations::Reminder& r) { runner_->notify(r); });
    cramp_log_->on_changed([this](const std::string& sleeper) {
        if (runner_ && options_.hooks.sleeper_changed) options_.hooks.sleeper_changed(sleeper);
    });
    if (options_.timeline) cramp_log_->set_timeline(options_.timeline);
    engine_->on_sensor([this](const std::string& name) {
        runner_->on_sensor(name);
        if (auto it = engine_->sensors().find(name); it != engine_->sensors().end())
            cramp_log_->on_sensor(name, it->second.value);
    });
}

web::Parts Household::web_parts() {
    return web::Parts{clock_,  bus_,       counters_, cfg_,     *cramp_log_,
                      runner_, actuators_, desk_,     *engine_, *commands_};
}

void Household::publish_episode_event(const std::string& sleeper, const nlohmann::json& fields) {
    if (options_.hooks.episode) options_.hooks.episode(sleeper, fields);
}

void Household::start(bool safe_mode) {
    engine_->start();
    cramp_log_->start();
    // Before the devices and the routine start: in safe mode the interrupted
    // session must not be resumed and no step may fire.
    actuators_->set_safe_mode(safe_mode);
    runner_->set_paused(safe_mode);
    actuators_->start();
    runner_->start();
}

void Household::on_connected() { actuators_->on_connected(); }

void Household::reload(std::shared_ptr<const config::Config> fresh, bool safe_mode) {
    // Nothing is switched over until every part is built (a bad option keeps
    // the old ones). The old pads go off; the new Actuators find the running
    // session on record and the routine resumes it for its remaining time.
    auto evening = build_evening(*fresh);
    evening.actuators->set_safe_mode(safe_mode);
    evening.runner->set_paused(safe_mode);
    runner_.reset();
    desk_ = std::move(evening.desk);
    actuators_->shutdown_keeping_sessions();
    actuators_.reset();
    actuators_ = std::move(evening.actuators);
    runner_ = std::move(evening.runner);
    cfg_ = std::move(fresh);
    cramp_log_->apply_config(cfg_);
    if (intake_) intake_->update(*cfg_);
    engine_->apply_config(cfg_);
    actuators_->start();
    if (bus_.connected()) actuators_->on_connected();
    runner_->start();
}

}  // namespace bedtimed
