// The adaptive tier policy: thresholds with hysteresis, the minimum stay in a
// tier, what each tier does to the evening (within the pad's cap), and a
// golden six-week transcript that pins the whole policy down at once.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "adaptation.hpp"

using bedtimed::config::SleeperSpec;
using bedtimed::cramplog::Adjustments;
using bedtimed::cramplog::adjustments_for;
using bedtimed::cramplog::clusters_early;
using bedtimed::cramplog::decide_tier;
using bedtimed::cramplog::describe_change;
using bedtimed::cramplog::EarlyClusterPolicy;
using bedtimed::cramplog::explain;
using bedtimed::cramplog::Tier;
using bedtimed::cramplog::tier_name;
using bedtimed::cramplog::TierPolicy;
using bedtimed::cramplog::TierState;
using bedtimed::cramplog::weekly_rate;
using std::chrono::minutes;

namespace {

constexpr std::chrono::seconds kCap{30 * 60};  // ActuatorSpec::max_on's default

// Seven nights holding `total` (0..7) episodes, one each on the last nights of
// the week: deterministic, and it lets a rise arrive fast enough for the
// minimum stay in a tier to show.
std::vector<int> week(int total) {
    std::vector<int> out;
    for (int i = 0; i < 7; ++i) out.push_back(i >= 7 - total ? 1 : 0);
    return out;
}

// `n` nights of `per_night` episodes each.
std::vector<int> nights(int n, int per_night) {
    return std::vector<int>(static_cast<std::size_t>(n), per_night);
}

// The tier plain thresholds would give (calm < 1/week, moderate 1-3, frequent
// > 3), with no hysteresis: where the policy differs and was not held by the
// minimum stay, hysteresis is what kept the tier.
Tier plain_tier(double rate) {
    if (rate > 3) return Tier::frequent;
    if (rate >= 1) return Tier::moderate;
    return Tier::calm;
}

std::string rate_text(double r) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%.1f", r);
    return buf;
}

}  // namespace

TEST(CramplogAdaptation, GoldenSixWeekTranscript) {
    // Episodes per week rise then fall: 0, 1, 3, 6, 2, 0.
    std::vector<int> all;
    for (int k : {0, 1, 3, 6, 2, 0}) {
        const auto w = week(k);
        all.insert(all.end(), w.begin(), w.end());
    }
    ASSERT_EQ(all.size(), 42u);

    const TierPolicy policy;
    const SleeperSpec base;
    TierState state;  // a new sleeper: calm, 0 nights
    std::string transcript;
    std::vector<int> so_far;
    for (std::size_t night = 0; night < all.size(); ++night) {
        so_far.push_back(all[night]);
        const auto d = decide_tier(policy, state, so_far);
        const auto prefix = "night " + std::to_string(night + 1) + ": ";
        if (d.changed) {
            ASSERT_FALSE(d.reason.empty());
            EXPECT_EQ(d.state.days_in_tier, 1);
            transcript += prefix + explain(d, state.tier, base, kCap) + "\n";
        } else {
            EXPECT_TRUE(d.reason.empty());
            EXPECT_EQ(d.state.days_in_tier, state.days_in_tier + 1);
            if (d.held)
                transcript += prefix + "held in " + tier_name(state.tier) + " at " +
                              rate_text(d.rate_per_week) + "/week (" +
                              std::to_string(state.days_in_tier) + " nights in tier)\n";
            else if (plain_tier(d.rate_per_week) != d.state.tier)
                transcript += prefix + "kept " + tier_name(state.tier) + " at " +
                              rate_text(d.rate_per_week) + "/week (hysteresis)\n";
        }
        state = d.state;
    }
    // Checked by hand against the counts (episodes on nights 14, 19-21, 23-28,
    // 34-35): 1/week never leaves calm; moderate is due to become frequent on
    // night 23 but has only 4 nights behind it; frequent survives 3/week on
    // night 32; moderate holds at 1/week until the window is empty on night 42.
    const std::string expected =
        "night 14: kept calm at 1.0/week (hysteresis)\n"
        "night 15: kept calm at 1.0/week (hysteresis)\n"
        "night 16: kept calm at 1.0/week (hysteresis)\n"
        "night 17: kept calm at 1.0/week (hysteresis)\n"
        "night 18: kept calm at 1.0/week (hysteresis)\n"
        "night 19: 7-day rate 2.0/week ≥ 1.5 → moderate: stretch reminder T-20 → T-30, "
        "pre-warm 15 → 20 min\n"
        "night 23: held in moderate at 4.0/week (4 nights in tier)\n"
        "night 24: 7-day rate 5.0/week ≥ 4.0 → frequent: stretch reminder T-30 → T-35, "
        "extra stretch reminder on, hydration reminder T-90 → T-105, pre-warm 20 → 25 min\n"
        "night 32: kept frequent at 3.0/week (hysteresis)\n"
        "night 33: 7-day rate 2.0/week < 3.0 → moderate: stretch reminder T-35 → T-30, "
        "extra stretch reminder off, hydration reminder T-105 → T-90, pre-warm 25 → 20 min\n"
        "night 42: 7-day rate 0.0/week < 0.75 → calm: stretch reminder T-30 → T-20, "
        "pre-warm 20 → 15 min\n";
    EXPECT_EQ(transcript, expected) << transcript;
}

