// Each actuator's device health for the page's Devices (Actuators::devices_json):
// last seen, stale, confirmed, power, for a pad and a bed, on the manual clock.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "household_fixture.hpp"
#include "ingest.hpp"

namespace bedtimed::test {
namespace {

using namespace std::chrono_literals;

const char* kConfig = R"(
actuators:
  - {name: pad, kind: heating_pad, integration: zigbee2mqtt, device: pad, max_on: 30m,
     confirm_timeout: 10s}
  - {name: bed, kind: bed, integration: esphome, node: bed, object_id: legs,
     presets: {flat: 0, legs_raised: 15}, confirm_timeout: 10s}
sleepers:
  - name: sam
    timezone: Europe/Berlin
    bedtime: "22:30"
    heating_pad: pad
    bed: bed
    routine:
      prewarm: {enabled: false}
)";

const WallTime kEvening = *parse_iso8601("2026-11-26T18:00:00+01:00");

nlohmann::json device(Household& h, const std::string& name) {
    for (const auto& d : h.actuators->devices_json())
        if (d["name"] == name) return d;
    return nullptr;
}

TEST(ActuatorDevices, NothingHeardSinceTheStartIsStale) {
    Household h(kConfig, kEvening, "", /*expect_confirmation=*/true);
    const auto pad = device(h, "pad");
    ASSERT_TRUE(pad.is_object()) << h.actuators->devices_json().dump();
    EXPECT_EQ(pad["kind"], "heating_pad");
    EXPECT_TRUE(pad["reports"].get<bool>());
    EXPECT_TRUE(pad["last_seen"].is_null());
    EXPECT_TRUE(pad["stale"].get<bool>());
    EXPECT_FALSE(pad["confirmed"].get<bool>()) << "the start-up OFF awaits its report";
    const auto bed = device(h, "bed");
    ASSERT_TRUE(bed.is_object());
    EXPECT_EQ(bed["kind"], "bed");
    EXPECT_TRUE(bed["stale"].get<bool>());
    EXPECT_TRUE(bed["last_seen"].is_null());
    EXPECT_TRUE(bed["confirmed"].get<bool>()) << "no move was asked";
}

TEST(ActuatorDevices, APlugsReportIsLastSeenConfirmedAndItsPower) {
    Household h(kConfig, kEvening, "", true);
    h.advance(3min);
    h.bus.inject("zigbee2mqtt/pad", R"({"state":"OFF","power":1.5})");
    const auto pad = device(h, "pad");
    EXPECT_EQ(pad["last_seen"], format_iso8601(kEvening + 3min));
    EXPECT_FALSE(pad["stale"].get<bool>());
    EXPECT_TRUE(pad["confirmed"].get<bool>());
    EXPECT_EQ(pad["power_w"], 1.5);
}

TEST(ActuatorDevices, APlugThatLeavesACommandUnansweredIsStale) {
    Household h(kConfig, kEvening, "", true);
    h.bus.inject("zigbee2mqtt/pad", R"({"state":"OFF"})");
    ASSERT_GT(h.actuators->heat_on("pad", 10min, "test").count(), 0);
    EXPECT_FALSE(device(h, "pad")["confirmed"].get<bool>());
    EXPECT_FALSE(device(h, "pad")["stale"].get<bool>()) << "still within its confirm timeout";
    h.advance(11s);  // the retry
    h.advance(11s);  // unanswered after the retry
    auto pad = device(h, "pad");
    EXPECT_TRUE(pad["stale"].get<bool>()) << pad.dump();
    EXPECT_EQ(pad["last_seen"], format_iso8601(kEvening)) << "the last report is still the OFF";
    h.bus.inject("zigbee2mqtt/pad", R"({"state":"ON"})");
    pad = device(h, "pad");
    EXPECT_FALSE(pad["stale"].get<bool>());
    EXPECT_TRUE(pad["confirmed"].get<bool>());
}

TEST(ActuatorDevices, ABedsPositionReportConfirmsItsMove) {
    Household h(kConfig, kEvening, "", true);
    ASSERT_TRUE(h.actuators->move_bed("bed", "legs_raised", "test"));
    EXPECT_FALSE(device(h, "bed")["confirmed"].get<bool>());
    h.advance(2s);
    h.bus.inject("bed/cover/legs/position/state", "15");
    const auto bed = device(h, "bed");
    EXPECT_TRUE(bed["confirmed"].get<bool>()) << bed.dump();
    EXPECT_FALSE(bed["stale"].get<bool>());
    EXPECT_EQ(bed["position"], 15.0);
    EXPECT_EQ(bed["last_seen"], format_iso8601(kEvening + 2s));
    EXPECT_TRUE(bed["power_w"].is_null());
}

}  // namespace
}  // namespace bedtimed::test
