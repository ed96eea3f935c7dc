// The adaptive tier policy: how often cramps have happened lately decides how
// the evening is set up (earlier stretch and hydration reminders, a longer
// pre-warm within the pad's cap, an extra stretch reminder).
//
// The evening is adjusted as a comfort and reminder aid only; nothing here
// claims that an adjustment treats or prevents cramps (the README's health note).
//
// Policy, with TierPolicy's defaults (rate = episodes in the last 7 nights,
// false positives already left out by the caller):
//
//   from      to        when
//   calm      moderate  rate >= 1.5/week
//   calm      frequent  rate >= 4/week
//   moderate  frequent  rate >= 4/week
//   moderate  calm      rate <  0.75/week
//   frequent  moderate  rate <  3/week
//   frequent  calm      rate <  0.75/week
//
// Entering and leaving a tier use different thresholds (hysteresis), so a rate
// hovering near one value does not flip the evening back and forth; and no
// change happens until the current tier has been in force for
// min_days_in_tier nights.
//
// Pure and deterministic: no I/O, no clock ("today" is the last element of the
// input). Any thread. Nothing throws apart from std::bad_alloc.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "config.hpp"

namespace bedtimed::cramplog {

enum class Tier { calm, moderate, frequent };

const char* tier_name(Tier t) noexcept;  // "calm", "moderate", "frequent"

// All thresholds are episodes per week. Each leave threshold is below the
// matching enter threshold; with the 7-night window the rate is a whole count,
// so the defaults mean: moderate from 2, back to calm only at 0; frequent from
// 4, back to moderate at 2 or fewer.
struct TierPolicy {
    int window_nights = 7;         // nights in the rate; < 1 is treated as 1
    double enter_moderate = 1.5;   // calm -> moderate at or above
    double leave_moderate = 0.75;  // moderate or frequent -> calm below
    double enter_frequent = 4.0;   // calm or moderate -> frequent at or above
    double leave_frequent = 3.0;   // frequent -> moderate below
    int min_days_in_tier = 5;      // nights in force before any change
};

struct TierState {
    Tier tier = Tier::calm;
    // Nights this tier has been in force, counting the latest decision. A new
    // sleeper starts at {calm, 0}, so the first min_days_in_tier nights of a
    // log also act as a warm-up.
    int days_in_tier = 0;
};

struct TierDecision {
    TierState state;
    double rate_per_week = 0;
    bool changed = false;
    // A change was due by the thresholds but the tier is younger than
    // min_days_in_tier; it will be reconsidered on the next night.
    bool held = false;
    // Only when changed, e.g. "7-day rate 4.0/week ≥ 4.0 → frequent".
    std::string reason;
};

// Episodes per week over the last policy.window_nights entries. Nights before
// the start of the log count as zero (a short log never escalates on one bad
// night); negative counts are treated as zero.
double weekly_rate(const TierPolicy& policy, const std::vector<int>& nightly_counts);

// Called once per night. `nightly_counts` are episode counts for consecutive
// nights, the newest (tonight's decision is based on it) last. `previous` is
// the state returned by the call for the night before.
TierDecision decide_tier(const TierPolicy& policy, TierState previous,
                         const std::vector<int>& nightly_counts);

// What a tier does to the evening. Offsets are from bedtime (negative =
// before), as in config::ReminderStep; routine_earlier_by moves the whole
// routine, bedtime anchor included, and is applied by the planner.
struct Adjustments {
    std::chrono::minutes stretch_offset{0};
    std::chrono::minutes hydration_offset{0};
    std::chrono::minutes prewarm_minutes{0};  // never above the pad's cap
    std::chrono::minutes routine_earlier_by{0};
    bool extra_stretch_reminder = false;

    bool operator==(const Adjustments&) const = default;
};

// calm     = the configured values;
// moderate = stretch 10 min earlier, pre-warm +5 min;
// frequent = stretch 15 min earlier, hydration 15 min earlier, pre-warm
//            +10 min, an extra stretch reminder.
// prewarm_minutes is clamped to `pad_cap` (whole minutes, rounded down) in
// every tier, the configured value included. The cold-room rule
// (PrewarmStep::cold_minutes) is left as configured. `clustered_early` (see
// clusters_early) moves the routine 15 min earlier in any tier.
Adjustments adjustments_for(Tier tier, const config::SleeperSpec& base,
                            std::chrono::seconds pad_cap, bool clustered_early = false);

// Cramps cluster early in the night: at least min_episodes episodes and at
// least `share` of them within `within` after bedtime. The caller passes each
// episode's time after that night's bedtime over the period it chose (28 days
// suggested), false positives left out; episodes before bedtime count as
// outside the window.
struct EarlyClusterPolicy {
    double share = 0.6;
    std::chrono::minutes within{120};
    int min_episodes = 4;  // below this the share says nothing
};
bool clusters_early(const EarlyClusterPolicy& policy,
                    const std::vector<std::chrono::minutes>& since_bedtime);

// The sleeper's evening with `a` applied: reminder offsets, pre-warm minutes,
// the extra stretch reminder, and every weekday's bedtime moved earlier by
// routine_earlier_by (the whole routine moves with it; never before 00:00).
config::SleeperSpec adapted_spec(const config::SleeperSpec& base, const Adjustments& a);

// The differences, e.g. "stretch reminder T-20 → T-35, pre-warm 15 → 25 min";
// empty when the two are equal.
std::string describe_change(const Adjustments& before, const Adjustments& after);

// The whole human reason for a decision: decision.reason followed by what it
// changes in the evening, e.g. "7-day rate 4.0/week ≥ 4.0 → frequent: stretch
// reminder T-20 → T-35, ...". Empty when the decision did not change the tier.
std::string explain(const TierDecision& decision, Tier previous, const config::SleeperSpec& base,
                    std::chrono::seconds pad_cap, bool clustered_early = false);

}  // namespace bedtimed::cramplog
