// `on: {sensor: X, every_reading: true}`: a rule that fires on every reading of
// its sensor, an unchanged one too, and never on a retained message. This is
// how a bedside button's `action` logs a cramp (bedtimectl setup writes it):
// the second press of "single" must log a second cramp, and the broker's
// retained copy of an old press must log none.
#include <gtest/gtest.h>

#include <string>

#include "loader.hpp"
#include "rules.hpp"

namespace {

using namespace std::chrono_literals;

const char* const kConfig = R"(
sensors:
  - name: bedside_button
    topic: zigbee2mqtt/bedside_button
    json: action
    type: enum
    options: [single, double, hold]
  - name: bed_occupied
    topic: bedroom/bed/occupied
    type: bool
rules:
  - name: cramp_button_alex
    on: {sensor: bedside_button, every_reading: true}
    when: ["sensor.bedside_button == 'single'"]
    do:
      - publish:
          topic: bedtimed/cmd/log
          payload: '{"sleeper":"alex","notes":"bedside button"}'
          qos: 1
  - name: bed_changed
    on: {sensor: bed_occupied}
    do:
      - publish: {topic: bedtimed/bed, payload: "{{sensor.bed_occupied}}"}
)";

class EveryReading : public ::testing::Test {
protected:
    bedtimed::Decision reading(const std::string& sensor, bedtimed::Value v, bool unchanged,
                               bool retained = false) {
        sensors_[sensor] = bedtimed::SensorReading{std::move(v), bedtimed::WallTime(), now_};
        bedtimed::Trigger t;
        t.sensor = sensor;
        t.topic = cfg_.find_sensor(sensor)->topic;
        t.unchanged = unchanged;
        t.retained = retained;
        return bedtimed::decide(cfg_, t, sensors_, now_);
    }

    bedtimed::config::Config cfg_ = bedtimed::config::parse_config(kConfig, "rules.yaml");
    bedtimed::SensorTable sensors_;
    bedtimed::SteadyTime now_ = bedtimed::SteadyTime(24h);
};

TEST_F(EveryReading, LoaderReadsTheFlag) {
    ASSERT_EQ(cfg_.rules.size(), 2u);
    EXPECT_TRUE(cfg_.rules[0].every_reading);
    EXPECT_FALSE(cfg_.rules[1].every_reading);
    EXPECT_TRUE(cfg_.warnings.empty());
}

TEST_F(EveryReading, TheSamePressTwiceFiresTwice) {
    const auto first = reading("bedside_button", std::string("single"), false);
    ASSERT_EQ(first.publishes.size(), 1u);
    EXPECT_EQ(first.publishes[0].topic, "bedtimed/cmd/log");
    EXPECT_EQ(first.publishes[0].payload, R"({"sleeper":"alex","notes":"bedside button"})");
    const auto second = reading("bedside_button", std::string("single"), true);
    EXPECT_EQ(second.publishes.size(), 1u);
}

TEST_F(EveryReading, OtherActionsAndRetainedPressesFireNothing) {
    EXPECT_TRUE(reading("bedside_button", std::string("double"), false).publishes.empty());
    EXPECT_TRUE(reading("bedside_button", std::string("single"), false, true).publishes.empty());
}

TEST_F(EveryReading, OrdinaryRulesStillFireOnlyOnAChange) {
    EXPECT_EQ(reading("bed_occupied", true, false).publishes.size(), 1u);
    EXPECT_TRUE(reading("bed_occupied", true, true).publishes.empty());
    // A retained change still counts for an ordinary rule, as before.
    EXPECT_EQ(reading("bed_occupied", false, false, true).publishes.size(), 1u);
}

TEST(EveryReadingLoader, RefusesANonBoolean) {
    const std::string bad = std::string(kConfig).replace(
        std::string(kConfig).find("every_reading: true"), 19, "every_reading: often");
    try {
        bedtimed::config::parse_config(bad, "rules.yaml");
        FAIL() << "loaded";
    } catch (const bedtimed::config::ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("rules.yaml:"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("must be true or false"), std::string::npos);
    }
}

}  // namespace
