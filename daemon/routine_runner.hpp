// The executor of the evening routines: keeps each sleeper's plan for
// tonight, fires steps on time, and applies what the pure decisions in
// routine.hpp ask for through the Actuators and the notifiers.
//
// Time: steps are planned in wall time (local time, DST-aware) and waited for
// with steady-clock timers re-armed at least every few minutes, so a wall-clock
// step neither fires a step twice (done steps are remembered, and persisted)
// nor misses one by more than the grace period.
//
// Threads: loop thread only. Borrows Clock, Counters, the sensor table and
// the Actuators (owned by App, which outlives it); owns the notifiers. The
// constructor throws config::ConfigError for bad notifier options; the rest
// is noexcept apart from std::bad_alloc.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "actuators.hpp"
#include "notifier.hpp"
#include "routine.hpp"
#include "state_file.hpp"

namespace bedtimed {

class RoutineRunner {
public:
    // (sleeper, what happened and why) for the log and `simulate`.
    using Timeline = std::function<void(const std::string& sleeper, const std::string& text)>;

    RoutineRunner(Clock& clock, Bus& bus, Counters& counters, const config::Config& cfg,
                  const SensorTable& sensors, Actuators& actuators, std::string state_path);
    ~RoutineRunner();

    void set_timeline(Timeline t) { timeline_ = std::move(t); }
    void start();
    void on_episode(const Episode& e);
    void on_sensor(const std::string& name);

    // A step more than this late (bedtimed was down, the clock jumped) is skipped, not fired.
    static constexpr auto kGrace = std::chrono::minutes(10);

private:
    struct Sleeper;
    void evaluate(Sleeper& s);
    void roll_night(Sleeper& s, WallTime now);
    void apply(Sleeper& s, const routine::Decision& d, bool from_episode = false);
    void arm(Sleeper& s);
    routine::Inputs inputs(const Sleeper& s) const;
    void persist();
    void say(const std::string& sleeper, const std::string& text);

    Clock& clock_;
    Counters& counters_;
    const config::Config& cfg_;
    const SensorTable& sensors_;
    Actuators& actuators_;
    std::shared_ptr<spdlog::logger> log_;
    StateFile state_;
    bool persist_ = true;
    integrations::NotifierContext notifier_ctx_;
    std::map<std::string, std::unique_ptr<integrations::Notifier>> notifiers_;
    std::map<std::string, std::unique_ptr<Sleeper>> sleepers_;
    Timeline timeline_;
};

}  // namespace bedtimed
