// The engine's readings (daemon/rules/engine.*): a payload repeated on a
// sensor's topic is taken as the value it parsed to last time (most of a
// night's readings repeat), without changing what a reading means: every one
// is counted and refreshes the reading's time, a rejected one in between
// changes nothing, and a sensor that shares the topic keeps its own value.
// ManualClock, RecordingBus.
#include <gtest/gtest.h>

#include "engine.hpp"
#include "iso8601.hpp"
#include "loader.hpp"
#include "manual_clock.hpp"
#include "recording_bus.hpp"

namespace bedtimed {
namespace {

using namespace std::chrono_literals;

const char* kConfig = R"(
sensors:
  - {name: temp, topic: zigbee2mqtt/room, json: temperature, type: number, unit: "°C"}
  - {name: humidity, topic: zigbee2mqtt/room, json: humidity, type: number}
rules:
  - name: cold
    on: {sensor: temp}
    when: ["sensor.temp < 16"]
    do:
      - publish: {topic: house/cold, payload: "{{sensor.temp}}"}
)";

class EngineReadings : public ::testing::Test {
protected:
    std::shared_ptr<const config::Config> cfg =
        std::make_shared<const config::Config>(config::parse_config(kConfig, "test.yaml"));
    ManualClock clock{*parse_iso8601("2026-11-26T22:40:00Z")};
    RecordingBus bus;
    Counters counters;
    Engine engine{clock, bus, counters, cfg};

    void SetUp() override { engine.start(); }
    void send(const std::string& payload) {
        Message m;
        m.topic = "zigbee2mqtt/room";
        m.payload = payload;
        bus.inject(m);
    }
    double value(const std::string& sensor) const {
        return std::get<double>(engine.sensors().at(sensor).value);
    }
};

TEST_F(EngineReadings, ARepeatedPayloadIsCountedRefreshedAndMeansTheSame) {
    send(R"({"temperature": 15.5, "humidity": 40})");
    ASSERT_EQ(bus.published.size(), 1u) << "the rule fires on the first reading";
    const auto first = engine.sensors().at("temp").steady;
    clock.advance(30s);
    send(R"({"temperature": 15.5, "humidity": 40})");
    EXPECT_EQ(counters.sensor_updates, 4u) << "two sensors, two readings each";
    EXPECT_EQ(value("temp"), 15.5);
    EXPECT_EQ(value("humidity"), 40);
    EXPECT_EQ(engine.sensors().at("temp").steady, first + 30s) << "the reading is fresh again";
    EXPECT_EQ(bus.published.size(), 1u) << "unchanged: the change rule does not fire again";
}

TEST_F(EngineReadings, ARejectedPayloadBetweenTwoEqualOnesChangesNothing) {
    send(R"({"temperature": 15.5, "humidity": 40})");
    send(R"({"temperature": "warm", "humidity": 41})");
    EXPECT_EQ(counters.sensor_values_rejected, 1u) << "temp refused it";
    EXPECT_EQ(value("temp"), 15.5) << "the last accepted value stays";
    EXPECT_EQ(value("humidity"), 41) << "the other sensor on the topic took it";
    send(R"({"temperature": 15.5, "humidity": 40})");
    EXPECT_EQ(value("temp"), 15.5);
    EXPECT_EQ(value("humidity"), 40);
    send(R"({"temperature": 17, "humidity": 40})");
    EXPECT_EQ(value("temp"), 17) << "a new payload is parsed";
}

}  // namespace
}  // namespace bedtimed
