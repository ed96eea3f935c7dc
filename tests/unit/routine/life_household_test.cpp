// The nights that follow life through the daemon's household on the manual
// clock (issue #19's "done when"): a guest profile without heat never heats;
// away after 36 h without the bed, back on getting into it; an alarm moved at
// 20:00 moves tonight's bedtime and steps within bounds and never re-runs a
// step; a pad switched on at the wall is left alone and still capped;
// profiles and hand-offs survive a restart.
#include <gtest/gtest.h>

#include <unistd.h>
#include <algorithm>
#include <filesystem>

#include "household_fixture.hpp"
#include "ingest.hpp"

namespace bedtimed::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

const char* kHousehold = R"(
sensors:
  - {name: in_bed, topic: s/bed, type: bool}
  - {name: home, topic: s/home, type: enum, options: [home, not_home]}
  - {name: alarm, topic: s/alarm, type: time}
actuators:
  - {name: pad, kind: heating_pad, integration: zigbee2mqtt, device: pad, max_on: 30m}
notifiers:
  - {name: phone, type: mqtt, topic: "notify/{sleeper}"}
sleepers:
  - name: sam
    timezone: Europe/Berlin
    bedtime: "23:00"
    occupancy_sensor: in_bed
    heating_pad: pad
    notify: [phone]
    routine:
      hydration: {at: -4h}
      stretch: {at: -20m, repeat: off}
      prewarm: {minutes: 15}
    on_episode: {heat: true, heat_minutes: 10}
    profiles:
      guest: {heat: false}
      travel: {heat: false, reminders: false}
    away: {presence_sensor: home, bed_unused_for: 36h}
    bedtime_from: {sensor: alarm, offset: -8h, earliest: "21:00", latest: "00:30"}
)";

// Thursday 2026-11-26 18:00 in Berlin (UTC+1).
const WallTime kEvening = *parse_iso8601("2026-11-26T18:00:00+01:00");
const std::string kPadSet = "zigbee2mqtt/pad/set";

std::string fresh_dir(const std::string& name) {
    const std::string dir =
        ::testing::TempDir() + "bt-life-" + name + "-" + std::to_string(::getpid());
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir;
}

int count_on(const Household& h) {
    const auto p = h.bus.payloads_on(kPadSet);
    return static_cast<int>(std::count_if(p.begin(), p.end(), [](const std::string& s) {
        return s.find("\"ON\"") != std::string::npos;
    }));
}

int reminders(const Household& h, const std::string& title) {
    int n = 0;
    for (const auto& p : h.bus.payloads_on("notify/sam"))
        if (p.find(title) != std::string::npos) ++n;
    return n;
}

json step_of(const json& plan, const std::string& id) {
    for (const auto& s : plan["steps"])
        if (s["id"] == id) return s;
    return {};
}

TEST(LifeProfiles, AGuestProfileWithHeatOffNeverHeats) {
    const std::string dir = fresh_dir("guest");
    {
        Household h(kHousehold, kEvening, dir);
        h.bus.inject("s/bed", "false");
        EXPECT_EQ(h.runner->set_profile("sam", "guest", ""), "");
        const auto plan = h.runner->plan_json("sam");
        EXPECT_EQ(plan["profile"]["name"], "guest");
        EXPECT_NE(plan["profile"]["why"].get<std::string>().find("chosen at"), std::string::npos);
        EXPECT_TRUE(step_of(plan, "prewarm").is_null()) << "no pre-warm in tonight's plan";
        h.advance(4h + 50min);  // 22:50: past the pre-warm's time
        EXPECT_EQ(count_on(h), 0);
        EXPECT_EQ(reminders(h, "Stretch before bed"), 1) << "reminders go on";
    }
    // Kept across a restart.
    Household h(kHousehold, kEvening + 4h + 51min, dir);
    EXPECT_EQ(h.runner->plan_json("sam")["profile"]["name"], "guest");
    EXPECT_EQ(count_on(h), 0);
    EXPECT_NE(h.runner->set_profile("sam", "party", "").find("normal, guest, travel"),
              std::string::npos);
}

