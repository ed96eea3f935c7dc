// Which night an instant belongs to, for the cramp log: the "log night".
//
// A log night runs from noon to noon local time and is named by the date of
// its evening: an episode at 03:10 on 27 November belongs to the night of
// 26 November. Counts, rates, tiers, notices, the digest and the report are
// all per log night.
//
// The routine has a night of its own, the "plan night" (routine.hpp,
// routine::PlanNight): named by the local date of its bedtime and in force
// until 12 hours after it. For a bedtime between noon and midnight both have
// the same name; for one after midnight the plan night is named a day later.
// The routine's step runs (and their acknowledgements) are recorded under
// their plan night; whatever joins them to log nights goes through
// routine::plan_in_log_night() or the time a step ran, never by the name.
//
// Pure; any thread; never throws for a valid zone.
#pragma once

#include <date/tz.h>

#include <string>

#include "clock.hpp"

namespace bedtimed::cramplog {

// Where a log night begins, in local time after midnight of the day that names it.
inline constexpr std::chrono::hours kLogNightBegins{12};

date::local_days night_of(const date::time_zone* zone, WallTime t);
std::string night_text(date::local_days night);  // "2026-11-26"

}  // namespace bedtimed::cramplog
