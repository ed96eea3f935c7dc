// The safety rules of the evening routine, each with its own test. The
// household runs on a manual clock; the two levers are injected messages and
// advancing time.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "household_fixture.hpp"
#include "ingest.hpp"

namespace bedtimed::test {
namespace {

using namespace std::chrono_literals;

const char* kHousehold = R"(
sensors:
  - {name: room, topic: s/room, type: number, stale_after: 30m}
  - {name: in_bed, topic: s/bed, type: bool, stale_after: 12h}
  - {name: stage, topic: s/stage, type: enum, options: [awake, light, deep, rem], stale_after: 20m}
wearables:
  - {name: band, topic: w/episode, fields: {id: id, duration: duration_s}}
actuators:
  - {name: pad, kind: heating_pad, integration: zigbee2mqtt, device: pad, max_on: 30m}
  - {name: bed, kind: bed, integration: esphome, node: bed, object_id: legs, min_move_interval: 10m,
     presets: {flat: 0, legs_raised: 15}}
notifiers:
  - {name: phone, type: mqtt, topic: "notify/{sleeper}"}
sleepers:
  - name: sam
    timezone: Europe/Berlin
    bedtime: "22:30"
    wearable: band
    occupancy_sensor: in_bed
    sleep_sensor: stage
    asleep_values: [light, deep, rem]
    heating_pad: pad
    bed: bed
    notify: [phone]
    routine:
      prewarm: {minutes: 15, cold_sensor: room, cold_below: 18, cold_minutes: 25}
    on_episode: {heat_minutes: 15, max_heats_per_night: 2}
)";

// Thursday 2026-11-26 18:00 in Berlin (UTC+1).
const WallTime kEvening = *parse_iso8601("2026-11-26T18:00:00+01:00");
const std::string kPadSet = "zigbee2mqtt/pad/set";
const std::string kOff = R"({"state":"OFF"})";

bool has_on(const std::vector<std::string>& payloads) {
    for (const auto& p : payloads)
        if (p.find("\"ON\"") != std::string::npos) return true;
    return false;
}

TEST(Safety, PadsAreCommandedOffAtStartUp) {
    Household h(kHousehold, kEvening);
    const auto sent = h.bus.payloads_on(kPadSet);
    ASSERT_FALSE(sent.empty());
    EXPECT_EQ(sent.front(), kOff) << "the very first thing a pad hears is OFF";
    EXPECT_FALSE(has_on(sent));
}

TEST(Safety, HeatSessionsNeverExceedTheCapAndThePlugIsToldTheCapToo) {
    Household h(kHousehold, kEvening);
    const auto granted = h.actuators->heat_on("pad", 2h, "test");
    EXPECT_EQ(granted, 30min) << "clamped to max_on";
    const auto sent = h.bus.payloads_on(kPadSet);
    // Device-side auto-off (Z2M on_time) is armed with the plug, within the cap.
    EXPECT_EQ(sent.back(), R"({"state":"ON","on_time":1800})");
    const std::size_t before = h.bus.published.size();
    h.advance(29min);
    EXPECT_TRUE(h.actuators->pad_on("pad"));
    h.advance(1min);
    EXPECT_FALSE(h.actuators->pad_on("pad"));
    EXPECT_EQ(h.bus.payloads_on(kPadSet, before), std::vector<std::string>{kOff});
}

TEST(Safety, TheConfigCannotSetACapAboveTwoHours) {
    std::string yaml = kHousehold;
    yaml.replace(yaml.find("max_on: 30m"), 11, "max_on: 3h");
    try {
        config::parse_config(yaml, "test.yaml");
        FAIL() << "a 3 h cap was accepted";
    } catch (const config::ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("'max_on' is 3h, outside"), std::string::npos)
            << e.what();
    }
}

