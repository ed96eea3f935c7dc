#include "night.hpp"

#include "local_time.hpp"

namespace bedtimed::cramplog {

date::local_days night_of(const date::time_zone* zone, WallTime t) {
    // Noon to noon: shift back to the night's beginning in local time, then take the date.
    const auto local = zone->to_local(std::chrono::time_point_cast<std::chrono::seconds>(t));
    return date::floor<date::days>(local - kLogNightBegins);
}

std::string night_text(date::local_days night) { return date_text(night); }

}  // namespace bedtimed::cramplog
