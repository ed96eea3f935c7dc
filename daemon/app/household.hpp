// The one wiring of the household: builds the rules engine, the actuators,
// the routine runner, the reminder desk, the cramp log (and, on disk, its
// episode intake) and the command dispatcher, and connects them. The daemon
// (App, and its reload), `simulate`, `--check-config` and the test fixture
// all build this, so what they run cannot drift apart.
//
// Two lifetimes: the engine, the cramp log and the dispatcher live as long
// as the Household; the actuators, the runner and the desk are built for one
// config and replaced by reload() (a running heat session is kept for its
// remaining time, never more). What is not wiring stays with the owner: the
// bus's connection, signals, the state topics (reached through Hooks).
//
// Threads: loop thread only (the thread that runs `loop`, or the caller's
// when nothing runs it); the intake is shared with the bus's receive thread.
// Borrows the clock, the bus, the counters, the loop and the SafeMode of
// Options, which outlive it. The constructor throws config::ConfigError (and
// std::runtime_error) for a bad integration option, as the daemon's start-up
// does; reload() throws the same and then keeps the running parts.
#pragma once

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>
#include <utility>  // before Asio: Boost 1.74 with C++20 needs it

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "actuators.hpp"
#include "bus.hpp"
#include "clock.hpp"
#include "config.hpp"
#include "counters.hpp"
#include "cramp_log.hpp"
#include "dispatch.hpp"
#include "engine.hpp"
#include "episode_intake.hpp"
#include "reminder_desk.hpp"
#include "routine_runner.hpp"
#include "safe_mode.hpp"

namespace bedtimed {

namespace web {
struct Parts;  // web_server.hpp
}

class Household {
public:
    // The owner's state topics; each may be left empty.
    struct Hooks {
        std::function<void(const std::string& sleeper)> sleeper_changed;  // plan, stats
        std::function<void(const std::string& pad)> pad_changed;
        // Home Assistant's event for an episode (from a wearable or logged by hand).
        std::function<void(const std::string& sleeper, const nlohmann::json& fields)> episode;
        std::function<void()> safe_mode_changed;  // after a `resume` command
        // An episode's reaction was handed to the bus this long after it arrived.
        std::function<void(std::chrono::microseconds)> episode_reacted;
    };
    // (who, what happened): the runner, the actuators, the desk and the cramp log narrate.
    using Timeline = std::function<void(const std::string& who, const std::string& what)>;

    struct Options {
        // actuators.json and routine.json go here; empty = state in memory only.
        std::string state_dir;
        bool expect_confirmation = true;  // false in `simulate`, where no device answers
        // The daemon: <state_dir>/bedtimed.db, its wearable episodes committed by an
        // EpisodeIntake the owner hands its bus (kept in memory if it cannot be opened).
        bool durable_cramp_log = false;
        // Otherwise the cramp log's SQLite file, written by the log itself; empty = in memory.
        std::string cramp_log_path;
        bool http_notifiers = false;    // HTTP notifiers send on `loop` (else they send nothing)
        bool read_secrets = true;       // the notifiers' secret files (not read by `simulate`)
        SafeMode* safe_mode = nullptr;  // what `resume` acts on; null = one in memory
        Hooks hooks;
        Timeline timeline;
    };

    Household(Clock& clock, Bus& bus, Counters& counters, boost::asio::io_context& loop,
              std::shared_ptr<const config::Config> cfg, Options options);
    ~Household();
    Household(const Household&) = delete;
    Household& operator=(const Household&) = delete;

    // Starts the engine and the cramp log, then (paused in safe mode) the
    // actuators and the routine, which may resume an interrupted session.
    void start(bool safe_mode);
    // The bus is (again) connected: the actuators ask their devices.
    void on_connected();
    // Builds the actuators, the runner and the desk for `fresh`; only when all
    // are built, the old pads go off (sessions kept on record), the new parts
    // replace the old and start. Throws (keeping the old parts) for a bad option.
    void reload(std::shared_ptr<const config::Config> fresh, bool safe_mode);

    const std::shared_ptr<const config::Config>& config() const noexcept { return cfg_; }
    Engine& engine() noexcept { return *engine_; }
    Actuators& actuators() noexcept { return *actuators_; }
    const Actuators& actuators() const noexcept { return *actuators_; }
    RoutineRunner& runner() noexcept { return *runner_; }
    const RoutineRunner& runner() const noexcept { return *runner_; }
    ReminderDesk& desk() noexcept { return *desk_; }
    CrampLog& cramp_log() noexcept { return *cramp_log_; }
    // What the web page reads and acts on (daemon/web/), borrowed from this household.
    web::Parts web_parts();
    // The daemon's episode intake, for its bus; null when not durable or not opened.
    const std::shared_ptr<EpisodeIntake>& intake() const noexcept { return intake_; }

private:
    // The parts one config builds, before they are swapped in.
    struct Evening {
        std::unique_ptr<Actuators> actuators;
        std::unique_ptr<RoutineRunner> runner;
        std::unique_ptr<ReminderDesk> desk;
    };
    Evening build_evening(const config::Config& cfg);
    void open_cramp_log();
    void connect_long_lived();
    void publish_episode_event(const std::string& sleeper, const nlohmann::json& fields);
    std::string state_file(const char* name) const;

    Clock& clock_;
    Bus& bus_;
    Counters& counters_;
    boost::asio::io_context& io_;
    std::shared_ptr<const config::Config> cfg_;
    Options options_;
    std::shared_ptr<spdlog::logger> log_;
    SafeMode own_safe_mode_{"", CrashLoopPolicy{}};
    std::shared_ptr<EpisodeIntake> intake_;  // shared with the bus's receive thread
    std::unique_ptr<CrampLog> cramp_log_;
    std::unique_ptr<Engine> engine_;
    std::unique_ptr<Actuators> actuators_;  // these three are replaced on reload
    std::unique_ptr<RoutineRunner> runner_;
    std::unique_ptr<ReminderDesk> desk_;
    std::unique_ptr<commands::Dispatcher> commands_;  // <base>/cmd/<verb>
};

}  // namespace bedtimed