TEST(Safety, TheCapSurvivesARestartAndOnlyTheRemainingTimeIsHonoured) {
    const std::string dir = std::filesystem::temp_directory_path() / "bt-safety-restart";
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    WallTime restart_at;
    {
        Household h(kHousehold, kEvening + 4h, dir);  // 22:00: the 15-min pre-warm is not due yet
        h.actuators->heat_on("pad", 20min, "test");
        h.advance(5min);
        restart_at = h.clock.wall_now();
        // The process dies here: no shutdown, the session stays on record.
        h.actuators->shutdown_keeping_sessions();
    }
    Household again(kHousehold, restart_at + 1min, dir);
    const auto sent = again.bus.payloads_on(kPadSet);
    ASSERT_FALSE(sent.empty());
    EXPECT_EQ(sent.front(), kOff) << "off first, whatever came before";
    EXPECT_TRUE(again.actuators->pad_on("pad")) << "resumed";
    EXPECT_TRUE(again.said("resumed the interrupted heat session: 840 s left"))
        << again.timeline.size();
    again.advance(14min);
    EXPECT_FALSE(again.actuators->pad_on("pad")) << "20 min in all, not 20 more";
    again.advance(50ms);  // its state files' window: on disk before the next one reads them

    // A session that ran out while bedtimed was down is not resumed.
    {
        Household h(kHousehold, kEvening + 4h, dir);
        h.actuators->heat_on("pad", 10min, "test");
        h.actuators->shutdown_keeping_sessions();
    }
    Household late(kHousehold, kEvening + 4h + 11min, dir);
    EXPECT_FALSE(late.actuators->pad_on("pad"));
    EXPECT_TRUE(late.said("ran out while bedtimed was stopped"));
    std::filesystem::remove_all(dir);
}

// The house's bursts (bench/house.py): actuators.json is saved once per
// 50 ms window, not once per change, and what is said about a change waits for it.
TEST(Safety, HeatChangesAreSavedOncePerWindowAndSaidOnlyOnceOnDisk) {
    const std::string dir = std::filesystem::temp_directory_path() / "bt-safety-burst";
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    const auto pads_on_disk = [&] {
        std::ifstream in(dir + "/actuators.json");
        return nlohmann::json::parse(in, nullptr, false).value("pads", nlohmann::json::object());
    };
    {
        Household h(kHousehold, kEvening + 4h, dir);
        h.advance(50ms);
        const auto said_before = h.timeline.size();
        ASSERT_EQ(h.actuators->heat_on("pad", 10min, "test"), 10min);
        EXPECT_TRUE(has_on(h.bus.payloads_on(kPadSet))) << "the command is not held back";
        EXPECT_FALSE(pads_on_disk().contains("pad")) << "not saved within the window";
        EXPECT_EQ(h.timeline.size(), said_before) << "nothing said before it is on disk";
        h.actuators->heat_off("pad", "test");
        h.actuators->heat_on("pad", 5min, "test");
        h.advance(50ms);  // the state files' window
        EXPECT_TRUE(pads_on_disk()["pad"].contains("off_at")) << "the window's last state";
        EXPECT_GT(h.timeline.size(), said_before) << "said after the save";
        // The session's end in a window that never closed: the destructor saves it.
        h.actuators->heat_off("pad", "test");
    }
    EXPECT_FALSE(pads_on_disk()["pad"].contains("off_at")) << "the end is on record";
    Household again(kHousehold, kEvening + 4h + 1min, dir);
    EXPECT_FALSE(again.actuators->pad_on("pad")) << "an ended session is not resumed";
    // A hand's OFF at the plug is on disk at once, without the window.
    ASSERT_GT(again.actuators->heat_on("pad", 10min, "test").count(), 0);
    again.advance(50ms);
    again.bus.inject("zigbee2mqtt/pad", R"({"state":"OFF"})");
    EXPECT_TRUE(pads_on_disk()["pad"].value("manual_off", false));
    std::filesystem::remove_all(dir);
}

TEST(Safety, AReconnectSwitchesEveryPadOffThenContinuesOnlyWhatIsLeft) {
    Household h(kHousehold, kEvening);
    std::size_t mark = h.bus.published.size();
    h.actuators->on_connected();
    EXPECT_EQ(h.bus.payloads_on(kPadSet, mark),
              (std::vector<std::string>{R"({"power_on_behavior":"off"})", kOff}));
    h.actuators->heat_on("pad", 10min, "test");
    h.advance(4min);
    mark = h.bus.published.size();
    h.actuators->on_connected();
    const auto sent = h.bus.payloads_on(kPadSet, mark);
    ASSERT_EQ(sent.size(), 3u);
    // Off first (the ground rule: plugs are off on reconnect), then on again in
    // the same period, for what is left (6 min) plus the plug's margin, never a fresh 10.
    EXPECT_EQ(sent[1], kOff);
    EXPECT_EQ(sent[2], R"({"state":"ON","on_time":420})");
    h.advance(6min);
    EXPECT_FALSE(h.actuators->pad_on("pad")) << "10 min in all";
}

