// The evening routine's decisions: what tonight looks like, and what a step,
// an episode, a change of bed occupancy or the passing of time calls for.
//
// Pure: functions of the sleeper's config, its state, the sensor table and the
// time, with no I/O. The executor (routine_runner.*) applies the actions.
// Every Decision carries a human reason, which goes to the log and to
// `bedtimed simulate`. Any thread; nothing throws apart from std::bad_alloc.
#pragma once

#include <date/tz.h>

#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "clock.hpp"
#include "config.hpp"
#include "ingest.hpp"
#include "rules.hpp"
#include "steps.hpp"

namespace bedtimed::routine {

struct Step {
    std::string id;                // its row's id (steps.hpp)
    const StepRow* row = nullptr;  // its row in the step catalogue
    WallTime at;
};

// The routine's night, the "plan night": named by the local date of its
// bedtime (a 00:30 bedtime on 27 November is the plan night of 27 November).
// Its own type, so that it is never taken for the cramp log's night
// (cramplog/night.hpp: noon to noon, named by its evening, `local_days`);
// plan_in_log_night() goes from that one to this one.
struct PlanNight {
    date::local_days bedtime_date;
    bool operator==(const PlanNight&) const = default;
};
// "2026-11-27": the name in routine.json, routine_runs and the plan topic.
std::string plan_night_text(PlanNight night);

struct NightPlan {
    // A plan is in force until this long after its bedtime; the next one then takes over.
    static constexpr std::chrono::hours kAfterBedtime{12};
    // An episode from this long before bedtime until ends() is "at night":
    // only then may heat go on for it.
    static constexpr std::chrono::hours kEpisodesBeforeBedtime{3};

    PlanNight night;
    WallTime bedtime;
    std::vector<Step> steps;  // sorted by time

    WallTime ends() const { return bedtime + kAfterBedtime; }
    bool episode_at_night(WallTime t) const {
        return t >= bedtime - kEpisodesBeforeBedtime && t < ends();
    }
};

// The plan night `night`, with every catalogue step the sleeper's config has
// on; nullopt when that weekday has no bedtime.
std::optional<NightPlan> plan_night(const config::SleeperSpec& sleeper, const date::time_zone* zone,
                                    PlanNight night);
// The plan whose bedtime falls in the cramp log's night `log_night` (noon on
// that local day to noon the next): that day's bedtime if it is after noon,
// else the next day's if that one is before noon; nullopt when neither.
std::optional<NightPlan> plan_in_log_night(const config::SleeperSpec& sleeper,
                                           const date::time_zone* zone, date::local_days log_night);
// The plan in force at `now`: the earliest plan night, from yesterday on,
// that has not ended().
std::optional<NightPlan> current_plan(const config::SleeperSpec& sleeper,
                                      const date::time_zone* zone, WallTime now);

// What the executor remembers about a sleeper. Reset each night except
// occupancy and the last episode and bed move.
struct SleeperState {
    std::string night;           // plan_night_text() of the plan these apply to
    std::set<std::string> done;  // step ids already run tonight
    int heats_tonight = 0;
    bool manual_off_tonight = false;
    std::optional<bool> in_bed;
    WallTime in_bed_since{};
    std::optional<WallTime> last_episode;
    std::optional<WallTime> last_bed_move;
};

struct Inputs {
    const config::Config& cfg;
    const SensorTable& sensors;
    const date::time_zone* zone;
    WallTime now;
    SteadyTime steady_now;
    bool pad_on = false;  // the sleeper's pad is on, however it came on
};

struct Notify {
    std::string step;
    std::string title;
    std::string message;
    bool urgent = false;
};
struct HeatOn {
    std::chrono::seconds duration;
};
struct MoveBed {
    std::string preset;
};
using Action = std::variant<Notify, HeatOn, MoveBed>;

struct Decision {
    std::vector<Action> actions;
    std::string reason;  // why it acted, or why not
};

struct SleepState {
    bool asleep = false;
    std::string reason;
};
// Asleep: the sleep sensor says so (fresh reading), or the bed has been
// occupied for `asleep_after_in_bed` with no episode since. The executor tells
// the heat governor (Actuators::set_asleep) on every evaluation, which switches
// off any pad that is on, however it came on.
SleepState sleep_state(const config::SleeperSpec& s, const SleeperState& st, const Inputs& in);

Decision decide_step(const config::SleeperSpec& s, const Step& step, const NightPlan& plan,
                     const SleeperState& st, const Inputs& in);
// An episode while the sleeper is asleep (sleep_state() before the episode)
// gets guidance only: heat is never switched on automatically for a cramp
// detected during sleep. Heat (through the heat governor, which may still
// refuse or shorten it) only when the sleeper was shown awake.
Decision decide_episode(const config::SleeperSpec& s, const NightPlan* plan, const SleeperState& st,
                        const Inputs& in, const Episode& e);
// `st` is the state before the change.
Decision decide_occupancy(const config::SleeperSpec& s, const SleeperState& st, bool in_bed,
                          const Inputs& in);

}  // namespace bedtimed::routine
