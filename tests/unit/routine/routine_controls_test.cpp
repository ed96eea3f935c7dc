// Home Assistant's switches on the routine (routine, step, start now,
// bedtime) on the manual clock, and the discovery publisher's birth-message
// and reload behaviour on a recording bus.
#include <gtest/gtest.h>

#include <unistd.h>
#include <algorithm>
#include <filesystem>

#include "ha_publisher.hpp"
#include "household_fixture.hpp"
#include "ingest.hpp"

namespace bedtimed::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

const char* kHousehold = R"(
sensors:
  - {name: stage, topic: s/stage, type: enum, options: [awake, light, deep, rem], stale_after: 20m}
actuators:
  - {name: pad, kind: heating_pad, integration: zigbee2mqtt, device: pad, max_on: 30m}
notifiers:
  - {name: phone, type: mqtt, topic: "notify/{sleeper}"}
sleepers:
  - name: sam
    timezone: Europe/Berlin
    bedtime: "22:30"
    sleep_sensor: stage
    asleep_values: [light, deep, rem]
    heating_pad: pad
    notify: [phone]
    routine:
      prewarm: {minutes: 15}
)";

// Thursday 2026-11-26 18:00 in Berlin (UTC+1).
const WallTime kEvening = *parse_iso8601("2026-11-26T18:00:00+01:00");
const std::string kPadSet = "zigbee2mqtt/pad/set";

std::string fresh_dir(const std::string& name) {
    const std::string dir =
        ::testing::TempDir() + "bt-controls-" + name + "-" + std::to_string(::getpid());
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir;
}

json step_of(const json& plan, const std::string& id) {
    for (const auto& s : plan["steps"])
        if (s["id"] == id) return s;
    return {};
}

int reminders(const Household& h, const std::string& title) {
    int n = 0;
    for (const auto& p : h.bus.payloads_on("notify/sam"))
        if (p.find(title) != std::string::npos) ++n;
    return n;
}

// Any command to switch the pad on among `payloads`.
bool has_on(const std::vector<std::string>& payloads) {
    return std::any_of(payloads.begin(), payloads.end(),
                       [](const std::string& p) { return p.find("\"ON\"") != std::string::npos; });
}

TEST(RoutineControls, ASwitchedOffStepShowsSkippedAndNeverFires) {
    Household h(kHousehold, kEvening);
    EXPECT_EQ(h.runner->set_step_enabled("sam", "stretch", false), "");
    auto plan = h.runner->plan_json("sam");
    EXPECT_EQ(step_of(plan, "stretch")["state"], "skipped");
    EXPECT_EQ(step_of(plan, "stretch")["enabled"], false);
    EXPECT_EQ(plan["steps_enabled"]["stretch"], false);
    EXPECT_EQ(plan["steps_enabled"]["hydration"], true);
    h.advance(4h + 25min);  // 22:25, past the stretch time (22:10)
    EXPECT_EQ(reminders(h, "Stretch before bed"), 0);
    EXPECT_EQ(reminders(h, "glass of water"), 1) << "the other steps run";
    EXPECT_EQ(step_of(h.runner->plan_json("sam"), "stretch")["state"], "skipped");
}

TEST(RoutineControls, UnknownStepsAndSleepersAreRefusedWithTheReason) {
    Household h(kHousehold, kEvening);
    const auto why = h.runner->set_step_enabled("sam", "supplement", false);
    EXPECT_NE(why.find("not a step of sam's routine"), std::string::npos) << why;
    EXPECT_NE(why.find("hydration, stretch, prewarm"), std::string::npos) << why;
    EXPECT_EQ(h.runner->set_routine_enabled("kim", false), "unknown sleeper \"kim\"");
}

TEST(RoutineControls, ASwitchedOffRoutineFiresNoStepButHeatStillStopsAtSleepOnset) {
    Household h(kHousehold, kEvening);
    EXPECT_EQ(h.runner->set_routine_enabled("sam", false), "");
    EXPECT_EQ(h.runner->plan_json("sam")["enabled"], false);
    h.advance(4h + 25min);
    EXPECT_EQ(reminders(h, "glass of water"), 0);
    EXPECT_FALSE(has_on(h.bus.payloads_on(kPadSet)));
    EXPECT_EQ(h.runner->start_now("sam"), "the routine is switched off");
    // Heat switched on some other way still goes off the moment sam is asleep.
    ASSERT_GT(h.actuators->heat_on("pad", 20min, "test").count(), 0);
    ASSERT_TRUE(has_on(h.bus.payloads_on(kPadSet)));
    h.bus.inject("s/stage", "deep");
    EXPECT_EQ(h.bus.payloads_on(kPadSet).back(), R"({"state":"OFF"})");
    EXPECT_FALSE(h.actuators->pad_on("pad"));
}

