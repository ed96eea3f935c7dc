#include "routine.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "local_time.hpp"

namespace bedtimed::routine {

namespace {

using config::SleeperSpec;
using std::chrono::minutes;

std::string hhmm(int m) { return fmt::format("{:02}:{:02}", m / 60, m % 60); }

std::string minutes_text(std::chrono::seconds d) {
    return fmt::format("{} min",
                       std::chrono::duration_cast<minutes>(d + std::chrono::seconds(30)).count());
}

const SensorReading* fresh(const config::Config& cfg, const SensorTable& sensors,
                           const std::string& name, SteadyTime now) {
    const auto* spec = cfg.find_sensor(name);
    if (!spec || is_stale(*spec, sensors, now)) return nullptr;
    auto it = sensors.find(name);
    return it == sensors.end() ? nullptr : &it->second;
}

// Local window [from, to) in minutes, wrapping midnight when from > to.
bool in_window(int m, int from, int to) {
    return from <= to ? (m >= from && m < to) : (m >= from || m < to);
}

// "" when the step's extra conditions hold, else why not.
std::string conditions_fail(const config::StepConditions& c, const SleeperState& st,
                            const Inputs& in) {
    const unsigned wd = local_weekday(in.zone, in.now);
    if (!c.weekdays[wd]) return "not on this weekday";
    if (c.window && !in_window(local_minutes(in.zone, in.now), c.window->first, c.window->second))
        return "outside " + hhmm(c.window->first) + "-" + hhmm(c.window->second);
    if (c.in_bed && st.in_bed != c.in_bed) return *c.in_bed ? "not in bed" : "already in bed";
    for (const auto& cond : c.conditions) {
        const std::string name = cond.operand.substr(7);  // "sensor."
        const SensorReading* r = fresh(in.cfg, in.sensors, name, in.steady_now);
        if (!r) return "sensor '" + name + "' is stale or missing";
        if (!condition_holds(cond, r->value))
            return "'" + cond.operand + " " + cond.literal_text + "' does not hold";
    }
    return {};
}

// "" when heat may go on now, else why not.
std::string heat_blocked(const SleeperSpec& s, const SleeperState& st, const Inputs& in) {
    if (s.heating_pad.empty()) return "no heating pad";
    if (st.manual_off_tonight) return "the pad was switched off by hand tonight";
    const SleepState sl = sleep_state(s, st, in);
    if (sl.asleep) return "asleep (" + sl.reason + ")";
    return {};
}

std::chrono::seconds cap_of(const Inputs& in, const SleeperSpec& s) {
    const auto* pad = in.cfg.find_actuator(s.heating_pad);
    return pad ? pad->max_on : std::chrono::seconds(0);
}

}  // namespace

std::string plan_night_text(PlanNight night) { return date_text(night.bedtime_date); }

std::optional<NightPlan> plan_night(const SleeperSpec& s, const date::time_zone* zone,
                                    PlanNight night) {
    const unsigned wd = date::weekday(night.bedtime_date).c_encoding();
    if (!s.bedtime[wd]) return std::nullopt;
    NightPlan plan;
    plan.night = night;
    plan.bedtime = at_local(zone, night.bedtime_date, *s.bedtime[wd]);
    for (const StepRow& row : kSteps)
        if (const auto offset = row.offset(s))
            plan.steps.push_back(Step{std::string(row.id), &row, plan.bedtime + *offset});
    std::stable_sort(plan.steps.begin(), plan.steps.end(),
                     [](const Step& a, const Step& b) { return a.at < b.at; });
    return plan;
}

std::optional<NightPlan> plan_in_log_night(const SleeperSpec& s, const date::time_zone* zone,
                                           date::local_days log_night) {
    constexpr int kNoon = 12 * 60;  // where the cramp log's nights begin (cramplog/night.hpp)
    auto bedtime_on = [&](date::local_days day) {
        return s.bedtime[date::weekday(day).c_encoding()];
    };
    if (const auto b = bedtime_on(log_night); b && *b >= kNoon)
        return plan_night(s, zone, PlanNight{log_night});
    const auto next = log_night + date::days(1);
    if (const auto b = bedtime_on(next); b && *b < kNoon)
        return plan_night(s, zone, PlanNight{next});
    return std::nullopt;
}

std::optional<NightPlan> current_plan(const SleeperSpec& s, const date::time_zone* zone,
                                      WallTime now) {
    const date::local_days today = local_day(zone, now);
    for (int d = -1; d <= 7; ++d) {
        auto plan = plan_night(s, zone, PlanNight{today + date::days(d)});
        if (plan && plan->ends() > now) return plan;
    }
    return std::nullopt;
}

SleepState sleep_state(const SleeperSpec& s, const SleeperState& st, const Inputs& in) {
    if (!s.sleep_sensor.empty()) {
        if (const SensorReading* r = fresh(in.cfg, in.sensors, s.sleep_sensor, in.steady_now)) {
            bool asleep = false;
            if (const auto* b = std::get_if<bool>(&r->value)) asleep = *b;
            if (const auto* t = std::get_if<std::string>(&r->value))
                asleep = std::find(s.asleep_values.begin(), s.asleep_values.end(), *t) !=
                         s.asleep_values.end();
            return {asleep, "sleep sensor reads " + to_text(r->value)};
        }
    }
    if (!s.occupancy_sensor.empty() && st.in_bed.value_or(false) &&
        fresh(in.cfg, in.sensors, s.occupancy_sensor, in.steady_now)) {
        WallTime since = st.in_bed_since;
        if (st.last_episode && *st.last_episode > since) since = *st.last_episode;
        const auto quiet = std::chrono::duration_cast<minutes>(in.now - since);
        if (quiet >= s.asleep_after_in_bed)
            return {true, fmt::format("in bed for {} min with no episode", quiet.count())};
        return {false, fmt::format("in bed for {} min", quiet.count())};
    }
    return {false, "not in bed"};
}

namespace {

Decision decide_reminder(const SleeperSpec& s, const Step& step, const std::string& when,
                         const SleeperState& st, const Inputs& in) {
    Decision d;
    const config::ReminderStep& r = *step.row->reminder(s);
    if (const auto why = conditions_fail(r.when, st, in); !why.empty()) {
        d.reason = step.id + " skipped: " + why;
        return d;
    }
    d.actions.push_back(Notify{step.id, r.title, r.message, false});
    d.reason = step.id + " reminder, " + when;
    return d;
}

Decision decide_active_day(const SleeperSpec& s, const Step& step, const Inputs& in) {
    Decision d;
    const auto& a = s.active_day;
    const SensorReading* r = fresh(in.cfg, in.sensors, a.sensor, in.steady_now);
    if (!r) {
        d.reason = "active-day check skipped: sensor '" + a.sensor + "' is stale or missing";
        return d;
    }
    const auto v = as_number(r->value);
    if (!v || *v <= a.above) {
        d.reason = fmt::format("active-day check: {} = {} is not above {}", a.sensor,
                               to_text(r->value), a.above);
        return d;
    }
    if (local_minutes(in.zone, r->wall) < a.after &&
        local_day(in.zone, r->wall) == local_day(in.zone, in.now)) {
        d.reason = "active-day check: the reading is from before " + hhmm(a.after);
        return d;
    }
    d.actions.push_back(Notify{step.id, a.title, a.message, false});
    d.reason = fmt::format("active day: {} = {} > {}", a.sensor, to_text(r->value), a.above);
    return d;
}

// The long pre-warm's cold-room test: "" with `why_cold` set when the room is
// cold enough, else the reason to skip.
std::string cold_room_fails(const SleeperSpec& s, const Inputs& in, std::string& why_cold) {
    // A heating decision never relies on a stale reading.
    const SensorReading* r = fresh(in.cfg, in.sensors, s.prewarm.cold_sensor, in.steady_now);
    if (!r)
        return "long pre-warm skipped: sensor '" + s.prewarm.cold_sensor + "' is stale or missing";
    const auto v = as_number(r->value);
    if (!v || *v >= s.prewarm.cold_below)
        return fmt::format("long pre-warm not needed: {} = {} is not below {}",
                           s.prewarm.cold_sensor, to_text(r->value), s.prewarm.cold_below);
    why_cold = fmt::format(" ({} = {} < {})", s.prewarm.cold_sensor, to_text(r->value),
                           s.prewarm.cold_below);
    return {};
}

Decision decide_prewarm(const SleeperSpec& s, const Step& step, const NightPlan& plan,
                        const SleeperState& st, const Inputs& in) {
    Decision d;
    const bool cold_step = step.row->kind == StepKind::prewarm_cold;
    if (const auto why = conditions_fail(s.prewarm.when, st, in); !why.empty()) {
        d.reason = step.id + " skipped: " + why;
        return d;
    }
    if (const auto why = heat_blocked(s, st, in); !why.empty()) {
        d.reason = step.id + " skipped: " + why;
        return d;
    }
    if (in.now >= plan.bedtime) {
        d.reason = step.id + " skipped: bedtime has passed";
        return d;
    }
    std::string why_cold;
    if (cold_step) {
        if (auto why = cold_room_fails(s, in, why_cold); !why.empty()) {
            d.reason = std::move(why);
            return d;
        }
    } else if (in.pad_on) {
        d.reason = "pre-warm: the pad is already warming";
        return d;
    }
    const auto until_bed = std::chrono::duration_cast<std::chrono::seconds>(plan.bedtime - in.now);
    const auto duration = std::min(until_bed, cap_of(in, s));
    d.actions.emplace_back(std::in_place_type<HeatOn>, duration);
    d.reason =
        fmt::format("{}pre-warm {} until bedtime {}{}", cold_step ? "cold room: long " : "",
                    minutes_text(duration), hhmm(local_minutes(in.zone, plan.bedtime)), why_cold);
    return d;
}

}  // namespace

Decision decide_step(const SleeperSpec& s, const Step& step, const NightPlan& plan,
                     const SleeperState& st, const Inputs& in) {
    switch (step.row->kind) {
        case StepKind::reminder: {
            const auto before = std::chrono::duration_cast<minutes>(plan.bedtime - step.at).count();
            const std::string when = fmt::format("T-{} before bedtime {}", before,
                                                 hhmm(local_minutes(in.zone, plan.bedtime)));
            return decide_reminder(s, step, when, st, in);
        }
        case StepKind::active_day:
            return decide_active_day(s, step, in);
        case StepKind::prewarm_cold:
        case StepKind::prewarm:
            return decide_prewarm(s, step, plan, st, in);
        case StepKind::count:
            break;
    }
    return {};
}

Decision decide_episode(const SleeperSpec& s, const NightPlan* plan, const SleeperState& st,
                        const Inputs& in, const Episode& e) {
    Decision d;
    d.actions.push_back(Notify{"episode", s.episode.title, s.episode.message, false});
    const std::string what =
        fmt::format("episode {} ({}s{})", e.id_text, to_text(episode_field(e, "duration_s")),
                    e.muscle.empty() ? "" : ", " + e.muscle);
    const bool at_night = plan && plan->episode_at_night(in.now);
    if (!s.episode.heat || s.heating_pad.empty()) {
        d.reason = what + ": guidance sent";
    } else if (!at_night) {
        d.reason = what + ": guidance sent; no heat outside the night";
    } else if (st.heats_tonight >= s.episode.max_heats_per_night) {
        d.reason = fmt::format("{}: guidance sent; no heat: already {} of {} tonight", what,
                               st.heats_tonight, s.episode.max_heats_per_night);
    } else if (st.manual_off_tonight) {
        d.reason = what + ": guidance sent; no heat: the pad was switched off by hand tonight";
    } else if (const SleepState sl = sleep_state(s, st, in); sl.asleep) {
        // Never re-arm heat for a cramp detected during sleep (the domain rule).
        d.reason = what + ": guidance sent; no heat: detected while asleep (" + sl.reason + ")";
    } else {
        const auto duration = std::min<std::chrono::seconds>(s.episode.heat_minutes, cap_of(in, s));
        d.actions.emplace_back(std::in_place_type<HeatOn>, duration);
        d.reason = fmt::format("{}: guidance sent; pad on for {} ({} of {} tonight)", what,
                               minutes_text(duration), st.heats_tonight + 1,
                               s.episode.max_heats_per_night);
    }
    return d;
}

Decision decide_occupancy(const SleeperSpec& s, const SleeperState& st, bool in_bed,
                          const Inputs& in) {
    Decision d;
    if (!s.elevation.enabled) return d;
    const int m = local_minutes(in.zone, in.now);
    std::string preset;
    if (in_bed) {
        if (!in_window(m, s.elevation.evening_from, s.elevation.evening_to)) {
            d.reason = "into bed outside the evening window: bed stays";
            return d;
        }
        preset = s.elevation.raised_preset;
    } else {
        if (!in_window(m, s.elevation.morning_from, s.elevation.evening_from)) {
            d.reason = "out of bed before " + hhmm(s.elevation.morning_from) + ": bed stays";
            return d;
        }
        preset = s.elevation.flat_preset;
    }
    // The bed never moves while the sleeper is asleep (per the sleep sensor;
    // a change of occupancy itself means the sleeper is moving).
    if (!s.sleep_sensor.empty()) {
        SleeperState awake = st;
        awake.in_bed = false;
        const SleepState sl = sleep_state(s, awake, in);
        if (sl.asleep) {
            d.reason = "bed stays: asleep (" + sl.reason + ")";
            return d;
        }
    }
    const auto* bed = in.cfg.find_actuator(s.bed);
    if (bed && st.last_bed_move && in.now - *st.last_bed_move < bed->min_move_interval) {
        d.reason = "bed stays: moved less than " + std::to_string(bed->min_move_interval.count()) +
                   "s ago";
        return d;
    }
    d.actions.emplace_back(std::in_place_type<MoveBed>, preset);
    d.reason = in_bed ? "into bed: legs slightly raised (" + preset + ")"
                      : "up in the morning: bed back to " + preset;
    return d;
}

}  // namespace bedtimed::routine