TEST(CramplogAdaptation, RateBetweenLeaveAndEnterKeepsTheTier) {
    const TierPolicy policy;
    const auto one = week(1);    // 1/week: between 0.75 and 1.5
    const auto three = week(3);  // 3/week: between 3 and 4
    for (const auto& [tier, counts] :
         {std::pair{Tier::calm, one}, std::pair{Tier::moderate, one},
          std::pair{Tier::moderate, three}, std::pair{Tier::frequent, three}}) {
        const auto d = decide_tier(policy, {tier, 30}, counts);
        EXPECT_FALSE(d.changed) << tier_name(tier);
        EXPECT_FALSE(d.held) << tier_name(tier);
        EXPECT_EQ(d.state.tier, tier);
        EXPECT_EQ(d.state.days_in_tier, 31);
    }
    // Just past either side of the band does change.
    EXPECT_EQ(decide_tier(policy, {Tier::calm, 30}, week(2)).state.tier, Tier::moderate);
    EXPECT_EQ(decide_tier(policy, {Tier::moderate, 30}, week(0)).state.tier, Tier::calm);
    EXPECT_EQ(decide_tier(policy, {Tier::moderate, 30}, week(4)).state.tier, Tier::frequent);
    EXPECT_EQ(decide_tier(policy, {Tier::frequent, 30}, week(2)).state.tier, Tier::moderate);
}

TEST(CramplogAdaptation, MinimumDaysInTierHoldsAChange) {
    const TierPolicy policy;  // 5 nights
    const auto d4 = decide_tier(policy, {Tier::moderate, 4}, nights(7, 1));
    EXPECT_FALSE(d4.changed);
    EXPECT_TRUE(d4.held);
    EXPECT_TRUE(d4.reason.empty());
    EXPECT_EQ(d4.state.tier, Tier::moderate);
    EXPECT_EQ(d4.state.days_in_tier, 5);

    const auto d5 = decide_tier(policy, d4.state, nights(7, 1));
    EXPECT_TRUE(d5.changed);
    EXPECT_FALSE(d5.held);
    EXPECT_EQ(d5.state.tier, Tier::frequent);
    EXPECT_EQ(d5.state.days_in_tier, 1);
    EXPECT_EQ(d5.reason, "7-day rate 7.0/week ≥ 4.0 → frequent");

    // A new sleeper's first nights are a warm-up, and a policy without a
    // minimum changes at once.
    EXPECT_TRUE(decide_tier(policy, {}, nights(1, 5)).held);
    TierPolicy eager;
    eager.min_days_in_tier = 0;
    EXPECT_EQ(decide_tier(eager, {}, nights(1, 5)).state.tier, Tier::frequent);
}

TEST(CramplogAdaptation, TierCanJumpBothWays) {
    const TierPolicy policy;
    const auto up = decide_tier(policy, {Tier::calm, 10}, nights(7, 1));
    EXPECT_EQ(up.state.tier, Tier::frequent);
    EXPECT_EQ(up.reason, "7-day rate 7.0/week ≥ 4.0 → frequent");
    const auto down = decide_tier(policy, {Tier::frequent, 10}, nights(7, 0));
    EXPECT_EQ(down.state.tier, Tier::calm);
    EXPECT_EQ(down.reason, "7-day rate 0.0/week < 0.75 → calm");
}

TEST(CramplogAdaptation, NoChangeGivesNoReason) {
    const TierPolicy policy;
    const auto d = decide_tier(policy, {Tier::calm, 10}, nights(30, 0));
    EXPECT_FALSE(d.changed);
    EXPECT_FALSE(d.held);
    EXPECT_TRUE(d.reason.empty());
    EXPECT_TRUE(explain(d, Tier::calm, SleeperSpec{}, kCap).empty());
    EXPECT_TRUE(describe_change(Adjustments{}, Adjustments{}).empty());
}

