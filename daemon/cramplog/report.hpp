// Export of the cramp log (CSV, JSON) and the SVG report: cramps per night over
// eight weeks, the time-of-night histogram and, when there is one, the latest
// experiment's result per arm. Pure string building, no I/O.
// Threads: any. Never throws apart from std::bad_alloc.
#pragma once

#include <date/tz.h>
#include <array>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "episode_store.hpp"
#include "experiment_report.hpp"

namespace bedtimed::cramplog {

// One row per episode, oldest first: source, source_id, sleeper, start (ISO-8601 UTC),
// duration_s, muscle, side, severity, status. Fields are quoted where needed (RFC 4180).
std::string export_csv(const std::vector<StoredEpisode>& episodes);
// A JSON array of objects with the same fields (severity null when unknown).
std::string export_json(const std::vector<StoredEpisode>& episodes);

struct ReportData {
    std::vector<std::pair<std::string, int>> per_night;  // oldest first, e.g. 56 nights
    std::array<int, 96> clock_histogram{};               // 15-minute bins of local clock time
    std::string title;
    // The sleeper's running or latest experiment (experiment_report()), drawn
    // as a table below the charts; nullopt = none.
    std::optional<ExperimentReport> experiment;
};
// Builds the report's data from the log: the `nights` nights ending with the
// night of `now`, in `zone`; false positives are left out.
ReportData report_data(const std::vector<StoredEpisode>& episodes, const date::time_zone* zone,
                       WallTime now, int nights = 56);
// A self-contained SVG document a browser can open; with an experiment, its
// result per arm (nights, nights with a cramp, cramps, cramps per night), the
// rate ratio with its exact 95% interval, the probability that the step
// lowers the rate, and the interim label, worded about these nights only.
std::string svg_report(const ReportData& data);

}  // namespace bedtimed::cramplog
