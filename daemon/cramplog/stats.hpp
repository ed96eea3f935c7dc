// Statistics over the cramp log: counts per night and per window, when in the
// night episodes happen (by clock and relative to bedtime), duration, severity
// and a coarse trend, for the status page, bedtimectl and the SVG report.
//
// Nights run noon to noon local time and are named by their evening (see
// night.hpp). Windows are counted in nights ending with the current night
// (the one `now` is in), so "last 7 days" is tonight plus the six nights
// before it. Rows with status "false_positive" are ignored everywhere; rows
// that start in a night after the current one (a device clock ahead of ours)
// are ignored too, so they cannot inflate tonight's count.
//
// Pure: no I/O and no shared state; any thread. compute_stats() throws only
// std::bad_alloc. The caller keeps `zone` alive (date's zones live for the
// whole process). About 0.5 ms for 20,000 rows (bench/stats_bench.cpp; a
// zone lookup per row would cost about 1 ms on its own): one pass, and the
// zone's rules are looked up only when a row falls in a different UTC-offset
// period than the previous row.
#pragma once

#include <date/tz.h>

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "clock.hpp"
#include "episode_store.hpp"

namespace bedtimed::cramplog {

// Bedtime per weekday in minutes after local midnight, [0] = Sunday; the same
// shape and meaning as config's SleeperSpec::bedtime (nullopt = no bedtime).
using Bedtimes = std::array<std::optional<int>, 7>;

// Last 14 nights against the 14 before them (both include the current,
// possibly unfinished, night on the recent side):
// - rising:  recent >= 1.5 × before and at least 3 more;
// - falling: recent <= 0.67 × before and at least 3 fewer;
// - steady:  anything else.
// The "at least 3" keeps 1 → 2 episodes from being called a trend.
enum class Trend { steady, rising, falling };
const char* trend_text(Trend t);  // "steady", "rising", "falling"

struct NightCount {
    std::string night;  // "2026-11-26", the night's evening
    int count = 0;
};

struct StatsOptions {
    // When set, fills Stats::bedtime_histogram; the bedtime for a night is the
    // one for the weekday of its evening, as the routine planner uses it.
    std::optional<Bedtimes> bedtime;
    int per_night_nights = 56;  // length of Stats::per_night; negative counts as 0
};

struct Stats {
    static constexpr int kBinMinutes = 15;
    static constexpr int kClockBins = 24 * 60 / kBinMinutes;  // 96
    // Relative to bedtime: from -3 h to +12 h.
    static constexpr int kBedtimeFromMinutes = -3 * 60;
    static constexpr int kBedtimeBins = 15 * 60 / kBinMinutes;  // 60

    int tonight = 0;               // the current night
    int last_7_days = 0;           // the 7 nights ending with the current night
    int last_28_days = 0;          // the 28 nights ending with the current night
    double rate_7d_per_week = 0;   // = last_7_days
    double rate_28d_per_week = 0;  // = last_28_days / 4
    // The last per_night_nights nights, oldest first, the current night last;
    // nights without episodes are present with count 0.
    std::vector<NightCount> per_night;

    // The histograms cover every counted row (all history up to the current
    // night), because "when in the night" needs more data than four weeks.
    // Bin i holds starts at local clock time [15 i, 15 i + 15) minutes.
    std::array<int, kClockBins> clock_histogram{};
    // Bin i holds starts at elapsed time [-3 h + 15 i min, -3 h + 15 (i + 1) min)
    // after that night's bedtime instant. Elapsed (not wall-clock) time, so on a
    // DST change night an episode lands by how long after bedtime it really was.
    std::array<int, kBedtimeBins> bedtime_histogram{};
    int bedtime_outside = 0;    // had a bedtime but fell outside -3 h .. +12 h
    int bedtime_unplanned = 0;  // the night's weekday has no bedtime (or no Bedtimes given)

    // Over the 28-night window; nullopt when it holds no (rated) episode.
    std::optional<double> median_duration_s;  // even count: mean of the middle two
    std::optional<double> mean_severity;      // only rows that have a severity

    // Where the nightly counts came from: "episodes", or "episodes+checkins"
    // when the morning check-ins were reconciled in (checkin.hpp).
    std::string count_source = "episodes";
    int nights_no_answer = 0;  // in the 28-night window: neither an episode nor an answer

    Trend trend = Trend::steady;
    int last_14_days = 0;   // the trend's inputs, for display
    int prior_14_days = 0;  // nights 15 .. 28 back
};

// `zone` must not be null; `now` decides the current night.
Stats compute_stats(const std::vector<StoredEpisode>& rows, const date::time_zone* zone,
                    WallTime now, const StatsOptions& options = {});

// The trend rule above, on its own (for tests and for callers with counts).
Trend trend_of(int last_14, int prior_14);

}  // namespace bedtimed::cramplog
