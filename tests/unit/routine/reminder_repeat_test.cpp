// Reminders that see it through (daemon/routine/reminder_repeat.cpp): the
// pure decision, and through the daemon's household on the manual clock a
// reminder that repeats K times, stops when Done arrives from another
// channel, and is cleared on the channels that can clear it.
#include <gtest/gtest.h>

#include "household_fixture.hpp"
#include "ingest.hpp"
#include "reminder_desk.hpp"

namespace bedtimed::test {
namespace {

using namespace std::chrono_literals;

const char* kHousehold = R"(
notifiers:
  - {name: phone, type: mqtt, topic: "notify/{sleeper}"}
  - {name: tablet, type: mqtt, topic: "tablet/{sleeper}"}
sleepers:
  - name: sam
    timezone: UTC
    bedtime: "22:30"
    notify: [phone, tablet]
    quiet_hours: {from: "23:00", to: "07:00"}
    routine:
      hydration: {at: -90m}
      stretch: {at: -20m, repeat: {every: 10m, times: 3}}
)";

// Thursday 2026-11-26 18:00 UTC.
const WallTime kEvening = *parse_iso8601("2026-11-26T18:00:00Z");

int count(const Household& h, const std::string& topic, const std::string& needle) {
    int n = 0;
    for (const auto& p : h.bus.payloads_on(topic))
        if (p.find(needle) != std::string::npos) ++n;
    return n;
}

TEST(ReminderRepeat, ThePureDecision) {
    config::ReminderStep step;
    step.repeat_times = 2;
    reminders::StepState st;
    EXPECT_FALSE(reminders::repeat_after(st, &step)) << "nothing sent yet";
    st.sent = true;
    EXPECT_EQ(reminders::repeat_after(st, &step), std::chrono::minutes(10));
    st.repeats = 2;
    EXPECT_FALSE(reminders::repeat_after(st, &step));
    st.repeats = 0;
    st.done = true;
    EXPECT_FALSE(reminders::repeat_after(st, &step));
    st.done = false;
    st.resend_pending = true;  // snoozed
    EXPECT_FALSE(reminders::repeat_after(st, &step));
    EXPECT_FALSE(reminders::repeat_after(reminders::StepState{true, true}, &step)) << "urgent";
    EXPECT_FALSE(reminders::repeat_after(st, nullptr)) << "not a reminder step";
    config::SleeperSpec defaults;
    EXPECT_EQ(defaults.stretch.repeat_times, 2) << "on by default for the stretch";
    EXPECT_EQ(defaults.hydration.repeat_times, 0) << "off by default for the others";
}

TEST(ReminderRepeat, AnUnansweredReminderRepeatsKTimesThenStops) {
    Household h(kHousehold, kEvening);
    h.advance(4h + 10min);  // 22:10: the stretch
    EXPECT_EQ(count(h, "notify/sam", "Stretch before bed"), 1);
    h.advance(10min);
    EXPECT_EQ(count(h, "notify/sam", "Stretch before bed"), 2);
    EXPECT_TRUE(h.said("'stretch' again: no answer yet (1 of 3)"));
    h.advance(10min);
    EXPECT_EQ(count(h, "notify/sam", "Stretch before bed"), 3);
    h.advance(10min);  // 22:40
    EXPECT_EQ(count(h, "notify/sam", "Stretch before bed"), 4);
    EXPECT_EQ(count(h, "tablet/sam", "Stretch before bed"), 4);
    h.advance(2h);
    EXPECT_EQ(count(h, "notify/sam", "Stretch before bed"), 4) << "K = 3 repeats, then no more";
    EXPECT_EQ(count(h, "notify/sam", "glass of water"), 1) << "off by default for hydration";
}

TEST(ReminderRepeat, DoneFromAnotherChannelStopsItAndClearsTheOthers) {
    Household h(kHousehold, kEvening);
    h.advance(4h + 20min);  // 22:20: sent, and repeated once
    ASSERT_EQ(count(h, "notify/sam", "Stretch before bed"), 2);
    // The Done button of the phone on the other channel, through HA's automation.
    h.bus.inject("bedtimed/cmd/ack", "BEDTIMED_DONE:sam:stretch");
    h.run_posted();
    EXPECT_EQ(count(h, "notify/sam/clear", "\"step\":\"stretch\""), 1);
    EXPECT_EQ(count(h, "tablet/sam/clear", "\"step\":\"stretch\""), 1);
    h.advance(1h);
    EXPECT_EQ(count(h, "notify/sam", "Stretch before bed"), 2) << "no repeat after Done";
    h.bus.inject("bedtimed/cmd/ack", "BEDTIMED_DONE:sam:stretch");
    h.run_posted();
    EXPECT_EQ(count(h, "notify/sam/clear", "stretch"), 1) << "cleared once";
}

TEST(ReminderRepeat, QuietHoursHoldARepeat) {
    std::string yaml = kHousehold;
    const std::string every = "every: 10m";
    yaml.replace(yaml.find(every), every.size(), "every: 60m");
    Household h(yaml, kEvening);
    h.advance(4h + 10min);  // 22:10
    EXPECT_EQ(count(h, "notify/sam", "Stretch before bed"), 1);
    h.advance(65min);  // 23:15: the repeat at 23:10 falls in the quiet hours: held
    EXPECT_EQ(count(h, "notify/sam", "Stretch before bed"), 1);
    EXPECT_TRUE(h.said("'stretch' held"));
    h.advance(8h);  // 07:15
    EXPECT_EQ(count(h, "notify/sam", "Stretch before bed"), 2);
}

}  // namespace
}  // namespace bedtimed::test
