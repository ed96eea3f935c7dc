#include "life.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "local_time.hpp"

namespace bedtimed::routine {

using config::SleeperSpec;

namespace {

std::string hours_text(Duration d) {
    const auto h = std::chrono::duration_cast<std::chrono::minutes>(d).count() / 60.0;
    return fmt::format("{:.0f} h", h);
}

// Each weekday's bedtime moved by `shift`, across midnight into the next or
// previous plan night (a 23:30 bedtime one hour later is the next day's 00:30).
void shift_bedtimes(SleeperSpec& s, std::chrono::minutes shift) {
    std::array<std::optional<int>, 7> moved{};
    constexpr int kDay = 24 * 60;
    for (int d = 0; d < 7; ++d) {
        const auto& m = s.bedtime[static_cast<std::size_t>(d)];
        if (!m) continue;
        int t = *m + static_cast<int>(shift.count()), day = d;
        while (t >= kDay) t -= kDay, day = (day + 1) % 7;
        while (t < 0) t += kDay, day = (day + 6) % 7;
        moved[static_cast<std::size_t>(day)] = t;
    }
    s.bedtime = moved;
}

void reminders_off(SleeperSpec& s) {
    s.hydration.enabled = s.supplement.enabled = s.stretch.enabled = false;
    s.extra_stretch.enabled = false;
    s.active_day.enabled = false;
}

void heat_off(SleeperSpec& s) {
    s.prewarm.enabled = false;
    s.episode.heat = false;
}

}  // namespace

ProfileInForce profile_in_force(const SleeperSpec& s, const std::optional<ProfileChoice>& choice,
                                const date::time_zone* zone, WallTime now) {
    ProfileInForce p;
    if (!choice || choice->name == kNormalProfile) {
        p.why = "the config as written";
        return p;
    }
    const config::ProfileSpec* spec = s.find_profile(choice->name);
    if (!spec) {
        p.expired = true;
        p.why = "profile '" + choice->name + "' is no longer in the config";
        return p;
    }
    if (choice->until && *choice->until <= now) {
        p.expired = true;
        p.why = choice->name + " ended at " + local_text(zone, *choice->until);
        return p;
    }
    p.name = spec->name;
    p.spec = spec;
    p.until = choice->until;
    p.why = "chosen at " + local_text(zone, choice->since) +
            (choice->until ? ", until " + local_text(zone, *choice->until) : std::string());
    return p;
}

std::optional<bool> presence_says_away(const config::AwayRule& rule, const Value& v) {
    if (const auto* b = std::get_if<bool>(&v)) return !*b;
    if (const auto* t = std::get_if<std::string>(&v))
        return std::find(rule.away_values.begin(), rule.away_values.end(), *t) !=
               rule.away_values.end();
    return std::nullopt;
}

AwayState decide_away(const SleeperSpec& s, const AwayInputs& in, WallTime now) {
    if (!s.away) return {false, "no away rule"};
    if (in.in_bed) return {false, "in bed"};
    const auto& rule = *s.away;
    const bool used_since_change =
        in.last_bed_use && in.presence_change && *in.last_bed_use > *in.presence_change;
    if (in.presence_away && *in.presence_away && !used_since_change)
        return {true, "presence sensor '" + rule.presence_sensor + "' says away"};
    if (rule.unused_after.count() > 0 && !s.occupancy_sensor.empty() && in.last_bed_use) {
        // A return (presence back home) starts the count again.
        WallTime since = *in.last_bed_use;
        if (in.presence_away && !*in.presence_away && in.presence_change)
            since = std::max(since, *in.presence_change);
        if (now - since >= rule.unused_after)
            return {true, "bed not used for " + hours_text(now - since)};
    }
    if (in.presence_away && *in.presence_away)
        return {false, "in bed since the presence said away"};
    return {false, in.presence_away ? "presence sensor says home"
                                    : "no fresh presence reading, and the bed is in use"};
}

bool shapes_evening(const ProfileInForce& profile, bool away) {
    if (away) return true;
    if (!profile.spec) return false;
    const auto& p = *profile.spec;
    return !p.heat || !p.elevation || !p.reminders || p.bedtime || p.bedtime_shift.count() != 0;
}

SleeperSpec shape_evening(const SleeperSpec& base, const ProfileInForce& profile, bool away) {
    SleeperSpec s = base;
    if (const auto* p = profile.spec) {
        if (!p->heat) heat_off(s);
        if (!p->elevation) s.elevation.enabled = false;
        if (!p->reminders) reminders_off(s);
        if (p->bedtime) {
            for (auto& day : s.bedtime)
                if (day) day = *p->bedtime;
        } else if (p->bedtime_shift.count() != 0) {
            shift_bedtimes(s, p->bedtime_shift);
        }
    }
    if (away) {
        heat_off(s);
        reminders_off(s);
        s.elevation.enabled = false;
    }
    return s;
}

}  // namespace bedtimed::routine
