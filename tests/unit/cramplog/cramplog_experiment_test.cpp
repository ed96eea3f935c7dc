// n-of-1 experiments (daemon/cramplog/experiment.hpp): the balanced random
// assignment, what a night does to the evening, the exclusions, and two
// simulated 8-week experiments with a fixed seed: a step that halves the
// nightly rate gives an interval below 1, a step that does nothing one that
// contains 1.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>

#include "experiment.hpp"

namespace bedtimed::cramplog {
namespace {

using namespace date;

constexpr local_days kFirst{2026_y / November / 2};

ExperimentDesign design(std::uint64_t seed, int weeks = 8) {
    return ExperimentDesign{"alex", "prewarm", kFirst, planned_nights(weeks), seed};
}

TEST(CramplogExperiment, PlannedNightsAreWholePairs) {
    EXPECT_EQ(planned_nights(6), 42);
    EXPECT_EQ(planned_nights(8), 56);
    EXPECT_EQ(planned_nights(1), 8);  // 7 nights, rounded up to 4 pairs
}

TEST(CramplogExperiment, EveryPairHasOneNightOfEachArm) {
    for (std::uint64_t seed : {1ULL, 42ULL, 0xDEADBEEFULL}) {
        const auto arms = all_assignments(design(seed));
        ASSERT_EQ(arms.size(), 56u);
        int with = 0, first_with = 0;
        for (std::size_t i = 0; i < arms.size(); i += 2) {
            EXPECT_NE(arms[i], arms[i + 1]) << "pair " << i / 2 << " seed " << seed;
            with += (arms[i] == Arm::with_step) + (arms[i + 1] == Arm::with_step);
            first_with += arms[i] == Arm::with_step;
        }
        EXPECT_EQ(with, 28);
        // The order is drawn per pair: not always the same one first.
        EXPECT_GT(first_with, 3);
        EXPECT_LT(first_with, 25);
    }
}

TEST(CramplogExperiment, AssignmentIsAFunctionOfSeedAndDateAlone) {
    const auto d = design(7);
    // Asking night by night in any order (a restart, a missing night, a DST
    // change: the date is all that is asked) gives the same arms.
    const auto all = all_assignments(d);
    for (int i = 55; i >= 0; i -= 3)
        EXPECT_EQ(*assigned_arm(d, kFirst + days(i)), all[static_cast<std::size_t>(i)]);
    EXPECT_FALSE(assigned_arm(d, kFirst - days(1)));
    EXPECT_FALSE(assigned_arm(d, kFirst + days(56)));
    // A different seed draws a different order.
    EXPECT_NE(all_assignments(design(8)), all);
    // The fixed mixer: the same seed draws the same first pairs on every build.
    const auto fixed = all_assignments(design(2026));
    EXPECT_EQ(fixed, all_assignments(design(2026)));
}

TEST(CramplogExperiment, WithholdingOnlySwitchesOffAndFreezeKeepsTheCalmStep) {
    config::SleeperSpec spec;
    spec.heating_pad = "pad";
    spec.prewarm.minutes = std::chrono::minutes(15);
    ASSERT_TRUE(step_configured(spec, "prewarm"));
    auto evening = spec;
    withhold_step(evening, "prewarm");
    EXPECT_FALSE(evening.prewarm.enabled);
    // The tier lengthened the pre-warm and moved the stretch; freezing the
    // pre-warm puts back the calm value, the stretch keeps adapting.
    auto adapted = spec;
    adapted.prewarm.minutes = std::chrono::minutes(25);
    adapted.stretch.offset = std::chrono::minutes(-35);
    freeze_step(adapted, spec, "prewarm");
    EXPECT_EQ(adapted.prewarm.minutes, std::chrono::minutes(15));
    EXPECT_EQ(adapted.stretch.offset, std::chrono::minutes(-35));
    // A step the user switched off stays off whatever the arm: nothing turns it on.
    auto off = spec;
    off.stretch.enabled = false;
    freeze_step(off, off, "stretch");
    EXPECT_FALSE(off.stretch.enabled);
    EXPECT_FALSE(step_configured(off, "stretch"));
    withhold_step(off, "stretch");
    EXPECT_FALSE(off.stretch.enabled);
    EXPECT_FALSE(off.extra_stretch.enabled);
}

TEST(CramplogExperiment, NightsNotAsAssignedAreLeftOut) {
    std::vector<ExperimentNight> nights{
        {"2026-11-02", Arm::with_step, true, 1, true, true},       // counted
        {"2026-11-03", Arm::without_step, true, 2, false, true},   // counted
        {"2026-11-04", Arm::with_step, true, 0, false, true},      // pad unavailable: out
        {"2026-11-05", Arm::without_step, true, 3, true, true},    // ran anyway: out
        {"2026-11-06", Arm::with_step, false, 0, true, true},      // no answer: out
        {"2026-11-07", Arm::without_step, true, 0, false, false},  // not over yet
    };
    const auto r = summarize(nights, 8, true);
    EXPECT_EQ(r.with_step.nights, 1);
    EXPECT_EQ(r.without_step.nights, 1);
    EXPECT_EQ(r.excluded, 3);
    EXPECT_EQ(r.done, 5);
    EXPECT_TRUE(r.interim);
    EXPECT_EQ(excluded_because(nights[2], true).rfind("the step did not run", 0), 0u);
    EXPECT_EQ(excluded_because(nights[4], true), "no answer");
}

// Without a rate ratio the words say which of rate_ratio_interval's reasons
// holds: an arm without counted nights, or no cramp in either arm.
TEST(CramplogExperiment, WithoutARateRatioTheWordsSayWhy) {
    const auto text_of = [](const std::vector<ExperimentNight>& nights) {
        const auto r = summarize(nights, 8, true);
        EXPECT_FALSE(r.ratio);
        return describe_result(r, "the pre-warm");
    };
    const auto ends_with = [](const std::string& text, const std::string& tail) {
        return text.size() >= tail.size() &&
               text.compare(text.size() - tail.size(), tail.size(), tail) == 0;
    };
    // Nothing finished yet.
    EXPECT_TRUE(ends_with(text_of({{"2026-11-02", Arm::with_step, true, 1, true, false}}),
                          " No counted nights in either arm yet: no rate ratio."));
    // Cramps without the step, but its only "with" night did not run: left out.
    const std::string no_with = text_of({{"2026-11-02", Arm::with_step, true, 0, false, true},
                                         {"2026-11-03", Arm::without_step, true, 2, false, true}});
    EXPECT_TRUE(ends_with(no_with,
                          " No counted nights with the pre-warm yet: no rate ratio. 1 nights "
                          "left out."))
        << no_with;
    EXPECT_EQ(no_with.find("either arm"), std::string::npos) << "there were cramps";
    // Cramps with the step, no counted night without it (no answer).
    EXPECT_TRUE(ends_with(text_of({{"2026-11-02", Arm::with_step, true, 3, true, true},
                                   {"2026-11-03", Arm::without_step, false, 0, false, true}}),
                          " No counted nights without the pre-warm yet: no rate ratio. 1 nights "
                          "left out."));
    // Nights in both arms, no cramp at all.
    EXPECT_TRUE(ends_with(text_of({{"2026-11-02", Arm::with_step, true, 0, true, true},
                                   {"2026-11-03", Arm::without_step, true, 0, false, true}}),
                          " No cramps in either arm yet: no rate ratio."));
}

// Which routine runs show a step acting, per arm (experiment.hpp, step_ran_as).
TEST(CramplogExperiment, TheRunsThatShowAStepRanAsAssigned) {
    using Runs = std::vector<std::string>;
    const auto ran = [](std::string_view step, Arm arm, const Runs& runs) {
        return step_ran_as(step, arm, runs);
    };
    for (const auto& s : experiment_steps()) {
        SCOPED_TRACE(std::string(s.id));
        EXPECT_FALSE(ran(s.id, Arm::with_step, {})) << "no run, no step";
        // Every step leaves a run under its own id, the elevation included.
        EXPECT_TRUE(ran(s.id, Arm::with_step, {std::string(s.id)}));
        EXPECT_TRUE(ran(s.id, Arm::without_step, {std::string(s.id)}));
        EXPECT_FALSE(ran(s.id, Arm::with_step, {"active_day"}));
    }
    // A cold room: the long pre-warm warms, the plain one then has nothing to do.
    EXPECT_TRUE(ran("prewarm", Arm::with_step, {"prewarm_cold"}));
    EXPECT_TRUE(ran("prewarm", Arm::without_step, {"prewarm_cold"}));
    // The cold-room rule on a warm evening: the plain pre-warm shows it was in force...
    EXPECT_TRUE(ran("prewarm_cold", Arm::with_step, {"prewarm"}));
    // ...and on a night without the rule the plain pre-warm is as assigned.
    EXPECT_FALSE(ran("prewarm_cold", Arm::without_step, {"prewarm", "stretch"}));
    // The tier's extra stretch goes with the stretch (withheld together).
    EXPECT_TRUE(ran("stretch", Arm::without_step, {"extra_stretch"}));
    EXPECT_FALSE(ran("hydration", Arm::with_step, {"stretch", "supplement"}));
    EXPECT_FALSE(ran("elevation", Arm::with_step, {"prewarm", "stretch", "hydration"}));
}

// Poisson draws by Knuth's method on a fixed 64-bit generator, so the
// scenario is the same on every platform.
int poisson(std::mt19937_64& rng, double mean) {
    const double limit = std::exp(-mean);
    int k = 0;
    double p = 1;
    do {
        ++k;
        p *= static_cast<double>(rng() >> 11) * 0x1.0p-53;
    } while (p > limit);
    return k - 1;
}

ExperimentResult simulate(double rate_without, double rate_with, std::uint64_t seed) {
    const auto d = design(seed);
    std::mt19937_64 rng(seed * 7919 + 1);
    std::vector<ExperimentNight> nights;
    for (int i = 0; i < d.nights; ++i) {
        const Arm arm = *assigned_arm(d, d.first_night + days(i));
        const int cramps = poisson(rng, arm == Arm::with_step ? rate_with : rate_without);
        nights.push_back({"n" + std::to_string(i), arm, true, cramps, arm == Arm::with_step, true});
    }
    return summarize(nights, d.nights, true);
}

TEST(CramplogExperiment, EightWeeksWhereTheStepHalvesTheRateExcludeOne) {
    const auto r = simulate(1.5, 0.75, 20261126);
    EXPECT_FALSE(r.interim);
    EXPECT_EQ(r.with_step.nights, 28);
    EXPECT_EQ(r.without_step.nights, 28);
    ASSERT_TRUE(r.ratio);
    EXPECT_LT(r.ratio->interval.upper, 1.0) << describe_result(r, "the pre-warm");
    EXPECT_GT(r.ratio->interval.lower, 0.1);
    EXPECT_GT(r.probability_lower, 0.975);
    EXPECT_NE(describe_result(r, "the pre-warm").find("fewer cramps with the step"),
              std::string::npos);
}

TEST(CramplogExperiment, EightWeeksWhereTheStepDoesNothingContainOne) {
    const auto r = simulate(1.5, 1.5, 20261126);
    ASSERT_TRUE(r.ratio);
    EXPECT_LT(r.ratio->interval.lower, 1.0) << describe_result(r, "the pre-warm");
    EXPECT_GT(r.ratio->interval.upper, 1.0);
    const std::string text = describe_result(r, "the pre-warm");
    EXPECT_NE(text.find("do not tell the two arms apart"), std::string::npos) << text;
    // Never a claim of treatment.
    EXPECT_EQ(text.find("prevent"), std::string::npos);
    EXPECT_EQ(text.find("treat"), std::string::npos);
}

}  // namespace
}  // namespace bedtimed::cramplog