TEST(Safety, ShutdownTurnsPadsOffAndStopsBeds) {
    Household h(kHousehold, kEvening);
    h.actuators->heat_on("pad", 10min, "test");
    const std::size_t mark = h.bus.published.size();
    h.actuators->shutdown();
    EXPECT_EQ(h.bus.payloads_on(kPadSet, mark), std::vector<std::string>{kOff});
    EXPECT_EQ(h.bus.payloads_on("bed/cover/legs/command", mark), std::vector<std::string>{"STOP"});
}

TEST(Safety, ManualOffWinsForTheRestOfTheNight) {
    Household h(kHousehold, kEvening, "", /*expect_confirmation=*/true);
    h.advance(4h);
    h.bus.inject("s/room", "16");
    h.advance(5min);  // 22:05: the long pre-warm starts
    ASSERT_TRUE(h.actuators->pad_on("pad"));
    h.bus.inject("zigbee2mqtt/pad", R"({"state":"ON"})");  // the plug confirms
    h.advance(2min);
    h.bus.inject("zigbee2mqtt/pad", R"({"state":"OFF"})");  // a hand on the button
    EXPECT_FALSE(h.actuators->pad_on("pad"));
    EXPECT_EQ(h.counters.manual_offs, 1u);
    // Later that night a cramp: guidance, but no heat.
    h.advance(4h);
    const std::size_t mark = h.bus.published.size();
    h.bus.inject("w/episode", R"({"id":"e1","duration_s":40})");
    EXPECT_FALSE(has_on(h.bus.payloads_on(kPadSet, mark)));
    EXPECT_TRUE(h.said("switched off by hand tonight"));
    EXPECT_FALSE(h.bus.payloads_on("notify/sam", mark).empty()) << "the guidance still goes out";
}

TEST(Safety, NoPreWarmWhileAsleep) {
    Household h(kHousehold, kEvening);
    h.advance(4h + 10min);  // 22:10
    h.bus.inject("s/stage", "deep");
    h.advance(5min);  // 22:15: the pre-warm is due
    EXPECT_FALSE(h.actuators->pad_on("pad"));
    EXPECT_TRUE(h.said("prewarm skipped: asleep (sleep sensor reads deep)"));
}

TEST(Safety, HeatStopsAsSoonAsTheSleeperFallsAsleep) {
    Household h(kHousehold, kEvening);
    h.bus.inject("s/stage", "awake");
    h.advance(4h + 15min);  // 22:15 pre-warm on
    ASSERT_TRUE(h.actuators->pad_on("pad"));
    h.bus.inject("s/stage", "light");
    EXPECT_FALSE(h.actuators->pad_on("pad"));
    EXPECT_TRUE(h.said("pad off: asleep"));
}

TEST(Safety, LongInBedWithoutAnEpisodeCountsAsAsleep) {
    Household h(kHousehold, kEvening);
    h.bus.inject("s/bed", "OFF");
    h.advance(3h + 50min);  // 21:50
    h.bus.inject("s/bed", "ON");
    h.advance(25min);  // 22:15: in bed 25 min and no sleep-stage reading: still awake
    EXPECT_TRUE(h.actuators->pad_on("pad")) << "the pre-warm starts";
    h.advance(5min);  // 22:20: 30 min in bed with no episode counts as asleep
    EXPECT_FALSE(h.actuators->pad_on("pad"));
    EXPECT_TRUE(h.said("pad off: asleep (in bed for 30 min with no episode)")) << h.timeline.back();
}

TEST(Safety, TheBedNeverMovesWhileAsleepAndMovesAreRateLimited) {
    Household h(kHousehold, kEvening);
    h.bus.inject("s/bed", "OFF");
    h.advance(4h + 30min);            // 22:30
    h.bus.inject("s/stage", "deep");  // the tracker says asleep
    std::size_t mark = h.bus.published.size();
    h.bus.inject("s/bed", "ON");
    EXPECT_TRUE(h.bus.payloads_on("bed/cover/legs/position/command", mark).empty());
    EXPECT_TRUE(h.said("bed stays: asleep"));

    h.bus.inject("s/stage", "awake");
    h.bus.inject("s/bed", "OFF");
    h.bus.inject("s/bed", "ON");  // awake, into bed: raise
    EXPECT_EQ(h.bus.payloads_on("bed/cover/legs/position/command", mark),
              std::vector<std::string>{"15"});
    h.advance(2min);
    h.bus.inject("s/bed", "OFF");
    h.bus.inject("s/bed", "ON");  // again within 10 min: refused
    EXPECT_EQ(h.bus.payloads_on("bed/cover/legs/position/command", mark).size(), 1u);
    EXPECT_TRUE(h.said("moved less than 600s ago"));
}

