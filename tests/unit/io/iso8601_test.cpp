// ISO-8601 / RFC 3339 timestamps as wearables send them and templates print them.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "ingest.hpp"

using bedtimed::format_iso8601;
using bedtimed::parse_iso8601;
using bedtimed::WallTime;
using namespace std::chrono_literals;

namespace {
// 2026-11-26T02:14:00Z
const WallTime kT = WallTime(std::chrono::seconds(1795659240));
}  // namespace

TEST(Iso8601, ParsesUtcWithZ) {
    EXPECT_EQ(parse_iso8601("2026-11-26T02:14:00Z"), kT);
    EXPECT_EQ(parse_iso8601("2026-11-26t02:14:00z"), kT);
    EXPECT_EQ(parse_iso8601("2026-11-26 02:14:00Z"), kT);  // RFC 3339 allows a space
    EXPECT_EQ(parse_iso8601("1970-01-01T00:00:00Z"), WallTime());
}

TEST(Iso8601, AppliesOffsets) {
    EXPECT_EQ(parse_iso8601("2026-11-26T03:14:00+01:00"), kT);
    EXPECT_EQ(parse_iso8601("2026-11-25T20:44:00-05:30"), kT);
    EXPECT_EQ(parse_iso8601("2026-11-26T02:14:00+00:00"), kT);
    EXPECT_EQ(parse_iso8601("2026-11-26T02:14:00-00:00"), kT);
    EXPECT_EQ(parse_iso8601("2026-11-26T16:14:00+14:00"), kT);
}

TEST(Iso8601, KeepsFractionsToTheNanosecond) {
    EXPECT_EQ(parse_iso8601("2026-11-26T02:14:00.5Z"), kT + 500ms);
    EXPECT_EQ(parse_iso8601("2026-11-26T02:14:00.123Z"), kT + 123ms);
    EXPECT_EQ(parse_iso8601("2026-11-26T02:14:00.000001Z"), kT + 1us);
    EXPECT_EQ(parse_iso8601("2026-11-26T02:14:00.123456789+00:00"), kT + 123456789ns);
    // Digits past nanoseconds are dropped, not rounded.
    EXPECT_EQ(parse_iso8601("2026-11-26T02:14:00.9999999999Z"), kT + 999999999ns);
}

TEST(Iso8601, CalendarEdges) {
    EXPECT_EQ(parse_iso8601("2028-02-29T00:00:00Z"),
              WallTime(std::chrono::sys_days(std::chrono::year(2028) / 2 / 29)));
    EXPECT_FALSE(parse_iso8601("2026-02-29T00:00:00Z"));  // not a leap year
    EXPECT_FALSE(parse_iso8601("2026-04-31T00:00:00Z"));
    EXPECT_EQ(parse_iso8601("2026-12-31T23:59:59Z"),
              WallTime(std::chrono::sys_days(std::chrono::year(2027) / 1 / 1)) - 1s);
    // A leap second reads as the first second of the next minute.
    EXPECT_EQ(parse_iso8601("2016-12-31T23:59:60Z"),
              WallTime(std::chrono::sys_days(std::chrono::year(2017) / 1 / 1)));
}

TEST(Iso8601, RejectsMalformedText) {
    for (const char* s : {
             "",
             "2026-11-26",
             "2026-11-26T02:14:00",       // no zone: ambiguous
             "2026-11-26T02:14Z",         // no seconds
             "2026-11-26T02:14:00.Z",     // empty fraction
             "2026-11-26T02:14:00ZZ",     // trailing junk
             "2026-11-26T02:14:00+0100",  // offset without colon
             "2026-11-26T02:14:00+01",    // truncated offset
             "2026/11/26T02:14:00Z",
             "26-11-2026T02:14:00Z",
             "2026-13-01T00:00:00Z",
             "2026-00-10T00:00:00Z",
             "2026-11-00T00:00:00Z",
             "2026-11-26T24:00:00Z",
             "2026-11-26T02:60:00Z",
             "2026-11-26T02:14:61Z",
             "2026-11-26T-1:00:00Z",  // signs are not digits
             "2026-11-26T02:-1:00Z",
             "2026-11-26T02:14:00+-1:00",
             "2026-11-26T02:14:00+24:00",  // offsets stay within a day
             "2026-11-26T02:14:00+01:60",
             "+026-11-26T02:14:00Z",
             "2026-11-26X02:14:00Z",
             " 2026-11-26T02:14:00Z",
             "9999-12-31T23:59:59Z",  // beyond what WallTime can hold
             "0001-01-01T00:00:00Z",
         })
        EXPECT_FALSE(parse_iso8601(s)) << s;
}

TEST(Iso8601, FormatsUtcWholeSeconds) {
    EXPECT_EQ(format_iso8601(kT), "2026-11-26T02:14:00Z");
    EXPECT_EQ(format_iso8601(WallTime()), "1970-01-01T00:00:00Z");
    // Sub-second parts are truncated, not rounded up into the next second.
    EXPECT_EQ(format_iso8601(kT + 999ms), "2026-11-26T02:14:00Z");
    EXPECT_EQ(format_iso8601(WallTime(std::chrono::sys_days(std::chrono::year(2000) / 2 / 29)) +
                             23h + 59min + 59s),
              "2000-02-29T23:59:59Z");
}

TEST(Iso8601, RoundTrips) {
    for (const char* s : {"2026-11-26T02:14:00Z", "1999-12-31T23:59:59Z", "2000-01-01T00:00:00Z",
                          "2038-01-19T03:14:08Z", "2199-06-15T12:00:00Z", "1970-01-01T00:00:00Z"}) {
        const auto t = parse_iso8601(s);
        ASSERT_TRUE(t) << s;
        EXPECT_EQ(format_iso8601(*t), s);
    }
    // And the other way, across a spread of whole-second times.
    for (std::int64_t secs = 0; secs < 4'000'000'000; secs += 86'399'937) {
        const WallTime t{std::chrono::seconds(secs)};
        EXPECT_EQ(parse_iso8601(format_iso8601(t)), t) << secs;
    }
}

TEST(Iso8601, BeforeTheEpoch) {
    const auto t = parse_iso8601("1969-12-31T23:59:59Z");
    ASSERT_TRUE(t);
    EXPECT_EQ(*t, WallTime() - 1s);
    EXPECT_EQ(format_iso8601(*t), "1969-12-31T23:59:59Z");
}
