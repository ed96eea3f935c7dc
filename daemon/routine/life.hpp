// Nights that follow life (issue #19), the pure part: which profile is in
// force, whether the sleeper is away, what the two make of the evening, and
// tonight's bedtime from the house (a reading such as a phone's next alarm).
// The executor is routine_life.cpp (the runner's part that keeps the choices,
// the readings and the hand-offs).
//
// Pure: functions of the config, the inputs and the time. Any thread. Nothing
// throws apart from std::bad_alloc.
#pragma once

#include <date/tz.h>

#include <optional>
#include <string>

#include "clock.hpp"
#include "clock_reading.hpp"
#include "config.hpp"
#include "routine.hpp"

namespace bedtimed::routine {

// The built-in profile: the config as written.
inline constexpr const char* kNormalProfile = "normal";

// A profile chosen by a person (Home Assistant's select, bedtimectl, MQTT).
struct ProfileChoice {
    std::string name;               // kNormalProfile or one of the sleeper's profiles
    std::optional<WallTime> until;  // back to normal then; nullopt = until changed
    WallTime since{};
};

struct ProfileInForce {
    std::string name = kNormalProfile;
    const config::ProfileSpec* spec = nullptr;  // nullptr = normal
    std::optional<WallTime> until;
    std::string why;       // "guest: chosen at 2026-12-01 18:00 CET, until ..."
    bool expired = false;  // the choice has run out: the executor forgets it
};
ProfileInForce profile_in_force(const config::SleeperSpec& s,
                                const std::optional<ProfileChoice>& choice,
                                const date::time_zone* zone, WallTime now);

// What the away decision looks at; the executor tracks the changes.
struct AwayInputs {
    std::optional<bool> presence_away;        // a fresh presence reading: true = away
    std::optional<WallTime> presence_change;  // when the presence reading last changed
    std::optional<WallTime> last_bed_use;     // last seen in bed (or when watching began)
    bool in_bed = false;
};
struct AwayState {
    bool away = false;
    std::string why;
};
// Away when the presence sensor turned away after the bed was last used, or
// the bed has not been used for `unused_after` since the later of its last
// use and the sleeper's return. Never while in bed.
AwayState decide_away(const config::SleeperSpec& s, const AwayInputs& in, WallTime now);
// A presence reading's meaning (bool: true = home; text: one of away_values).
std::optional<bool> presence_says_away(const config::AwayRule& rule, const Value& v);

// `base` as the profile and away shape it: what they switch off, the profile's
// bedtime. A profile's steps_off are the runner's (step_enabled), not here.
config::SleeperSpec shape_evening(const config::SleeperSpec& base, const ProfileInForce& profile,
                                  bool away);
// Whether shape_evening would change anything.
bool shapes_evening(const ProfileInForce& profile, bool away);

// ---- Bedtime from the house (house_bedtime.cpp) ------------------------------

struct HouseBedtime {
    std::optional<WallTime> bedtime;  // nullopt = the schedule's
    std::string why;
};
// Tonight's bedtime from `reading` (nullopt: missing or stale) for the plan
// `scheduled` (tonight's by the schedule): reading + offset, clamped to
// [earliest, latest] of that evening; a reading for another night falls back
// to the schedule. From `fixed_before` before the bedtime in force (`applied`,
// or the schedule's) on, the plan is fixed: `applied` is kept.
// `says_none`: the sensor's fresh reading says there is no time (no alarm
// set: names_no_time), which the reason says instead of "no fresh reading".
HouseBedtime decide_house_bedtime(const config::BedtimeSource& src, const NightPlan& scheduled,
                                  const std::optional<ClockReading>& reading,
                                  const std::optional<WallTime>& applied,
                                  const date::time_zone* zone, WallTime now,
                                  bool says_none = false);
// `scheduled` with its bedtime at `bedtime` and its steps moved with it; the
// night keeps its name, so the steps already done stay done.
NightPlan replan_at(const config::SleeperSpec& s, const NightPlan& scheduled, WallTime bedtime);

}  // namespace bedtimed::routine
