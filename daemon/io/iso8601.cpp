// RFC 3339 / ISO-8601 times in payloads and templates: a strict reader (a zone
// is required) and the UTC writer.
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>

#include "iso8601.hpp"

namespace bedtimed {

std::optional<WallTime> parse_iso8601(std::string_view s) {
    // YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM]
    auto num = [&](std::size_t pos, std::size_t len, int& out) {
        // Digits only: from_chars would also take a sign ("T-1:00:00").
        if (pos + len > s.size() || !std::isdigit(static_cast<unsigned char>(s[pos]))) return false;
        auto [p, ec] = std::from_chars(s.data() + pos, s.data() + pos + len, out);
        return ec == std::errc() && p == s.data() + pos + len;
    };
    int y, mo, d, h, mi, sec;
    if (s.size() < 19 || !num(0, 4, y) || s[4] != '-' || !num(5, 2, mo) || s[7] != '-' ||
        !num(8, 2, d) || (s[10] != 'T' && s[10] != ' ' && s[10] != 't') || !num(11, 2, h) ||
        s[13] != ':' || !num(14, 2, mi) || s[16] != ':' || !num(17, 2, sec))
        return std::nullopt;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return std::nullopt;
    // A nanosecond WallTime spans 1677..2262; outside it the sum below overflows.
    if (y < 1700 || y > 2200) return std::nullopt;
    std::size_t i = 19;
    long long nanos = 0;
    if (i < s.size() && s[i] == '.') {
        ++i;
        int digits = 0;
        while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
            if (digits < 9) nanos = nanos * 10 + (s[i] - '0'), ++digits;
            ++i;
        }
        if (digits == 0) return std::nullopt;
        while (digits++ < 9) nanos *= 10;
    }
    long offset_s = 0;
    if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
        ++i;
    } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
        int oh, om;
        if (!num(i + 1, 2, oh) || i + 3 >= s.size() || s[i + 3] != ':' || !num(i + 4, 2, om) ||
            oh > 23 || om > 59)
            return std::nullopt;
        offset_s = (oh * 3600 + om * 60) * (s[i] == '-' ? -1 : 1);
        i += 6;
    } else {
        return std::nullopt;  // no zone: ambiguous, refuse
    }
    if (i != s.size()) return std::nullopt;
    const std::chrono::year_month_day ymd{std::chrono::year(y),
                                          std::chrono::month(static_cast<unsigned>(mo)),
                                          std::chrono::day(static_cast<unsigned>(d))};
    if (!ymd.ok()) return std::nullopt;
    const auto days = std::chrono::sys_days(ymd);
    return WallTime(std::chrono::duration_cast<WallTime::duration>(
        days.time_since_epoch() + std::chrono::hours(h) + std::chrono::minutes(mi) +
        std::chrono::seconds(sec - offset_s) + std::chrono::nanoseconds(nanos)));
}

std::string format_iso8601(WallTime t) {
    const auto secs = std::chrono::floor<std::chrono::seconds>(t);
    const auto days = std::chrono::floor<std::chrono::days>(secs);
    const std::chrono::year_month_day ymd{days};
    const std::chrono::hh_mm_ss hms{secs - days};
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02ld:%02ld:%02lldZ",
                  static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()), static_cast<long>(hms.hours().count()),
                  static_cast<long>(hms.minutes().count()),
                  static_cast<long long>(hms.seconds().count()));
    return buf;
}

}  // namespace bedtimed
