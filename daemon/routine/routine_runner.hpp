// The executor of the evening routines: keeps each sleeper's plan for
// tonight, fires steps on time, and applies what the pure decisions in
// routine.hpp ask for through the Actuators and the notifiers.
//
// Time: steps are planned in wall time (local time, DST-aware) and waited for
// with steady-clock timers re-armed at least every few minutes, so a wall-clock
// step neither fires a step twice (done steps are remembered, and persisted)
// nor misses one by more than the grace period.
//
// Split by concern: routine_runner.cpp plans, fires and applies;
// routine_controls.cpp holds the switches, the plan JSON and the state file.
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
#include <set>
#include <string>
#include <vector>

#include "actuators.hpp"
#include "notifier.hpp"
#include "routine.hpp"
#include "state_file.hpp"

namespace bedtimed {

class RoutineRunner {
public:
    // (sleeper, what happened and why) for the log and `simulate`.
    using Timeline = std::function<void(const std::string& sleeper, const std::string& text)>;

    // `io` is the loop HTTP notifiers send on (App's); null means they send
    // nothing (simulate, check-config, tests). `read_secrets` false (simulate)
    // leaves token/password files unread. See integrations::NotifierContext.
    RoutineRunner(Clock& clock, Bus& bus, Counters& counters, const config::Config& cfg,
                  const SensorTable& sensors, Actuators& actuators, std::string state_path,
                  boost::asio::io_context* io = nullptr, bool read_secrets = true);
    ~RoutineRunner();

    void set_timeline(Timeline t) { timeline_ = std::move(t); }
    // Saves routine.json `window` after the first unsaved change
    // (state_file.hpp); a hand's OFF at once. Unset = at every change.
    void defer_saves(Duration window) { state_.defer_saves(clock_.make_timer(), window); }
    // Where tonight's evening comes from (the cramp log's adaptive tier);
    // unset = the configured routine. The reference must stay valid until the
    // next call for that sleeper.
    using EveningSource =
        std::function<const config::SleeperSpec&(const std::string& sleeper, WallTime now)>;
    void set_evening_source(EveningSource fn) { evening_ = std::move(fn); }
    // A step ran and acted (a reminder sent, heat on, the bed raised on getting
    // into bed as "elevation"), for "what helps" and the experiments.
    using StepRan = std::function<void(const std::string& sleeper, const std::string& night,
                                       const std::string& step, WallTime at)>;
    void on_step_ran(StepRan fn) { step_ran_ = std::move(fn); }
    void start();
    // Looks at every sleeper's plan again now (the evening changed).
    void reevaluate();

    // Sends to the sleeper's notifiers (the cramp log's notices, test messages);
    // returns how many notifiers it went to. Goes through the outgoing hook when set.
    int notify(const integrations::Reminder& r);
    // Where every reminder (steps, episodes, notify()) goes instead of straight
    // to the notifiers: App's ReminderDesk (quiet hours, snooze), which calls
    // send_now(). Unset (simulate, tests) = straight to the notifiers.
    void set_outgoing(std::function<int(const integrations::Reminder&)> fn) {
        outgoing_ = std::move(fn);
    }
    // To the sleeper's notifiers now; returns how many.
    int send_now(const integrations::Reminder& r);
    // Clears `r` on the sleeper's notifiers that can (Notifier::clear).
    void clear_now(const integrations::Reminder& r);
    // Tonight's bedtime (the current plan's), if there is one.
    std::optional<WallTime> bedtime_of(const std::string& sleeper) const;
    // Every sleeper's pad off now, and no more routine heat tonight (pad-off).
    std::vector<std::string> all_heat_off(const std::string& reason);
    // The plan night tonight's steps are recorded under, "" when none.
    std::string night_of(const std::string& sleeper) const;
    // {"night","bedtime","steps":[{"id","at","state"}]} for `<base>/<sleeper>/plan`.
    nlohmann::json plan_json(const std::string& sleeper) const;
    // Called when a sleeper's plan or step states change.
    void on_plan_changed(std::function<void(const std::string& sleeper)> fn) {
        plan_changed_ = std::move(fn);
    }
    std::vector<std::string> sleeper_names() const;
    // An accepted episode of `sleeper` (the engine routed it; "" or a sleeper
    // this runner does not have: ignored).
    void on_episode(const Episode& e, const std::string& sleeper);
    void on_sensor(const std::string& name);

