// The wall clock stepped by NTP, forward and back by an hour, in the
// middle of an evening: schedules follow the wall clock, timeouts the steady
// clock (clock.hpp). No routine step fires twice, and the heat cap (a steady
// timer) is neither missed nor delayed by a step in either direction.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "household_fixture.hpp"
#include "ingest.hpp"

namespace bedtimed::test {
namespace {

using namespace std::chrono_literals;

const char* kHousehold = R"(
sensors:
  - {name: room, topic: s/room, type: number}
actuators:
  - {name: pad, kind: heating_pad, integration: tasmota, topic: pad, max_on: 20m}
notifiers:
  - {name: phone, type: mqtt, topic: "n/{sleeper}"}
sleepers:
  - name: sam
    timezone: UTC
    bedtime: "22:30"
    heating_pad: pad
    notify: [phone]
    routine:
      prewarm: {minutes: 15}
      stretch: {repeat: off}  # each send counts here; repeats: reminder_repeat_test.cpp
)";

const char* kPower = "cmnd/pad/POWER1";

// How often each reminder step went to the phone.
std::map<std::string, int> reminders(const Household& h) {
    std::map<std::string, int> n;
    for (const auto& m : h.bus.published) {
        if (m.topic != "n/sam") continue;
        const auto at = m.payload.find("\"step\":\"");
        if (at == std::string::npos) continue;
        const auto start = at + 8;
        ++n[m.payload.substr(start, m.payload.find('"', start) - start)];
    }
    return n;
}

int count(const std::vector<std::string>& v, const std::string& s) {
    return static_cast<int>(std::count(v.begin(), v.end(), s));
}

TEST(ClockJump, AForwardStepFiresNoStepTwice) {
    Household h(kHousehold, *parse_iso8601("2026-11-26T21:00:00Z"));
    h.advance(1min);
    h.clock.step_wall(1h);  // 21:01 becomes 22:01: hydration, stretch and the rest fall due at once
    for (int i = 0; i < 3 * 60; ++i) h.advance(1min);
    const auto sent = reminders(h);
    ASSERT_FALSE(sent.empty()) << "the steps after the jump still come";
    for (const auto& [step, times] : sent) EXPECT_EQ(times, 1) << step;
    EXPECT_LE(count(h.bus.payloads_on(kPower), "ON"), 1) << "pre-warm at most once";
}

TEST(ClockJump, ABackwardStepFiresNoStepTwice) {
    Household h(kHousehold, *parse_iso8601("2026-11-26T21:00:00Z"));
    for (int i = 0; i < 80; ++i)
        h.advance(1min);  // 22:20: the stretch and the pre-warm have happened
    const auto before = reminders(h);
    ASSERT_FALSE(before.empty());
    ASSERT_EQ(count(h.bus.payloads_on(kPower), "ON"), 1);
    h.clock.step_wall(-1h);  // 21:20 again
    for (int i = 0; i < 3 * 60; ++i) h.advance(1min);
    for (const auto& [step, times] : reminders(h)) EXPECT_EQ(times, 1) << step;
    EXPECT_EQ(count(h.bus.payloads_on(kPower), "ON"), 1) << "the pre-warm is not repeated";
}

// The cap is a steady timer: 20 minutes of heat are 20 minutes whatever the
// wall clock says in between.
void expect_cap_holds_across(Duration step) {
    Household h(kHousehold, *parse_iso8601("2026-11-26T21:00:00Z"));
    ASSERT_EQ(h.actuators->heat_on("pad", 20min, "test"), 20min);
    const std::size_t mark = h.bus.published.size();
    h.advance(5min);
    h.clock.step_wall(step);
    h.advance(14min);
    EXPECT_TRUE(h.actuators->pad_on("pad")) << "not cut short";
    EXPECT_EQ(count(h.bus.payloads_on(kPower, mark), "OFF"), 0);
    h.advance(1min);  // 20 minutes of steady time since ON
    EXPECT_FALSE(h.actuators->pad_on("pad")) << "the cap fired on time";
    EXPECT_EQ(count(h.bus.payloads_on(kPower, mark), "OFF"), 1);
}

TEST(ClockJump, TheHeatCapIsNotDelayedByABackwardStep) { expect_cap_holds_across(-1h); }

TEST(ClockJump, TheHeatCapIsNotCutShortByAForwardStep) { expect_cap_holds_across(1h); }

}  // namespace
}  // namespace bedtimed::test
