// A pad's device truth and power checks in the executor (daemon/heat/actuators.*),
// on the manual clock: what Zigbee2MQTT's retained bridge/devices teaches,
// ON but drawing nothing, OFF but still drawing.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "household_fixture.hpp"
#include "ingest.hpp"
#include "z2m_devices.hpp"

namespace bedtimed::test {
namespace {

using namespace std::chrono_literals;

const char* kConfig = R"(
actuators:
  - {name: pad, kind: heating_pad, integration: zigbee2mqtt, device: pad, max_on: 30m}
notifiers:
  - {name: phone, type: mqtt, topic: "notify/{sleeper}"}
sleepers:
  - name: sam
    timezone: Europe/Berlin
    bedtime: "22:30"
    heating_pad: pad
    notify: [phone]
    routine:
      prewarm: {enabled: false}
)";

const WallTime kEvening = *parse_iso8601("2026-11-26T18:00:00+01:00");
const std::string kSet = "zigbee2mqtt/pad/set";

struct TuyaPad {
    TuyaPad() : h(kConfig, kEvening, "", /*expect_confirmation=*/true) {
        // A Nous A1Z (Tuya TS011F_plug_1): countdown, reports power.
        h.bus.inject("zigbee2mqtt/bridge/devices",
                     z2m_devices_payload(BEDTIMED_TEST_DATA, {{"A1Z", "pad"}}));
        h.bus.inject("zigbee2mqtt/pad", R"({"state":"OFF","power":0})");
    }
    Household h;
};

TEST(PadPower, BridgeDevicesTeachesTheCapAndItIsUsed) {
    TuyaPad t;
    const auto pad = t.h.actuators->pad_json("pad");
    EXPECT_EQ(pad["cap"], "unverified");
    EXPECT_EQ(pad["cap_method"], "countdown");
    const std::size_t mark = t.h.bus.published.size();
    ASSERT_GT(t.h.actuators->heat_on("pad", 10min, "test").count(), 0);
    const auto sent = t.h.bus.payloads_on(kSet, mark);
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0], R"({"state":"ON","countdown":660})") << "never on_time on Tuya firmware";
}

TEST(PadPower, OnButDrawingNothingIsWarnedAbout) {
    TuyaPad t;
    t.h.actuators->heat_on("pad", 10min, "test");
    t.h.bus.inject("zigbee2mqtt/pad", R"({"state":"ON","power":0.4})");
    t.h.advance(60s);
    t.h.bus.inject("zigbee2mqtt/pad", R"({"state":"ON","power":0})");
    EXPECT_EQ(t.h.counters.pad_no_power, 0u) << "not before the window";
    t.h.advance(31s);
    EXPECT_EQ(t.h.counters.pad_no_power, 1u);
    EXPECT_TRUE(t.h.said("not drawing power"));
}

TEST(PadPower, OnAndDrawingIsFine) {
    TuyaPad t;
    t.h.actuators->heat_on("pad", 10min, "test");
    t.h.bus.inject("zigbee2mqtt/pad", R"({"state":"ON","power":0})");
    t.h.advance(40s);
    t.h.bus.inject("zigbee2mqtt/pad", R"({"state":"ON","power":55})");  // the element cycles
    t.h.advance(60s);
    EXPECT_EQ(t.h.counters.pad_no_power, 0u);
}

