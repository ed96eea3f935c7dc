// Which night an instant belongs to, for the cramp log's statistics.
//
// A night runs from noon to noon local time and is named by the date of its
// evening: an episode at 03:10 on 27 November belongs to the night of
// 26 November. Pure; any thread; never throws for a valid zone.
#pragma once

#include <date/tz.h>

#include <string>

#include "clock.hpp"

namespace bedtimed::cramplog {

date::local_days night_of(const date::time_zone* zone, WallTime t);
std::string night_text(date::local_days night);  // "2026-11-26"

}  // namespace bedtimed::cramplog
