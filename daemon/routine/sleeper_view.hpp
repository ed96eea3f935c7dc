// A configured sleeper as every part that keeps per-sleeper state sees it:
// its name, its configured spec and its time zone, resolved once. The
// routine runner (RoutineRunner::SleeperRun), the cramp log
// (CrampLog::SleeperLog) and the reminder desk (ReminderDesk::SleeperDesk)
// each build on it and keep their own runtime state, private, beside it.
//
// Threads: plain data, any thread. Borrows the spec from the Config it came
// from, which its holder keeps alive; the zone is the tz database's. Nothing
// throws apart from std::bad_alloc (an unknown zone falls back as
// zone_named() does).
#pragma once

#include <date/tz.h>

#include <string>

#include "config.hpp"
#include "local_time.hpp"

namespace bedtimed {

struct SleeperView {
    std::string name;
    // As configured (no adapted evening, no bedtime override); null in the
    // cramp log for the episodes of a sleeper no longer configured.
    const config::SleeperSpec* configured = nullptr;
    const date::time_zone* zone = nullptr;

    void view(const config::SleeperSpec& spec) {
        name = spec.name;
        configured = &spec;
        zone = zone_named(spec.timezone);
    }
};

}  // namespace bedtimed
