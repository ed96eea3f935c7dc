// Local (wall-clock) time for schedules, across DST, per sleeper time zone.
//
// The rule for times that do not exist or exist twice on DST change days:
// - a time inside the skipped hour (spring forward) moves forward by the gap:
//   02:30 on a day that jumps 02:00 → 03:00 happens at 03:30;
// - a time inside the repeated hour (fall back) happens at its first
//   occurrence (the earlier, summer-time instant).
// Times outside those hours are exact local times on both change days.
//
// Pure functions; any thread; locate_zone() throws std::runtime_error for an
// unknown name (config validation catches that first), the rest never throw.
#pragma once

#include <date/tz.h>

#include <string>

#include "clock.hpp"

namespace bedtimed {

// The sleeper's zone: `name`, or the system's when empty.
const date::time_zone* zone_named(const std::string& name);

// The instant at which local date `day` reads `minutes` after midnight (see rule above).
WallTime at_local(const date::time_zone* zone, date::local_days day, int minutes);
date::local_days local_day(const date::time_zone* zone, WallTime t);
int local_minutes(const date::time_zone* zone, WallTime t);       // 0..1439
unsigned local_weekday(const date::time_zone* zone, WallTime t);  // 0 = Sunday
std::string local_text(const date::time_zone* zone, WallTime t);  // "2026-11-26 22:30 CET"
std::string date_text(date::local_days day);                      // "2026-11-26"

}  // namespace bedtimed
