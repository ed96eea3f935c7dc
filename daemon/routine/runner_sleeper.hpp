// Internal to the routine runner (routine_runner.cpp, routine_controls.cpp):
// what it keeps per sleeper. Loop thread only, like the runner; plain data,
// nothing throws.
#pragma once

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "routine_runner.hpp"
#include "runner_life.hpp"
#include "sleeper_view.hpp"

namespace bedtimed {

// Beside the shared view of its config (SleeperView: name, configured spec, zone).
struct RoutineRunner::SleeperRun : SleeperView {
    const config::SleeperSpec* spec;  // `configured`, or tonight's adapted evening
    std::set<std::string> skipped;    // done without acting (conditions)
    std::set<std::string> missed;     // too late to run (bedtimed was down, the clock jumped)
    routine::SleeperState st;
    std::optional<routine::NightPlan> plan;
    std::unique_ptr<Timer> timer;
    // Home Assistant's switches (persisted under "controls" in the state file).
    bool enabled = true;
    std::set<std::string> disabled_steps;  // switchable step names
    std::optional<int> bedtime_override;   // local minutes
    config::SleeperSpec with_bedtime;      // *spec with the override applied
    std::string started_night;             // "start now" moved this night's steps...
    Duration start_shift{};                // ...by this much
    // routine::current_plan() for the same spec, override and local day, while
    // it has not ended(): it plans up to nine nights, and
    // evaluate() runs on every sensor reading.
    struct PlanCache {
        const config::SleeperSpec* spec = nullptr;
        std::uint64_t revision = 0;
        std::optional<int> bedtime_override;
        date::local_days today{};
        std::optional<routine::NightPlan> plan;
        std::uint64_t generation = 0;  // one per plan made
    };
    std::optional<PlanCache> plan_cache;
    std::uint64_t plans_made = 0;
    // `plan` is plan_cache's of this generation as it was, without a house
    // bedtime or a start shift: roll_night() then has nothing to copy or compare.
    std::optional<std::uint64_t> plan_as_cached;
    RunnerLife life;  // profiles, away, the house's bedtime, hand-offs (routine_life.cpp)
    // The sensors whose readings this sleeper's decisions read, as filed in
    // RoutineRunner::readers_ (checked whenever `spec` may have changed).
    std::vector<std::string> watched;
    // plan_night_text() of the night last named: roll_night() names tonight
    // on every reading, and formatting a date is a third of its cost.
    std::optional<routine::PlanNight> named_night;
    std::string named_night_text;
};

}  // namespace bedtimed