TEST(RoutineControls, TheBedtimeMovesThePlanAndSurvivesARestart) {
    const std::string dir = fresh_dir("bedtime");
    {
        Household h(kHousehold, kEvening, dir);
        EXPECT_EQ(h.runner->set_bedtime("sam", 23 * 60 + 15), "");
        const auto plan = h.runner->plan_json("sam");
        EXPECT_EQ(plan["bedtime"], "2026-11-26T22:15:00Z");
        EXPECT_EQ(plan["bedtime_local"], "23:15");
        EXPECT_EQ(plan["bedtime_override"], "23:15");
        // The zone, so bedtimectl shows local times without the config.
        EXPECT_EQ(plan["timezone"], "Europe/Berlin");
        EXPECT_EQ(plan["utc_offset"], "+01:00");
        EXPECT_EQ(step_of(plan, "stretch")["at"], "2026-11-26T21:55:00Z");
    }
    {
        Household h(kHousehold, kEvening, dir);
        EXPECT_EQ(h.runner->plan_json("sam")["bedtime_local"], "23:15") << "kept in routine.json";
        EXPECT_EQ(h.runner->set_bedtime("sam", std::nullopt), "");
        EXPECT_EQ(h.runner->plan_json("sam")["bedtime_local"], "22:30");
        EXPECT_TRUE(h.runner->plan_json("sam")["bedtime_override"].is_null());
    }
    std::filesystem::remove_all(dir);
}

// The runner caches tonight's plan; an adapted evening with a new revision
// (the cramp log's tier changed) must show at once, the same one must not.
TEST(RoutineControls, ANewRevisionOfTheAdaptedEveningReplansTonight) {
    Household h(kHousehold, kEvening);
    config::SleeperSpec evening = h.cfg->sleepers.at(0);
    evening.revision = 1;
    h.runner->set_evening_source(
        [&](const std::string&, WallTime) -> const config::SleeperSpec& { return evening; });
    EXPECT_EQ(h.runner->plan_json("sam")["bedtime_local"], "22:30");
    // Every sensor reading re-evaluates the routine.
    h.bus.inject("s/stage", "awake");
    EXPECT_EQ(h.runner->plan_json("sam")["bedtime_local"], "22:30");
    for (auto& day : evening.bedtime)
        day = 23 * 60;  // changed, but still revision 1: the cached plan stands
    h.bus.inject("s/stage", "awake");
    EXPECT_EQ(h.runner->plan_json("sam")["bedtime_local"], "22:30");
    evening.revision = 2;
    h.bus.inject("s/stage", "awake");
    EXPECT_EQ(h.runner->plan_json("sam")["bedtime_local"], "23:00");
}

TEST(RoutineControls, StartNowRunsTonightsStepsFromNowKeepingTheirSpacingAndTheCap) {
    Household h(kHousehold, kEvening);
    EXPECT_EQ(h.runner->start_now("sam"), "");
    // Hydration (bedtime - 90 min) is first: due now.
    EXPECT_EQ(reminders(h, "glass of water"), 1);
    auto plan = h.runner->plan_json("sam");
    EXPECT_EQ(step_of(plan, "hydration")["state"], "done");
    EXPECT_EQ(plan["bedtime"], "2026-11-26T18:30:00Z")
        << "bedtime moved with the steps: 18:00 + 90 min local";
    EXPECT_EQ(plan["running"], true);
    // Stretch is 70 and prewarm 75 minutes after hydration; the heat is capped at the pad's max_on.
    h.advance(70min);
    EXPECT_EQ(reminders(h, "Stretch before bed"), 1);
    EXPECT_FALSE(has_on(h.bus.payloads_on(kPadSet)));
    h.advance(5min);
    const auto sent = h.bus.payloads_on(kPadSet);
    ASSERT_TRUE(has_on(sent));
    EXPECT_TRUE(h.said("pre-warm 15 min until bedtime 19:30")) << "the moved bedtime";
    // The plug's own auto-off: the session plus the device margin, never past the 30 min cap.
    EXPECT_EQ(sent.back(), R"({"state":"ON","on_time":960})");
    EXPECT_EQ(h.runner->plan_json("sam")["heat_on"], true);
    EXPECT_EQ(h.runner->start_now("sam"), "nothing left to run tonight");
}

