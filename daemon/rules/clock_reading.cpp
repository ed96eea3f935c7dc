#include "clock_reading.hpp"

#include <charconv>
#include <cstdint>

#include "ingest.hpp"

namespace bedtimed {

namespace {

// "HH:MM" or "HH:MM:SS" → minutes after midnight.
std::optional<int> time_of_day(std::string_view s) {
    auto two = [&](std::size_t at, int max) -> std::optional<int> {
        if (at + 2 > s.size() || s[at] < '0' || s[at] > '9' || s[at + 1] < '0' || s[at + 1] > '9')
            return std::nullopt;
        const int v = (s[at] - '0') * 10 + (s[at + 1] - '0');
        return v <= max ? std::optional<int>(v) : std::nullopt;
    };
    if (s.size() != 5 && s.size() != 8) return std::nullopt;
    const auto h = two(0, 23), m = two(3, 59);
    if (!h || !m || s[2] != ':') return std::nullopt;
    if (s.size() == 8 && (s[5] != ':' || !two(6, 59))) return std::nullopt;
    return *h * 60 + *m;
}

std::optional<date::local_days> calendar_day(std::string_view s) {
    int y = 0;
    unsigned mo = 0, d = 0;
    if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
    auto num = [](std::string_view part, auto& out) {
        auto [p, ec] = std::from_chars(part.data(), part.data() + part.size(), out);
        return ec == std::errc() && p == part.data() + part.size();
    };
    if (!num(s.substr(0, 4), y) || !num(s.substr(5, 2), mo) || !num(s.substr(8, 2), d))
        return std::nullopt;
    const date::year_month_day ymd{date::year(y), date::month(mo), date::day(d)};
    if (!ymd.ok()) return std::nullopt;
    return date::local_days(ymd);
}

std::optional<ClockReading> epoch(std::string_view s) {
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || v <= 0) return std::nullopt;
    // Sleep as Android sends milliseconds; 1e11 s is the year 5138.
    const auto since =
        v >= 100'000'000'000 ? std::chrono::milliseconds(v) : std::chrono::milliseconds(v * 1000);
    ClockReading r;
    r.instant = WallTime(std::chrono::duration_cast<WallTime::duration>(since));
    return r;
}

}  // namespace

bool names_no_time(std::string_view s) {
    while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\r'))
        s.remove_suffix(1);
    return s.empty() || s == "unavailable" || s == "unknown" || s == "none" || s == "None";
}

std::optional<ClockReading> parse_clock_reading(std::string_view s) {
    while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\r'))
        s.remove_suffix(1);
    if (s.empty()) return std::nullopt;
    if (const auto m = time_of_day(s))
        return ClockReading{ClockReading::Kind::local_time, {}, {}, *m};
    if (s.find_first_not_of("0123456789") == std::string_view::npos) return epoch(s);
    if (s.size() >= 16 && (s[10] == ' ' || s[10] == 'T')) {
        const auto day = calendar_day(s.substr(0, 10));
        if (const auto m = time_of_day(s.substr(11)); day && m)
            return ClockReading{ClockReading::Kind::local_date, {}, *day, *m};
        std::string iso(s);
        iso[10] = 'T';
        if (const auto t = parse_iso8601(iso))
            return ClockReading{ClockReading::Kind::instant, *t, {}, 0};
    }
    return std::nullopt;
}

}  // namespace bedtimed
