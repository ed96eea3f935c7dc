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

struct NightPlan {
    date::local_days night;  // the local date of the bedtime
    WallTime bedtime;
    std::vector<Step> steps;  // sorted by time
};

// The night whose bedtime falls on local day `night`, with every catalogue
// step the sleeper's config has on; nullopt when that weekday has no bedtime.
std::optional<NightPlan> plan_night(const config::SleeperSpec& sleeper, const date::time_zone* zone,
                                    date::local_days night);
// The plan in force at `now`: the earliest night, from yesterday on, whose
// bedtime is less than 12 hours past.
std::optional<NightPlan> current_plan(const config::SleeperSpec& sleeper,
                                      const date::time_zone* zone, WallTime now);

// What the executor remembers about a sleeper. Reset each night except
// occupancy and the last episode and bed move.
struct SleeperState {
    std::string night;          // date_text() of the plan these apply to
    std::set<std::string> done; // step ids already run tonight
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