TEST(LifeProfiles, AProfileUntilATimeEndsByItselfAndSaysWhy) {
    Household h(kHousehold, kEvening);
    EXPECT_EQ(h.runner->set_profile("sam", "travel", "19:00"), "");
    EXPECT_EQ(h.runner->plan_json("sam")["profile"]["until"], "2026-11-26T18:00:00Z");
    h.advance(30min);
    EXPECT_EQ(h.runner->plan_json("sam")["profile"]["name"], "travel");
    h.advance(35min);
    EXPECT_EQ(h.runner->plan_json("sam")["profile"]["name"], "normal");
    EXPECT_TRUE(h.said("profile travel over")) << "the log says why";
    EXPECT_NE(h.runner->set_profile("sam", "travel", "2026-11-25 10:00"), "");
}

TEST(LifeAway, AfterThirtySixHoursWithoutTheBedAndBackOnGettingIntoIt) {
    Household h(kHousehold, kEvening);
    h.bus.inject("s/bed", "false");
    h.advance(35h);
    EXPECT_FALSE(h.runner->plan_json("sam")["away"]["away"].get<bool>());
    const int stretches = reminders(h, "Stretch before bed");
    const int ons = count_on(h);
    h.advance(1h + 1min);  // 36 h without the bed: Saturday 06:01
    auto plan = h.runner->plan_json("sam");
    EXPECT_TRUE(plan["away"]["away"].get<bool>()) << plan.dump();
    EXPECT_EQ(plan["away"]["why"], "bed not used for 36 h");
    h.advance(18h);  // Saturday evening: no reminders, no heat
    EXPECT_EQ(reminders(h, "Stretch before bed"), stretches);
    EXPECT_EQ(count_on(h), ons);
    h.bus.inject("s/bed", "true");
    EXPECT_FALSE(h.runner->plan_json("sam")["away"]["away"].get<bool>());
    EXPECT_TRUE(h.said("back (in bed)"));
}

TEST(LifeAway, APresenceSensorSaysAwayAndReturnEndsIt) {
    Household h(kHousehold, kEvening);
    h.bus.inject("s/bed", "false");
    h.bus.inject("s/home", "not_home");
    EXPECT_TRUE(h.runner->plan_json("sam")["away"]["away"].get<bool>());
    h.advance(4h + 45min);  // 22:45
    EXPECT_EQ(reminders(h, "Stretch before bed"), 0);
    EXPECT_EQ(count_on(h), 0);
    h.bus.inject("s/home", "home");
    EXPECT_FALSE(h.runner->plan_json("sam")["away"]["away"].get<bool>());
}

TEST(LifeHouseBedtime, AnAlarmMovedAtEightMovesTonightAndNeverRerunsAStep) {
    Household h(kHousehold, kEvening);
    h.bus.inject("s/bed", "false");
    h.bus.inject("s/alarm", "07:00");
    EXPECT_EQ(h.runner->plan_json("sam")["bedtime_local"], "23:00");
    h.advance(1h + 1min);  // 19:01: the hydration (T-4h) ran
    EXPECT_EQ(reminders(h, "glass of water"), 1);
    h.advance(59min);  // 20:00
    h.bus.inject("s/alarm", "05:30");
    auto plan = h.runner->plan_json("sam");
    EXPECT_EQ(plan["bedtime_local"], "21:30");
    EXPECT_EQ(step_of(plan, "stretch")["at"], "2026-11-26T20:10:00Z");  // 21:10 local
    EXPECT_EQ(step_of(plan, "hydration")["state"], "done");
    EXPECT_TRUE(h.said("re-planned: bedtime 21:30 from 'alarm'"));
    h.advance(1h + 9min);  // 21:09
    EXPECT_EQ(reminders(h, "Stretch before bed"), 0);
    h.advance(2min);  // 21:11
    EXPECT_EQ(reminders(h, "Stretch before bed"), 1);
    h.advance(5min);  // 21:16: the pre-warm, for what is left until bedtime only
    EXPECT_EQ(count_on(h), 1);
    h.advance(3h);
    EXPECT_EQ(reminders(h, "glass of water"), 1) << "never re-run";
    EXPECT_EQ(reminders(h, "Stretch before bed"), 1);
    EXPECT_EQ(count_on(h), 1);
}

