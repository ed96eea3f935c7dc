#include "night.hpp"

#include "local_time.hpp"

namespace bedtimed::cramplog {

date::local_days night_of(const date::time_zone* zone, WallTime t) {
    // Noon to noon: shift back twelve hours of local time, then take the date.
    const auto local = zone->to_local(std::chrono::time_point_cast<std::chrono::seconds>(t));
    return date::floor<date::days>(local - std::chrono::hours(12));
}

std::string night_text(date::local_days night) { return date_text(night); }

}  // namespace bedtimed::cramplog
