// Step conditions: sensor comparisons, weekdays, local time windows, in bed.
#include <gtest/gtest.h>

#include "household_fixture.hpp"
#include "ingest.hpp"

namespace bedtimed::test {
namespace {

using namespace std::chrono_literals;

const char* kConfig = R"(
sensors:
  - {name: room, topic: s/room, type: number, stale_after: 30m}
  - {name: in_bed, topic: s/bed, type: bool}
notifiers:
  - {name: phone, type: mqtt, topic: "n/{sleeper}"}
sleepers:
  - name: sam
    timezone: Europe/Berlin
    bedtime: {weekdays: "22:30", weekends: "23:30", fri: "off"}
    occupancy_sensor: in_bed
    notify: [phone]
    routine:
      hydration: {at: -90m, weekdays: [sat, sun]}
      supplement: {enabled: true, at: -60m, between: ["21:00", "21:45"]}
      stretch: {at: -20m, in_bed: false, when: ["sensor.room < 19"]}
)";

std::vector<std::string> steps_sent(const LoopbackBus& bus) {
    std::vector<std::string> out;
    for (const auto& p : bus.payloads_on("n/sam")) {
        const auto k = p.find("\"step\":\"");
        out.push_back(p.substr(k + 8, p.find('"', k + 8) - k - 8));
    }
    return out;
}

TEST(RoutineConditions, WeekdaysWindowsInBedAndSensorsGateReminders) {
    // Thursday 26 November 2026.
    Household h(kConfig, *parse_iso8601("2026-11-26T18:00:00+01:00"));
    h.bus.inject("s/bed", "OFF");
    h.advance(3h + 55min);
    h.bus.inject("s/room", "18");
    h.advance(20min);  // 22:15
    EXPECT_EQ(steps_sent(h.bus), (std::vector<std::string>{"supplement", "stretch"}))
        << "hydration is weekend-only; supplement falls in its window; stretch: out of bed and "
           "cool";
    EXPECT_TRUE(h.said("hydration skipped: not on this weekday"));
}

TEST(RoutineConditions, AFailedConditionSaysWhy) {
    Household h(kConfig, *parse_iso8601("2026-11-26T18:00:00+01:00"));
    h.bus.inject("s/bed", "OFF");
    h.advance(3h);
    h.bus.inject("s/bed", "ON");  // 21:00: already in bed
    h.advance(1h + 15min);        // 22:15: stretch due; the room has no reading
    EXPECT_TRUE(h.said("stretch skipped: already in bed"));
    EXPECT_EQ(steps_sent(h.bus), std::vector<std::string>{"supplement"});
}

TEST(RoutineConditions, ADayMarkedOffHasNoRoutine) {
    // Friday 27 November: bedtime off.
    Household h(kConfig, *parse_iso8601("2026-11-27T18:00:00+01:00"));
    h.advance(5h);
    EXPECT_TRUE(steps_sent(h.bus).empty());
    EXPECT_TRUE(h.said("night of 2026-11-28")) << "the next plan is Saturday's";
}

}  // namespace
}  // namespace bedtimed::test
