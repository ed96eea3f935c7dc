// Schedules are in local time and right across DST changes, for the two
// zones the issue names. The skipped/repeated-hour rule is in local_time.hpp.
#include <gtest/gtest.h>

#include "household_fixture.hpp"
#include "ingest.hpp"
#include "local_time.hpp"
#include "routine.hpp"

namespace bedtimed::test {
namespace {

using namespace std::chrono_literals;
using namespace date;

std::string iso(WallTime t) { return format_iso8601(t); }

TEST(LocalTime, SkippedHourMovesForwardAndRepeatedHourTakesTheFirst) {
    const auto* berlin = zone_named("Europe/Berlin");
    // 29 March 2026: 02:00 CET → 03:00 CEST.
    EXPECT_EQ(iso(at_local(berlin, local_days{2026_y / March / 29}, 2 * 60 + 30)),
              "2026-03-29T01:30:00Z")
        << "02:30 does not exist; it happens at 03:30 CEST";
    EXPECT_EQ(iso(at_local(berlin, local_days{2026_y / March / 29}, 22 * 60 + 30)),
              "2026-03-29T20:30:00Z");
    // 25 October 2026: 03:00 CEST → 02:00 CET; 02:30 happens twice.
    EXPECT_EQ(iso(at_local(berlin, local_days{2026_y / October / 25}, 2 * 60 + 30)),
              "2026-10-25T00:30:00Z")
        << "the first (summer-time) 02:30";
    EXPECT_EQ(iso(at_local(berlin, local_days{2026_y / October / 25}, 22 * 60 + 30)),
              "2026-10-25T21:30:00Z");

    const auto* ny = zone_named("America/New_York");
    // 8 March 2026: 02:00 EST → 03:00 EDT; 1 November 2026: 02:00 EDT → 01:00 EST.
    EXPECT_EQ(iso(at_local(ny, local_days{2026_y / March / 8}, 2 * 60 + 15)),
              "2026-03-08T07:15:00Z")
        << "02:15 does not exist; it happens at 03:15 EDT";
    EXPECT_EQ(iso(at_local(ny, local_days{2026_y / March / 8}, 22 * 60 + 30)),
              "2026-03-09T02:30:00Z");
    EXPECT_EQ(iso(at_local(ny, local_days{2026_y / November / 1}, 1 * 60 + 30)),
              "2026-11-01T05:30:00Z")
        << "the first (daylight-time) 01:30";
    EXPECT_EQ(iso(at_local(ny, local_days{2026_y / November / 1}, 22 * 60 + 30)),
              "2026-11-02T03:30:00Z");
}

std::string household(const std::string& zone) {
    return R"(
sensors:
  - {name: room, topic: s/room, type: number}
actuators:
  - {name: pad, kind: heating_pad, integration: tasmota, topic: pad}
notifiers:
  - {name: phone, type: mqtt, topic: "n/{sleeper}"}
sleepers:
  - name: sam
    timezone: )" +
           zone + R"(
    bedtime: "22:30"
    heating_pad: pad
    notify: [phone]
    routine:
      prewarm: {minutes: 15}
      stretch: {repeat: off}  # each send counts here; repeats: reminder_repeat_test.cpp
)";
}

// Runs the household through the change day and returns when (UTC) the
// stretch reminder and the pre-warm fired.
std::pair<std::string, std::string> run_change_day(const std::string& zone,
                                                   const std::string& start) {
    Household h(household(zone), *parse_iso8601(start));
    std::string stretch, prewarm;
    const std::size_t mark = h.bus.published.size();
    for (int i = 0; i < 24 * 60 && (stretch.empty() || prewarm.empty()); ++i) {
        h.advance(1min);
        for (std::size_t k = mark; k < h.bus.published.size(); ++k) {
            const auto& m = h.bus.published[k];
            if (stretch.empty() && m.topic == "n/sam" &&
                m.payload.find("\"stretch\"") != std::string::npos)
                stretch = iso(h.clock.wall_now());
            if (prewarm.empty() && m.topic == "cmnd/pad/POWER1" && m.payload == "ON")
                prewarm = iso(h.clock.wall_now());
        }
    }
    return {stretch, prewarm};
}

TEST(DstSchedule, BerlinBedtimeIs2230LocalOnBothChangeDays) {
    // Spring: 22:30 CEST = 20:30Z. Stretch at T-20, pre-warm at T-15.
    auto [s1, p1] = run_change_day("Europe/Berlin", "2026-03-29T00:00:00+01:00");
    EXPECT_EQ(s1, "2026-03-29T20:10:00Z");
    EXPECT_EQ(p1, "2026-03-29T20:15:00Z");
    // Autumn: 22:30 CET = 21:30Z.
    auto [s2, p2] = run_change_day("Europe/Berlin", "2026-10-25T00:00:00+02:00");
    EXPECT_EQ(s2, "2026-10-25T21:10:00Z");
    EXPECT_EQ(p2, "2026-10-25T21:15:00Z");
}

TEST(DstSchedule, NewYorkBedtimeIs2230LocalOnBothChangeDays) {
    auto [s1, p1] = run_change_day("America/New_York", "2026-03-08T00:00:00-05:00");
    EXPECT_EQ(s1, "2026-03-09T02:10:00Z");  // 22:10 EDT
    EXPECT_EQ(p1, "2026-03-09T02:15:00Z");
    auto [s2, p2] = run_change_day("America/New_York", "2026-11-01T00:00:00-04:00");
    EXPECT_EQ(s2, "2026-11-02T03:10:00Z");  // 22:10 EST
    EXPECT_EQ(p2, "2026-11-02T03:15:00Z");
}

TEST(DstSchedule, AWallClockStepNeverFiresAStepTwice) {
    Household h(household("Europe/Berlin"), *parse_iso8601("2026-11-26T22:00:00+01:00"));
    h.advance(11min);  // 22:11: stretch (22:10) has fired
    auto count = [&] {
        int n = 0;
        for (const auto& m : h.bus.published)
            if (m.topic == "n/sam" && m.payload.find("\"stretch\"") != std::string::npos) ++n;
        return n;
    };
    ASSERT_EQ(count(), 1);
    h.clock.step_wall(-1h);  // NTP steps the clock back an hour: 21:11 again
    h.advance(2h);
    EXPECT_EQ(count(), 1) << "the stretch reminder is remembered as done tonight";
}

}  // namespace
}  // namespace bedtimed::test
