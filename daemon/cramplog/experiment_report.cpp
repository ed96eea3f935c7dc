#include "experiment_report.hpp"

#include <cmath>
#include <map>
#include <vector>

#include "checkin.hpp"
#include "ingest.hpp"
#include "local_time.hpp"
#include "night.hpp"

namespace bedtimed::cramplog {

using nlohmann::json;

namespace {

// The step ids of each log night's routine runs: a run is stored under its
// plan night, and counts for the log night of the time it ran (routine.hpp).
std::map<std::string, std::vector<std::string>> runs_by_night(const EpisodeStore& store,
                                                              const ExperimentRecord& e,
                                                              const date::time_zone* zone,
                                                              date::local_days first) {
    std::map<std::string, std::vector<std::string>> runs;
    for (const auto& r : store.routine_runs(e.sleeper, night_text(first - date::days(1))))
        runs[night_text(night_of(zone, r.ran))].push_back(r.step);
    return runs;
}

json number_or_null(double v) { return std::isfinite(v) ? json(v) : json(); }

json arm_json(const ArmResult& a) {
    return {{"nights", a.nights},
            {"nights_with_cramp", a.nights_with_cramp},
            {"cramps", a.cramps},
            {"rate_per_night", a.rate}};
}

}  // namespace

ExperimentReport experiment_report(const EpisodeStore& store, const ExperimentRecord& e,
                                   const date::time_zone* zone, bool has_wearable, WallTime now) {
    ExperimentReport r;
    r.record = e;
    const auto* step = find_experiment_step(e.step);
    r.step_label = step ? std::string(step->label) : e.step;
    // A step no longer in the catalogue (an older log) has no runs to check.
    const bool recorded = step != nullptr;
    const auto first = parse_night(e.first_night);
    if (!first) return r;
    const auto last = *first + date::days(std::max(0, e.nights - 1));
    // A night counts once it is over, and only up to a stop.
    auto current = night_of(zone, now);
    if (e.stopped) current = std::min(current, night_of(zone, *e.stopped));
    const auto episodes = store.since(at_local(zone, *first, 12 * 60), e.sleeper);
    const auto checkins = store.checkins(e.sleeper, e.first_night);
    const auto counts = reconcile(episodes, checkins, zone, *first, last, has_wearable);
    const auto runs = runs_by_night(store, e, zone, *first);
    for (const auto& n : store.experiment_nights(e.id)) {
        const auto night = parse_night(n.night);
        const auto arm = arm_from(n.arm);
        if (!night || !arm || *night < *first || *night > last) continue;
        const auto& c = counts[static_cast<std::size_t>((*night - *first).count())];
        const auto night_runs = runs.find(n.night);
        const bool ran = night_runs != runs.end() && step_ran_as(e.step, *arm, night_runs->second);
        ExperimentNight x{n.night, *arm, c.known, c.count, ran, *night < current};
        const std::string why = excluded_because(x, recorded);
        if (x.finished && !why.empty()) r.excluded.push_back(n.night + ": " + why);
        r.nights.push_back(std::move(x));
    }
    r.result = summarize(r.nights, e.nights, recorded);
    r.status = !e.stopped ? "running" : e.stop_reason == "completed" ? "completed" : "stopped";
    if (e.stopped && e.stop_reason != "completed") r.result.interim = true;
    r.text = describe_result(r.result, r.step_label);
    return r;
}

json experiment_report_json(const ExperimentReport& r) {
    const auto& res = r.result;
    json out = {{"id", r.record.id},
                {"sleeper", r.record.sleeper},
                {"step", r.record.step},
                {"status", r.status},
                {"first_night", r.record.first_night},
                {"planned_nights", res.planned},
                {"nights_done", res.done},
                {"interim", res.interim},
                {"seed", std::to_string(r.record.seed)},
                {"with", arm_json(res.with_step)},
                {"without", arm_json(res.without_step)},
                {"excluded", r.excluded},
                {"probability_step_lowers", res.probability_lower},
                {"text", r.text}};
    if (res.ratio)
        out["rate_ratio"] = {{"estimate", number_or_null(res.ratio->estimate)},
                             {"lower_95", number_or_null(res.ratio->interval.lower)},
                             {"upper_95", number_or_null(res.ratio->interval.upper)}};
    else out["rate_ratio"] = nullptr;
    return out;
}

}  // namespace bedtimed::cramplog