TEST(RoutineControls, StartNowDoesNotHeatASleeper) {
    Household h(kHousehold, kEvening);
    EXPECT_EQ(h.runner->set_step_enabled("sam", "hydration", false), "");
    EXPECT_EQ(h.runner->set_step_enabled("sam", "stretch", false), "");
    h.bus.inject("s/stage", "deep");
    EXPECT_EQ(h.runner->start_now("sam"), "");
    h.advance(1min);
    EXPECT_FALSE(has_on(h.bus.payloads_on(kPadSet)))
        << "asleep: no pre-warm, started by hand or not";
    EXPECT_EQ(step_of(h.runner->plan_json("sam"), "prewarm")["state"], "skipped");
}

// --- the discovery publisher --------------------------------------------------

std::size_t discovery_messages(const LoopbackBus& bus, std::size_t from = 0) {
    std::size_t n = 0;
    for (std::size_t i = from; i < bus.published.size(); ++i)
        if (bus.published[i].topic.rfind("homeassistant/", 0) == 0) ++n;
    return n;
}

TEST(HaPublisher, AnnouncesOnConnectAndAgainAfterHomeAssistantsBirth) {
    const std::string dir = fresh_dir("birth");
    auto cfg = std::make_shared<const config::Config>(config::parse_config(
        std::string(kHousehold) + "home_assistant: {rediscover_delay: 10s}\n", "test.yaml"));
    ManualClock clock(kEvening);
    LoopbackBus bus;
    HaPublisher ha(clock, bus, cfg, dir + "/ha_discovery.json", "1.0");
    ha.start();
    ASSERT_TRUE(bus.subscribed("homeassistant/status"));
    ha.on_connected();
    const std::size_t first = discovery_messages(bus);
    EXPECT_EQ(first, 2u) << "hub and sam";
    for (const auto& m : bus.published) EXPECT_TRUE(m.retained);
    bus.inject("homeassistant/status", "offline");
    clock.advance(20s);
    EXPECT_EQ(discovery_messages(bus), first) << "HA going away needs nothing";
    bus.inject("homeassistant/status", "online");
    clock.advance(10s);  // the random delay is at most 10 s
    EXPECT_EQ(discovery_messages(bus), 2 * first);
    EXPECT_EQ(ha.rounds(), 2);
    std::filesystem::remove_all(dir);
}

TEST(HaPublisher, AReloadWithoutASleeperRemovesItsDeviceAndARestartRemembers) {
    const std::string dir = fresh_dir("reload");
    const std::string two = std::string(kHousehold) + R"(
  - name: kim
    timezone: Europe/Berlin
    bedtime: "23:00"
home_assistant: {}
)";
    ManualClock clock(kEvening);
    LoopbackBus bus;
    {
        HaPublisher ha(clock, bus,
                       std::make_shared<const config::Config>(config::parse_config(two, "t.yaml")),
                       dir + "/ha_discovery.json", "1.0");
        ha.start();
        ha.on_connected();
    }
    EXPECT_EQ(discovery_messages(bus), 3u);
    // A new process (same state dir) with kim gone from the config.
    const std::size_t mark = bus.published.size();
    HaPublisher ha(clock, bus,
                   std::make_shared<const config::Config>(config::parse_config(
                       std::string(kHousehold) + "home_assistant: {}\n", "t.yaml")),
                   dir + "/ha_discovery.json", "1.0");
    ha.start();
    ha.on_connected();
    const auto cleared = bus.payloads_on("homeassistant/device/bedtimed_kim/config", mark);
    ASSERT_EQ(cleared.size(), 1u);
    EXPECT_EQ(cleared[0], "");
    // Discovery switched off by a reload: everything announced is cleared.
    const std::size_t mark2 = bus.published.size();
    ha.apply_config(std::make_shared<const config::Config>(config::parse_config(
        std::string(kHousehold) + "home_assistant: {discovery: false}\n", "t.yaml")));
    EXPECT_EQ(bus.payloads_on("homeassistant/device/bedtimed_sam/config", mark2),
              std::vector<std::string>{""});
    EXPECT_EQ(bus.payloads_on("homeassistant/device/bedtimed/config", mark2),
              std::vector<std::string>{""});
    EXPECT_FALSE(bus.subscribed("homeassistant/status"));
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace bedtimed::test