TEST(PadPower, OffButStillDrawingIsUrgentAndTheOffIsRepeated) {
    TuyaPad t;
    t.h.actuators->heat_on("pad", 10min, "test");
    t.h.bus.inject("zigbee2mqtt/pad", R"({"state":"ON","power":60})");
    t.h.advance(5min);
    t.h.actuators->heat_off("pad", "test");
    t.h.bus.inject("zigbee2mqtt/pad",
                   R"({"state":"OFF","power":60})");  // a stale reading in the OFF report
    EXPECT_EQ(t.h.counters.pad_off_drawing, 0u) << "right after the OFF a reading may be stale";
    t.h.advance(91s);
    const std::size_t mark = t.h.bus.published.size();
    t.h.bus.inject("zigbee2mqtt/pad", R"({"state":"OFF","power":58})");  // the relay is stuck
    EXPECT_EQ(t.h.counters.pad_off_drawing, 1u);
    EXPECT_EQ(t.h.bus.payloads_on(kSet, mark), std::vector<std::string>{R"({"state":"OFF"})"})
        << "OFF again";
    const auto notes = t.h.bus.payloads_on("notify/sam", mark);
    ASSERT_EQ(notes.size(), 1u);
    const auto j = nlohmann::json::parse(notes[0]);
    EXPECT_TRUE(j["urgent"].get<bool>());
    EXPECT_NE(j["message"].get<std::string>().find("did not switch off"), std::string::npos)
        << notes[0];
    // A report a few seconds later: counted, but no second notice and no OFF storm.
    t.h.advance(10s);
    const std::size_t again = t.h.bus.published.size();
    t.h.bus.inject("zigbee2mqtt/pad", R"({"state":"OFF","power":58})");
    EXPECT_TRUE(t.h.bus.payloads_on("notify/sam", again).empty());
    EXPECT_TRUE(t.h.bus.payloads_on(kSet, again).empty());
}

TEST(PadPower, APadTestInterruptedBySleepEndsAndHeatIsNotBlockedAfterIt) {
    const std::string cfg = std::string(kConfig) + R"(
sensors:
  - {name: stage, topic: s/stage, type: enum, options: [awake, light, deep, rem], stale_after: 20m}
)";
    std::string yaml = cfg;
    const std::string heat_line = "    heating_pad: pad\n";
    yaml.replace(yaml.find(heat_line), heat_line.size(),
                 heat_line + "    sleep_sensor: stage\n    asleep_values: [light, deep, rem]\n");
    Household h(yaml, kEvening, "", true);
    h.bus.inject("zigbee2mqtt/bridge/devices",
                 z2m_devices_payload(BEDTIMED_TEST_DATA, {{"A1Z", "pad"}}));
    h.bus.inject("zigbee2mqtt/pad", R"({"state":"OFF"})");
    h.bus.inject("s/stage", "awake");
    std::string result;
    ASSERT_EQ(h.actuators->pad_test("pad", [&](const std::string& r) { result = r; }), "");
    h.bus.inject("zigbee2mqtt/pad", R"({"state":"ON"})");
    h.bus.inject("s/stage", "light");  // asleep: the pad goes off, the test ends
    EXPECT_FALSE(h.actuators->pad_on("pad"));
    EXPECT_EQ(result.rfind("INCONCLUSIVE", 0), 0u) << result;
    EXPECT_EQ(h.actuators->pad_json("pad")["cap"], "unverified") << "nothing was proved either way";
    h.bus.inject("s/stage", "awake");
    EXPECT_GT(h.actuators->heat_on("pad", 5min, "after the test").count(), 0)
        << "not stuck in the test";
}

TEST(PadPower, APlugWithoutADeviceCapMakesEveryEarlyOffAHand) {
    Household h(kConfig, kEvening, "", true);
    // A Lidl Silvercrest (Tuya firmware, no countdown): no device cap.
    h.bus.inject("zigbee2mqtt/bridge/devices",
                 z2m_devices_payload(BEDTIMED_TEST_DATA, {{"HG06337", "pad"}}));
    h.bus.inject("zigbee2mqtt/pad", R"({"state":"OFF"})");
    EXPECT_EQ(h.actuators->pad_json("pad")["cap"], "none");
    const std::size_t mark = h.bus.published.size();
    h.actuators->heat_on("pad", 10min, "test");
    EXPECT_EQ(h.bus.payloads_on(kSet, mark), std::vector<std::string>{R"({"state":"ON"})"})
        << "no cap sent at all";
    h.bus.inject("zigbee2mqtt/pad", R"({"state":"ON"})");
    h.advance(10min - 20s);
    h.bus.inject("zigbee2mqtt/pad", R"({"state":"OFF"})");
    EXPECT_EQ(h.counters.manual_offs, 1u);
    EXPECT_EQ(h.counters.heat_safety_offs, 0u);
}

}  // namespace
}  // namespace bedtimed::test
