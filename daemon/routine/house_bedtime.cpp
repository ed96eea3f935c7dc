// Tonight's bedtime from the house (life.hpp): a reading plus an offset,
// within the evening's bounds, fixed shortly before bedtime.
#include <fmt/format.h>

#include "life.hpp"
#include "local_time.hpp"

namespace bedtimed::routine {

namespace {

constexpr int kNoon = 12 * 60;

std::string hhmm(const date::time_zone* zone, WallTime t) {
    return local_text(zone, t).substr(11, 5);
}

Duration distance(WallTime a, WallTime b) { return a > b ? a - b : b - a; }

// The reading as an instant, for the plan whose bedtime is `near`: a time of
// day alone is the occurrence that, with the offset, lands nearest it.
WallTime reading_instant(const ClockReading& r, const config::BedtimeSource& src,
                         const date::time_zone* zone, WallTime near) {
    switch (r.kind) {
        case ClockReading::Kind::instant:
            return r.instant;
        case ClockReading::Kind::local_date:
            return at_local(zone, r.day, r.minutes);
        case ClockReading::Kind::local_time:
            break;
    }
    const date::local_days day = local_day(zone, near);
    WallTime best = at_local(zone, day, r.minutes);
    for (int d = -1; d <= 2; ++d) {
        const WallTime t = at_local(zone, day + date::days(d), r.minutes);
        if (distance(t + src.offset, near) < distance(best + src.offset, near)) best = t;
    }
    return best;
}

// A bound's instant on the evening of `evening`: from noon on, that day; before noon, the next.
WallTime bound_on(const date::time_zone* zone, date::local_days evening, int minutes) {
    return at_local(zone, minutes >= kNoon ? evening : evening + date::days(1), minutes);
}

}  // namespace

NightPlan replan_at(const config::SleeperSpec&, const NightPlan& scheduled, WallTime bedtime) {
    NightPlan plan = scheduled;
    const Duration shift = bedtime - scheduled.bedtime;
    plan.bedtime = bedtime;
    for (auto& step : plan.steps) step.at += shift;
    return plan;
}

HouseBedtime decide_house_bedtime(const config::BedtimeSource& src, const NightPlan& scheduled,
                                  const std::optional<ClockReading>& reading,
                                  const std::optional<WallTime>& applied,
                                  const date::time_zone* zone, WallTime now, bool says_none) {
    const WallTime in_force = applied.value_or(scheduled.bedtime);
    if (now >= in_force - src.fixed_before)
        return {applied, fmt::format("tonight's plan is fixed (from {} min before bedtime {})",
                                     src.fixed_before.count(), hhmm(zone, in_force))};
    const std::string schedule = "the schedule's bedtime " + hhmm(zone, scheduled.bedtime);
    if (!reading && says_none)
        return {std::nullopt,
                "'" + src.sensor + "' says there is none (no alarm set): " + schedule};
    if (!reading) return {std::nullopt, "no fresh reading from '" + src.sensor + "': " + schedule};
    const WallTime at = reading_instant(*reading, src, zone, scheduled.bedtime);
    WallTime bedtime = at + src.offset;
    if (distance(bedtime, scheduled.bedtime) > std::chrono::hours(12))
        return {std::nullopt, "'" + src.sensor + "' reads " + local_text(zone, at) +
                                  ", not tonight's: " + schedule};
    const auto offset_min = std::chrono::duration_cast<std::chrono::minutes>(src.offset).count();
    std::string why =
        fmt::format("bedtime {{}} from '{}' ({} {} {} min)", src.sensor, hhmm(zone, at),
                    offset_min < 0 ? "-" : "+", offset_min < 0 ? -offset_min : offset_min);
    const date::local_days evening = local_day(zone, scheduled.bedtime - std::chrono::hours(12));
    const WallTime earliest = bound_on(zone, evening, src.earliest);
    const WallTime latest = bound_on(zone, evening, src.latest);
    if (bedtime < earliest) {
        why += ", raised to the earliest " + hhmm(zone, earliest);
        bedtime = earliest;
    } else if (bedtime > latest) {
        why += ", lowered to the latest " + hhmm(zone, latest);
        bedtime = latest;
    }
    if (bedtime < now) {
        why += ", not before now";
        bedtime = now;
    }
    return {bedtime, fmt::format(fmt::runtime(why), hhmm(zone, bedtime))};
}

}  // namespace bedtimed::routine
