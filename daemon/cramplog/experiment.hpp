// An n-of-1 experiment on one routine step (docs/experiments.md): the step is
// withheld on half of the nights, chosen at random in balanced pairs, and the
// nightly cramp counts of the two arms are compared (rate_ratio.hpp).
//
// The assignment is a pure function of the seed and the night's date: pair k
// holds nights first + 2k and first + 2k + 1, and one bit drawn from the seed
// and k says which of the two has the step. So a restart, a DST change or a
// missing night never moves an assignment; the store keeps every night's arm
// as drawn at the start besides (EpisodeStore::experiment_nights), and the
// daemon reads them back from there.
//
// Safety and choice: an experiment only withholds. On a "without" night the
// step is switched off in tonight's evening; on a "with" night the evening is
// as configured (never switched on when the user switched it off, never more
// heat: the governor's limits apply as every night). The adaptive tier does
// not move the experimented step while the experiment runs (freeze_step).
//
// Pure: no I/O; any thread; nothing throws apart from std::bad_alloc.
#pragma once

#include <date/date.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config.hpp"
#include "rate_ratio.hpp"

namespace bedtimed::cramplog {

// The steps an experiment may withhold; `id` is the bedtimectl/HA name.
struct ExperimentStep {
    std::string_view id;     // "prewarm", "prewarm_cold", "stretch", ...
    std::string_view label;  // "the pre-warm"
    // Every step leaves a routine run when it acts (the check "ran as
    // assigned"): the timed steps when they send or heat, the elevation when
    // the bed is raised on getting into bed (RoutineRunner::on_sensor).
};
std::span<const ExperimentStep> experiment_steps();
const ExperimentStep* find_experiment_step(std::string_view id);
// Whether the sleeper's config has the step on at all (else nothing to withhold).
bool step_configured(const config::SleeperSpec& spec, std::string_view step);

enum class Arm { with_step, without_step };
const char* arm_name(Arm a);  // "with", "without"
std::optional<Arm> arm_from(std::string_view name);

struct ExperimentDesign {
    std::string sleeper, step;
    date::local_days first_night;  // a log night (night.hpp)
    int nights = 0;                // planned, even (a whole number of pairs)
    std::uint64_t seed = 0;
};
// "2026-11-26" → that night; nullopt when malformed.
std::optional<date::local_days> parse_night(const std::string& text);

// Planned nights for `weeks` weeks: weeks × 7, rounded up to whole pairs.
int planned_nights(int weeks);
// The arm of `night`; nullopt before the first or after the last planned night.
std::optional<Arm> assigned_arm(const ExperimentDesign& d, date::local_days night);
// Every planned night's arm, first night first.
std::vector<Arm> all_assignments(const ExperimentDesign& d);

// Tonight's evening without the step (a "without" night).
void withhold_step(config::SleeperSpec& evening, std::string_view step);
// The step as the calm (configured) evening has it, whatever the tier did:
// the tier keeps adapting the other steps.
void freeze_step(config::SleeperSpec& evening, const config::SleeperSpec& calm,
                 std::string_view step);

// One planned night as it went.
struct ExperimentNight {
    std::string night;  // "2026-11-26"
    Arm arm = Arm::with_step;
    // Known: the night's cramp count is known (a wearable, a hand log or a check-in).
    bool known = false;
    int cramps = 0;
    // Whether the step ran that night (step_ran_as over the night's routine runs).
    bool step_ran = false;
    bool finished = false;  // the night is over (noon after it has passed)
};
// Whether a night's routine runs (their step ids) show `step` acting, as
// the arm's check needs it: a "with" night counts when the step was in force
// and acted, a "without" night breaks when the withheld step acted anyway.
// The rows that go with a step count for it: the pre-warm's two rows, the
// stretch with the tier's extra stretch; for the long pre-warm's "with"
// nights the plain pre-warm too (a warm room: the rule looked, found no need).
bool step_ran_as(std::string_view step, Arm arm, std::span<const std::string> runs);
// Why a night is left out: "" = counted. `recorded_as_run` false (a step no
// longer in experiment_steps(), from an older log) skips the run checks.
std::string excluded_because(const ExperimentNight& n, bool recorded_as_run);

struct ArmResult {
    int nights = 0;
    int nights_with_cramp = 0;
    int cramps = 0;
    double rate = 0;  // cramps per night; 0 with no nights
};
struct ExperimentResult {
    ArmResult with_step, without_step;
    int excluded = 0;  // nights left out (not as assigned, no answer)
    int planned = 0;
    int done = 0;         // finished planned nights, counted or not
    bool interim = true;  // fewer finished nights than planned
    std::optional<RateRatio> ratio;
    double probability_lower = 0.5;  // P(rate with the step < rate without)
};
ExperimentResult summarize(const std::vector<ExperimentNight>& nights, int planned,
                           bool recorded_as_run);
// Why `r` has no rate ratio, in words ("No counted nights with the pre-warm
// yet", ... "No cramps in either arm yet"); "" when it has one.
std::string why_no_ratio(const ExperimentResult& r, std::string_view step_label);
// The result in words about these nights, never a claim of treatment.
std::string describe_result(const ExperimentResult& r, std::string_view step_label);

}  // namespace bedtimed::cramplog