// The companion app's next-alarm sensor with the alarm switched off.
TEST(LifeHouseBedtime, AnAlarmSwitchedOffTakesTonightBackToTheSchedule) {
    Household h(kHousehold, kEvening);
    h.bus.inject("s/alarm", "05:30");
    EXPECT_EQ(h.runner->plan_json("sam")["bedtime_local"], "21:30");
    h.bus.inject("s/alarm", "unavailable");
    EXPECT_EQ(h.runner->plan_json("sam")["bedtime_local"], "23:00");
    EXPECT_TRUE(h.said("'alarm' says there is none (no alarm set): the schedule's bedtime 23:00"));
    h.bus.inject("s/alarm", "06:00");
    EXPECT_EQ(h.runner->plan_json("sam")["bedtime_local"], "22:00");
}

TEST(LifeHouseBedtime, OutOfBoundsAndLateChangesAreHeld) {
    Household h(kHousehold, kEvening);
    h.bus.inject("s/alarm", "03:00");  // 19:00 would be too early
    EXPECT_EQ(h.runner->plan_json("sam")["bedtime_local"], "21:00");
    h.advance(2h + 5min);  // 20:05: less than an hour before 21:00: fixed
    h.bus.inject("s/alarm", "08:00");
    EXPECT_EQ(h.runner->plan_json("sam")["bedtime_local"], "21:00");
    h.bus.inject("s/alarm", "garbage");  // refused by the sensor: nothing changes
    EXPECT_EQ(h.runner->plan_json("sam")["bedtime_local"], "21:00");
}

TEST(LifeHandOff, APadSwitchedOnAtTheWallIsLeftAloneAndStillCapped) {
    const std::string dir = fresh_dir("handoff");
    Household h(kHousehold, kEvening, dir);
    h.bus.inject("s/bed", "false");
    h.advance(4h);  // 22:00
    const auto sent = h.bus.payloads_on(kPadSet).size();
    h.bus.inject("zigbee2mqtt/pad", R"({"state":"ON"})");  // the wall switch
    auto plan = h.runner->plan_json("sam");
    EXPECT_TRUE(plan["handed_off"].get<bool>()) << plan.dump();
    EXPECT_TRUE(plan["hand_offs"].contains("pad"));
    EXPECT_TRUE(h.said("pad switched on by other means: left alone"));
    // The governor's own cap armed on the plug (on_time) is the only ON sent.
    const int ons = count_on(h);
    h.advance(31min);  // 22:31: on for 31 min: the governor's cap switched it off
    const auto after = h.bus.payloads_on(kPadSet, sent);
    ASSERT_FALSE(after.empty());
    EXPECT_NE(after.back().find("\"OFF\""), std::string::npos) << after.back();
    h.advance(15min);  // 22:46: the pre-warm's time passes without a command of its own
    EXPECT_TRUE(h.said("no heat from the routine: the pad is left alone"));
    EXPECT_EQ(count_on(h), ons);
    EXPECT_EQ(h.runner->hand_back("sam", "bed"), "bedtimed is not leaving \"bed\" alone");
    EXPECT_EQ(h.runner->hand_back("sam", ""), "");
    EXPECT_FALSE(h.runner->plan_json("sam")["handed_off"].get<bool>());
}

TEST(LifeHandOff, AHandOffSurvivesARestartUntilTheNightEnds) {
    const std::string dir = fresh_dir("handoff-restart");
    {
        Household h(kHousehold, kEvening, dir);
        h.bus.inject("zigbee2mqtt/pad", R"({"state":"ON"})");
        EXPECT_TRUE(h.runner->plan_json("sam")["handed_off"].get<bool>());
    }
    {
        Household h(kHousehold, kEvening + 1h, dir);
        EXPECT_TRUE(h.runner->plan_json("sam")["handed_off"].get<bool>());
    }
    Household h(kHousehold, kEvening + 18h, dir);  // the night has ended
    EXPECT_FALSE(h.runner->plan_json("sam")["handed_off"].get<bool>());
}

}  // namespace
}  // namespace bedtimed::test
