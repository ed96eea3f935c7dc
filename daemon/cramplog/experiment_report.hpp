// An experiment's nights and result as the log has them: the arms stored at
// the start, the nights' counts reconciled from episodes and check-ins
// (checkin.hpp), and whether the step ran (the routine runs). Read by the
// daemon (the stats topic, the digest) and by bedtimectl (experiment
// status|report, the SVG report), so both say the same.
//
// Threads: the caller's, with a store only that thread uses. Throws
// StoreError from the store; nothing else apart from std::bad_alloc.
#pragma once

#include <date/tz.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "episode_store.hpp"
#include "experiment.hpp"

namespace bedtimed::cramplog {

struct ExperimentReport {
    ExperimentRecord record;
    std::string step_label;
    std::vector<ExperimentNight> nights;  // planned nights, first first
    std::vector<std::string> excluded;    // "2026-11-04: the step did not run ..."
    ExperimentResult result;
    std::string status;  // "running", "completed", "stopped"
    std::string text;    // describe_result()
};

ExperimentReport experiment_report(const EpisodeStore& store, const ExperimentRecord& e,
                                   const date::time_zone* zone, bool has_wearable, WallTime now);
nlohmann::json experiment_report_json(const ExperimentReport& r);

}  // namespace bedtimed::cramplog
