// A reading that names a time of day or an instant: a Home Assistant
// `input_datetime` ("05:30:00", "2026-12-03 05:30:00"), a phone's next alarm
// (RFC 3339 "2026-12-03T05:30:00+00:00"; Sleep as Android's epoch
// milliseconds), or any `HH:MM` payload. The `time` sensors' values
// (ingest.cpp) and tonight's bedtime from the house (routine/life.cpp).
//
// Pure; any thread; nothing throws apart from std::bad_alloc.
#pragma once

#include <date/date.h>

#include <optional>
#include <string_view>

#include "clock.hpp"

namespace bedtimed {

struct ClockReading {
    enum class Kind {
        instant,     // an absolute time: RFC 3339 with an offset, or epoch (s or ms)
        local_date,  // a local date and time of day, no zone: the sleeper's zone applies
        local_time,  // a time of day only: the night it falls in decides the date
    } kind = Kind::instant;
    WallTime instant{};
    date::local_days day{};
    int minutes = 0;  // local minutes after midnight (seconds are dropped)
};

// nullopt for anything else (an empty string, "unknown", "unavailable").
std::optional<ClockReading> parse_clock_reading(std::string_view text);

// Whether `text` says there is no time at all: Home Assistant's "unavailable"
// and "unknown" (the companion app's next-alarm sensor with no alarm set),
// "none", or nothing. A `time` sensor takes it as a reading (ingest.cpp), so
// an alarm switched off takes tonight's bedtime back to the schedule instead
// of leaving the last alarm in force until it goes stale.
bool names_no_time(std::string_view text);

}  // namespace bedtimed
