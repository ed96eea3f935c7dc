#include "adaptation.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace bedtimed::cramplog {

namespace {

using std::chrono::minutes;

// One decimal, as in every reason; a threshold such as 0.75 keeps the digits it
// needs, so the text never shows a different number than the one compared.
std::string number_text(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", v);
    if (std::fabs(std::round(v * 10) - v * 10) > 1e-9) std::snprintf(buf, sizeof buf, "%.2f", v);
    return buf;
}

std::string offset_text(minutes m) {
    const auto n = m.count();
    if (n == 0) return "T";
    return (n < 0 ? "T-" : "T+") + std::to_string(n < 0 ? -n : n);
}

std::string rate_reason(const TierPolicy& p, double rate, const char* op, double threshold,
                        Tier to) {
    return std::to_string(std::max(p.window_nights, 1)) + "-day rate " + number_text(rate) +
           "/week " + op + " " + number_text(threshold) + " → " + tier_name(to);
}

}  // namespace

const char* tier_name(Tier t) noexcept {
    switch (t) {
        case Tier::calm:
            return "calm";
        case Tier::moderate:
            return "moderate";
        case Tier::frequent:
            return "frequent";
    }
    return "calm";
}

double weekly_rate(const TierPolicy& policy, const std::vector<int>& nightly_counts) {
    const auto window = static_cast<std::size_t>(std::max(policy.window_nights, 1));
    const auto n = std::min(window, nightly_counts.size());
    long sum = 0;
    for (auto it = nightly_counts.end() - static_cast<std::ptrdiff_t>(n);
         it != nightly_counts.end(); ++it)
        sum += std::max(*it, 0);
    return static_cast<double>(sum) * 7.0 / static_cast<double>(window);
}

TierDecision decide_tier(const TierPolicy& policy, TierState previous,
                         const std::vector<int>& nightly_counts) {
    TierDecision d;
    d.rate_per_week = weekly_rate(policy, nightly_counts);
    const double r = d.rate_per_week;

    // Where the thresholds alone would put us, and the comparison that says so.
    Tier target = previous.tier;
    std::string why;
    switch (previous.tier) {
        case Tier::calm:
            if (r >= policy.enter_frequent) {
                target = Tier::frequent;
                why = rate_reason(policy, r, "≥", policy.enter_frequent, target);
            } else if (r >= policy.enter_moderate) {
                target = Tier::moderate;
                why = rate_reason(policy, r, "≥", policy.enter_moderate, target);
            }
            break;
        case Tier::moderate:
            if (r >= policy.enter_frequent) {
                target = Tier::frequent;
                why = rate_reason(policy, r, "≥", policy.enter_frequent, target);
            } else if (r < policy.leave_moderate) {
                target = Tier::calm;
                why = rate_reason(policy, r, "<", policy.leave_moderate, target);
            }
            break;
        case Tier::frequent:
            if (r < policy.leave_moderate) {
                target = Tier::calm;
                why = rate_reason(policy, r, "<", policy.leave_moderate, target);
            } else if (r < policy.leave_frequent) {
                target = Tier::moderate;
                why = rate_reason(policy, r, "<", policy.leave_frequent, target);
            }
            break;
    }

    if (target != previous.tier && previous.days_in_tier >= policy.min_days_in_tier) {
        d.state = {target, 1};
        d.changed = true;
        d.reason = std::move(why);
    } else {
        d.state = {previous.tier, previous.days_in_tier + 1};
        d.held = target != previous.tier;
    }
    return d;
}

Adjustments adjustments_for(Tier tier, const config::SleeperSpec& base,
                            std::chrono::seconds pad_cap, bool clustered_early) {
    Adjustments a;
    a.stretch_offset = base.stretch.offset;
    a.hydration_offset = base.hydration.offset;
    a.prewarm_minutes = base.prewarm.minutes;
    switch (tier) {
        case Tier::calm:
            break;
        case Tier::moderate:
            a.stretch_offset -= minutes(10);
            a.prewarm_minutes += minutes(5);
            break;
        case Tier::frequent:
            a.stretch_offset -= minutes(15);
            a.hydration_offset -= minutes(15);
            a.prewarm_minutes += minutes(10);
            a.extra_stretch_reminder = true;
            break;
    }
    // The cap is a safety limit (docs/routines.md, safety rules), so it wins over the tier and
    // over the configured value alike; floor so a 17.5 min cap gives 17.
    const auto cap = std::max(std::chrono::floor<minutes>(pad_cap), minutes(0));
    a.prewarm_minutes = std::clamp(a.prewarm_minutes, minutes(0), cap);
    if (clustered_early) a.routine_earlier_by = minutes(15);
    return a;
}

config::SleeperSpec adapted_spec(const config::SleeperSpec& base, const Adjustments& a) {
    config::SleeperSpec s = base;
    s.stretch.offset = a.stretch_offset;
    s.hydration.offset = a.hydration_offset;
    s.prewarm.minutes = a.prewarm_minutes;
    s.extra_stretch.enabled = a.extra_stretch_reminder && base.stretch.enabled;
    if (a.routine_earlier_by > minutes(0))
        for (auto& b : s.bedtime)
            if (b) b = std::max(0, *b - static_cast<int>(a.routine_earlier_by.count()));
    return s;
}

bool clusters_early(const EarlyClusterPolicy& policy,
                    const std::vector<std::chrono::minutes>& since_bedtime) {
    const auto total = static_cast<int>(since_bedtime.size());
    if (total == 0 || total < policy.min_episodes) return false;
    const auto early = std::count_if(since_bedtime.begin(), since_bedtime.end(), [&](minutes m) {
        return m >= minutes(0) && m <= policy.within;
    });
    return static_cast<double>(early) >= policy.share * static_cast<double>(total);
}

std::string describe_change(const Adjustments& before, const Adjustments& after) {
    std::vector<std::string> parts;
    if (before.routine_earlier_by != after.routine_earlier_by)
        parts.push_back("routine earlier by " + std::to_string(before.routine_earlier_by.count()) +
                        " → " + std::to_string(after.routine_earlier_by.count()) + " min");
    if (before.stretch_offset != after.stretch_offset)
        parts.push_back("stretch reminder " + offset_text(before.stretch_offset) + " → " +
                        offset_text(after.stretch_offset));
    if (before.extra_stretch_reminder != after.extra_stretch_reminder)
        parts.push_back(after.extra_stretch_reminder ? "extra stretch reminder on"
                                                     : "extra stretch reminder off");
    if (before.hydration_offset != after.hydration_offset)
        parts.push_back("hydration reminder " + offset_text(before.hydration_offset) + " → " +
                        offset_text(after.hydration_offset));
    if (before.prewarm_minutes != after.prewarm_minutes)
        parts.push_back("pre-warm " + std::to_string(before.prewarm_minutes.count()) + " → " +
                        std::to_string(after.prewarm_minutes.count()) + " min");
    std::string out;
    for (const auto& p : parts) {
        if (!out.empty()) out += ", ";
        out += p;
    }
    return out;
}

std::string explain(const TierDecision& decision, Tier previous, const config::SleeperSpec& base,
                    std::chrono::seconds pad_cap, bool clustered_early) {
    if (!decision.changed) return {};
    const auto change =
        describe_change(adjustments_for(previous, base, pad_cap, clustered_early),
                        adjustments_for(decision.state.tier, base, pad_cap, clustered_early));
    return change.empty() ? decision.reason : decision.reason + ": " + change;
}

}  // namespace bedtimed::cramplog