TEST(CramplogAdaptation, RateUsesTheLastWindowAndTreatsMissingNightsAsZero) {
    const TierPolicy policy;
    EXPECT_DOUBLE_EQ(weekly_rate(policy, {}), 0.0);
    EXPECT_DOUBLE_EQ(weekly_rate(policy, {3}), 3.0);  // not scaled up to 21/week
    EXPECT_DOUBLE_EQ(weekly_rate(policy, {5, 5, 0, 0, 0, 0, 0, 1, 1}), 2.0);
    EXPECT_DOUBLE_EQ(weekly_rate(policy, {-2, 1}), 1.0);
    TierPolicy fortnight;
    fortnight.window_nights = 14;
    EXPECT_DOUBLE_EQ(weekly_rate(fortnight, nights(14, 1)), 7.0);
    EXPECT_DOUBLE_EQ(weekly_rate(fortnight, {1}), 0.5);
}

TEST(CramplogAdaptation, AdjustmentsPerTier) {
    const SleeperSpec base;  // stretch T-20, hydration T-90, pre-warm 15
    const auto calm = adjustments_for(Tier::calm, base, kCap);
    EXPECT_EQ(calm.stretch_offset, minutes(-20));
    EXPECT_EQ(calm.hydration_offset, minutes(-90));
    EXPECT_EQ(calm.prewarm_minutes, minutes(15));
    EXPECT_EQ(calm.routine_earlier_by, minutes(0));
    EXPECT_FALSE(calm.extra_stretch_reminder);

    const auto moderate = adjustments_for(Tier::moderate, base, kCap);
    EXPECT_EQ(moderate.stretch_offset, minutes(-30));
    EXPECT_EQ(moderate.hydration_offset, minutes(-90));
    EXPECT_EQ(moderate.prewarm_minutes, minutes(20));
    EXPECT_FALSE(moderate.extra_stretch_reminder);

    const auto frequent = adjustments_for(Tier::frequent, base, kCap);
    EXPECT_EQ(frequent.stretch_offset, minutes(-35));
    EXPECT_EQ(frequent.hydration_offset, minutes(-105));
    EXPECT_EQ(frequent.prewarm_minutes, minutes(25));
    EXPECT_TRUE(frequent.extra_stretch_reminder);
}

TEST(CramplogAdaptation, PrewarmNeverExceedsThePadCap) {
    SleeperSpec base;
    EXPECT_EQ(adjustments_for(Tier::frequent, base, minutes(20)).prewarm_minutes, minutes(20));
    EXPECT_EQ(
        adjustments_for(Tier::moderate, base, std::chrono::seconds(17 * 60 + 30)).prewarm_minutes,
        minutes(17));  // rounded down, never up
    // The configured value itself is clamped too.
    base.prewarm.minutes = minutes(40);
    EXPECT_EQ(adjustments_for(Tier::calm, base, kCap).prewarm_minutes, minutes(30));
    EXPECT_EQ(adjustments_for(Tier::calm, base, std::chrono::seconds(0)).prewarm_minutes,
              minutes(0));

    const auto reason = describe_change(adjustments_for(Tier::calm, base, kCap),
                                        adjustments_for(Tier::frequent, base, kCap));
    EXPECT_EQ(reason.find("pre-warm"), std::string::npos) << reason;  // both at the cap
}

TEST(CramplogAdaptation, EarlyClusterMovesTheRoutineEarlier) {
    const EarlyClusterPolicy policy;  // >= 60% within 2 h, at least 4 episodes
    EXPECT_TRUE(clusters_early(
        policy, {minutes(30), minutes(90), minutes(120), minutes(300), minutes(400)}));  // 3 of 5
    EXPECT_FALSE(clusters_early(
        policy, {minutes(30), minutes(90), minutes(121), minutes(300), minutes(400)}));  // 2 of 5
    EXPECT_FALSE(clusters_early(policy, {minutes(10), minutes(20), minutes(30)}));       // too few
    EXPECT_FALSE(clusters_early(policy, {}));
    EXPECT_FALSE(clusters_early(policy, {minutes(-10), minutes(-5), minutes(300), minutes(10)}));

    const SleeperSpec base;
    const auto early = adjustments_for(Tier::calm, base, kCap, true);
    EXPECT_EQ(early.routine_earlier_by, minutes(15));
    EXPECT_EQ(early.stretch_offset, minutes(-20));
    EXPECT_EQ(describe_change(adjustments_for(Tier::calm, base, kCap), early),
              "routine earlier by 0 → 15 min");
}

TEST(CramplogAdaptation, DescribeChangeFormatsOffsets) {
    Adjustments a;
    a.stretch_offset = minutes(-5);
    Adjustments b = a;
    b.stretch_offset = minutes(10);
    EXPECT_EQ(describe_change(a, b), "stretch reminder T-5 → T+10");
    b.stretch_offset = minutes(0);
    EXPECT_EQ(describe_change(a, b), "stretch reminder T-5 → T");
}