    // Home Assistant's switches (command verbs routine, step, start_routine,
    // bedtime). Each takes a configured sleeper's name, returns "" when done or
    // why not, persists in the state file (they survive a restart) and shows in
    // plan_json(). A switched-off routine or step fires no timed step; the
    // safety rules (decide_tick: heat off at sleep onset) go on regardless.
    std::string set_routine_enabled(const std::string& sleeper, bool enabled);
    // `step` is one of routine::switchable_steps() (steps.hpp); prewarm covers prewarm_cold.
    std::string set_step_enabled(const std::string& sleeper, const std::string& step, bool enabled);
    // Local minutes after midnight for every night with a bedtime; nullopt = the configured ones.
    std::string set_bedtime(const std::string& sleeper, std::optional<int> minutes);
    // Tonight's steps not yet run move so that the first of them is due now,
    // keeping their spacing; each still goes through decide_step (heat cap,
    // asleep, manual off).
    std::string start_now(const std::string& sleeper);
    // Crash-loop safe mode: no timed step fires while paused (they stay
    // pending; the grace period then decides). Sleep is still reported.
    void set_paused(bool paused);

    // Nights that follow life (routine_life.cpp). A profile of the sleeper's
    // config, or "normal"; `until` ("" = until changed) is RFC 3339, a local
    // "YYYY-MM-DD HH:MM" or "HH:MM" (the next one). Persisted; "" or why not.
    std::string set_profile(const std::string& sleeper, const std::string& profile,
                            const std::string& until);
    // Control of `device` ("" = every one of the sleeper's) back to bedtimed.
    std::string hand_back(const std::string& sleeper, const std::string& device);

    // "alex prewarm 21:30" (local time) for the earliest timed step not yet
    // run tonight, over all sleepers; "" when there is none. For STATUS=.
    std::string next_step_text() const;

    // A step more than this late (bedtimed was down, the clock jumped) is skipped, not fired.
    static constexpr auto kGrace = std::chrono::minutes(10);

private:
    struct SleeperRun;
    void evaluate(SleeperRun& s);
    void report_sleep(SleeperRun& s);
    void roll_night(SleeperRun& s, WallTime now);
    void watch_sensors(SleeperRun& s);
    void apply(SleeperRun& s, const routine::Decision& d, bool from_episode = false);
    void arm(SleeperRun& s);
    routine::Inputs inputs(const SleeperRun& s) const;
    // The state file holds three entries per sleeper; a save rebuilds only
    // those of the sleepers changed since the last one (a house of 500 used
    // to rebuild all of them ~6 times a second). persist() marks every
    // sleeper and saves soon; persist(s) marks s; mark_unsaved(s) only marks,
    // for state that rides along with the next save (as every save used to
    // carry it). routine_controls.cpp.
    void persist();
    void persist(SleeperRun& s);
    void mark_unsaved(const SleeperRun& s);
    void update_state_document(nlohmann::json& doc);
    void load_controls(const nlohmann::json& doc);
    bool step_enabled(const SleeperRun& s, const std::string& step_id) const;
    void changed(SleeperRun& s);
    void say(const std::string& sleeper, const std::string& text);
    // routine_life.cpp
    const config::SleeperSpec& shape_life(SleeperRun& s, const config::SleeperSpec& base,
                                          WallTime now);
    void house_bedtime(SleeperRun& s, std::optional<routine::NightPlan>& plan, WallTime now);
    bool life_on_sensor(SleeperRun& s, const std::string& sensor);
    bool left_alone(SleeperRun& s, const std::string& device, WallTime now);
    void on_hand_change(const std::string& device, const std::string& what);
    nlohmann::json life_json(const SleeperRun& s) const;
    nlohmann::json life_json_state(const SleeperRun& s) const;  // the state file's "life" entry
    void load_life(const nlohmann::json& doc);

    Clock& clock_;
    Counters& counters_;
    const config::Config& cfg_;
    const SensorTable& sensors_;
    Actuators& actuators_;
    std::shared_ptr<spdlog::logger> log_;
    StateFile state_;
    bool persist_ = true;
    bool unsaved_all_ = true;          // the first save rebuilds the document (sleepers removed)
    std::set<std::string> unsaved_;    // sleepers whose entries the next save rebuilds
    bool paused_ = false;
    integrations::NotifierContext notifier_ctx_;
    std::map<std::string, std::unique_ptr<integrations::Notifier>> notifiers_;
    std::map<std::string, std::unique_ptr<SleeperRun>> sleepers_;
    // Sensor -> the sleepers that read it, by name: on_sensor() looks only at
    // them (a house of 500 used to walk every sleeper for every reading).
    std::map<std::string, std::set<std::string>, std::less<>> readers_;
    Timeline timeline_;
    EveningSource evening_;
    StepRan step_ran_;
    std::function<void(const std::string&)> plan_changed_;
    std::function<int(const integrations::Reminder&)> outgoing_;
};

}  // namespace bedtimed
