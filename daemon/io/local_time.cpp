#include "local_time.hpp"

#include <cstdio>

namespace bedtimed {

const date::time_zone* zone_named(const std::string& name) {
    return name.empty() ? date::current_zone() : date::locate_zone(name);
}

WallTime at_local(const date::time_zone* zone, date::local_days day, int minutes) {
    const auto local = date::local_seconds(day) + std::chrono::minutes(minutes);
    const date::local_info info = zone->get_info(local);
    // info.first is the offset in force before the instant in question. For a
    // unique time it is the only one; for a time in a spring-forward gap it is
    // the pre-gap offset, which lands the time as far past the jump as it was
    // past the gap's start (02:30 → 03:30); for a repeated time it is the first
    // (summer) offset, i.e. the first occurrence. One formula for all three.
    const std::chrono::sys_seconds sys(local.time_since_epoch() - info.first.offset);
    return std::chrono::time_point_cast<WallTime::duration>(sys);
}

date::local_days local_day(const date::time_zone* zone, WallTime t) {
    const auto local = zone->to_local(std::chrono::time_point_cast<std::chrono::seconds>(t));
    return date::floor<date::days>(local);
}

int local_minutes(const date::time_zone* zone, WallTime t) {
    const auto local = zone->to_local(std::chrono::time_point_cast<std::chrono::seconds>(t));
    const auto since_midnight = local - date::floor<date::days>(local);
    return static_cast<int>(
        std::chrono::duration_cast<std::chrono::minutes>(since_midnight).count());
}

unsigned local_weekday(const date::time_zone* zone, WallTime t) {
    return date::weekday(local_day(zone, t)).c_encoding();
}

std::string local_text(const date::time_zone* zone, WallTime t) {
    return date::format(
        "%F %H:%M %Z",
        date::make_zoned(zone, std::chrono::time_point_cast<std::chrono::seconds>(t)));
}

std::string date_text(date::local_days day) {
    // By hand rather than date::format("%F"): this runs for every sensor
    // reading (RoutineRunner::roll_night), and a stringstream with its locale
    // costs about 5,000 instructions a call.
    const date::year_month_day ymd{day};
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
    return buf;
}

}  // namespace bedtimed