TEST(Safety, AnEpisodeHeatsAtMostKTimesANightAndOnlyAtNight) {
    Household h(kHousehold, kEvening);
    h.bus.inject("w/episode", R"({"id":"day","duration_s":30})");  // 18:00: not at night yet
    EXPECT_FALSE(h.actuators->pad_on("pad"));
    h.advance(6h);  // 00:00
    for (int i = 0; i < 3; ++i) {
        h.bus.inject("w/episode", R"({"id":"n)" + std::to_string(i) + R"(","duration_s":30})");
        EXPECT_EQ(h.actuators->pad_on("pad"), i < 2) << "episode " << i;
        h.advance(20min);
    }
    EXPECT_TRUE(h.said("no heat: already 2 of 2 tonight"));
}

TEST(Safety, AnOldOnReportAtStartUpIsNotTakenForAHandAndTheOffIsSentAgain) {
    // The plug's state from before the start (retained by Zigbee2MQTT, or
    // late) says ON: bedtimed's start-up OFF is not confirmed yet, so that is
    // an old state. No ON is sent; the OFF is.
    Household h(kHousehold, kEvening, "", /*expect_confirmation=*/true);
    const std::size_t mark = h.bus.published.size();
    h.bus.inject("zigbee2mqtt/pad", R"({"state":"ON"})");
    EXPECT_FALSE(has_on(h.bus.payloads_on(kPadSet, mark))) << "never re-armed as a hand's ON";
    h.advance(11s);  // confirm_timeout 10 s
    const auto sent = h.bus.payloads_on(kPadSet, mark);
    EXPECT_FALSE(has_on(sent));
    EXPECT_FALSE(sent.empty()) << "the OFF again";
    EXPECT_EQ(sent.back(), kOff);
    EXPECT_FALSE(h.actuators->pad_on("pad"));
}

TEST(Safety, APadTurnedOnOutsideBedtimedIsSwitchedOffAtItsCap) {
    Household h(kHousehold, kEvening, "", /*expect_confirmation=*/true);
    h.bus.inject("zigbee2mqtt/pad", R"({"state":"OFF"})");  // confirms our start-up OFF
    const std::size_t mark = h.bus.published.size();
    h.bus.inject("zigbee2mqtt/pad", R"({"state":"ON"})");  // someone switches it on
    // bedtimed arms the plug's own cap at once, so heat stops even if it dies...
    EXPECT_EQ(h.bus.payloads_on(kPadSet, mark),
              std::vector<std::string>{R"({"state":"ON","on_time":1800})"});
    h.bus.inject("zigbee2mqtt/pad", R"({"state":"ON"})");
    const std::size_t armed = h.bus.published.size();
    h.advance(29min);
    EXPECT_TRUE(h.bus.payloads_on(kPadSet, armed).empty());
    // ...and switches it off itself at the cap.
    h.advance(1min);
    EXPECT_EQ(h.bus.payloads_on(kPadSet, armed), std::vector<std::string>{kOff});
}

TEST(Safety, AStaleTemperatureNeverDrivesAHeatingDecision) {
    Household h(kHousehold, kEvening);
    h.bus.inject("s/room", "15");  // cold, at 18:00...
    h.advance(4h + 5min);          // ...but 4 h old at 22:05 (stale_after 30m)
    EXPECT_FALSE(h.actuators->pad_on("pad"));
    EXPECT_TRUE(h.said("long pre-warm skipped: sensor 'room' is stale or missing"));
    h.advance(10min);  // 22:15: the normal pre-warm does not depend on the temperature
    EXPECT_TRUE(h.actuators->pad_on("pad"));
}

TEST(Safety, UnconfirmedCommandsAreRetriedOnceThenCounted) {
    Household h(kHousehold, kEvening, "", /*expect_confirmation=*/true);
    const std::size_t mark = h.bus.published.size();
    h.advance(10s);  // confirm_timeout: the start-up OFF is sent again
    EXPECT_EQ(h.bus.payloads_on(kPadSet, mark), std::vector<std::string>{kOff});
    h.advance(10s);
    EXPECT_EQ(h.counters.device_unconfirmed, 1u);
    h.advance(1min);
    EXPECT_EQ(h.bus.payloads_on(kPadSet, mark).size(), 1u) << "one retry only";
}

}  // namespace
}  // namespace bedtimed::test
