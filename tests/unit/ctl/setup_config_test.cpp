// Inventory + answers → config text: the answers file read strictly (errors
// with file:line:col), the rules every answer keeps, and the config the real
// loader accepts without a warning (the integration test runs the daemon's
// whole --check-config on it).
#include <gtest/gtest.h>

#include "announcement_recording.hpp"
#include "loader.hpp"
#include "setup_config.hpp"

namespace bedtimed::ctl::setup {
namespace {

const char* const kTwoSleepers = R"(sleepers:
  - name: alex
    timezone: Europe/Berlin
    bedtime: "22:30"
    heating_pad: heating_pad_left
    bed: bedroom_bed_left_legs
    occupancy: bedroom_bed_bed_left_occupied
    temperature: bedroom_sensor
    sleep: sleep_bridge_alex_sleep_stage
    activity: sleep_bridge_alex_steps_today
    wearable: wearables/alex/episode
    phone: {type: ntfy, url: "https://ntfy.sh", topic: bedtime-alex}
    cramp_button: {device: bedside_button, action: single}
  - name: sam
    bedtime: "23:15"
    heating_pad: tasmota_a1b2c3
    bed: bedroom_bed_right_legs
    occupancy: bed_motion_left
    temperature: bedroom_sensor
    phone: mqtt
    cramp_button: {device: bedside_button, action: double}
)";

class SetupConfig : public ::testing::Test {
protected:
    Inventory inv_ = read_announcements(test::recorded_announcements());

    std::string error_of(const std::string& answers) {
        try {
            parse_answers(answers, "answers.yaml", inv_);
        } catch (const SetupError& e) {
            return e.what();
        }
        return "(accepted)";
    }
};

TEST_F(SetupConfig, TwoSleepersMakeAConfigTheLoaderAccepts) {
    const Answers a = parse_answers(kTwoSleepers, "answers.yaml", inv_);
    ASSERT_EQ(a.sleepers.size(), 2u);
    const std::string text = render_config(inv_, a, RenderSettings{});
    const config::Config cfg = config::parse_config(text, "generated.yaml");
    EXPECT_TRUE(cfg.warnings.empty()) << cfg.warnings.front() << "\n" << text;
    ASSERT_EQ(cfg.sleepers.size(), 2u);
    EXPECT_EQ(cfg.sleepers[0].heating_pad, "heating_pad_left");
    EXPECT_EQ(cfg.sleepers[1].bed, "bedroom_bed_right_legs");
    EXPECT_EQ(cfg.sleepers[0].sleep_sensor, "sleep_bridge_alex_sleep_stage");
    ASSERT_EQ(cfg.rules.size(), 2u);
    EXPECT_TRUE(cfg.rules[0].every_reading);
    EXPECT_EQ(cfg.sensors.size(), 6u);  // bedroom_sensor once, for both sleepers
    EXPECT_NE(text.find("# heating_pad_left (zigbee2mqtt, A1Z (_TZ3000_2putqrmw))"),
              std::string::npos);
    EXPECT_NE(text.find("cap: countdown"), std::string::npos);  // the plug's cap, as a comment
    EXPECT_NE(text.find("bedtimed/cmd/log"), std::string::npos);
}

TEST_F(SetupConfig, AFewAnswersAreEnough) {
    const Answers a = parse_answers("sleepers: [{name: alex, heating_pad: heating_pad_left}]",
                                    "answers.yaml", inv_);
    const auto cfg =
        config::parse_config(render_config(inv_, a, {"tcp://broker:1883", "bt"}), "generated.yaml");
    EXPECT_TRUE(cfg.warnings.empty());
    EXPECT_EQ(cfg.mqtt.uri, "tcp://broker:1883");
    EXPECT_EQ(cfg.mqtt.base_topic, "bt");
    EXPECT_EQ(cfg.actuators.size(), 1u);
}

TEST_F(SetupConfig, ABedWithoutAnOccupancySensorHasNoElevation) {
    const Answers a =
        parse_answers("sleepers: [{name: alex, bed: bedroom_bed_left_legs}]", "answers.yaml", inv_);
    const auto text = render_config(inv_, a, {});
    const auto cfg = config::parse_config(text, "generated.yaml");
    EXPECT_EQ(cfg.sleepers.at(0).bed, "bedroom_bed_left_legs");
    EXPECT_EQ(text.find("elevation:"), std::string::npos);
    EXPECT_NE(text.find("needs an occupancy_sensor"), std::string::npos);
}

TEST_F(SetupConfig, DevicesByTheirOwnNamesToo) {
    const Answers a = parse_answers(
        "sleepers: [{name: alex, heating_pad: shellyplusplugs-e465b8a1b2c3, "
        "temperature: tasmota_C4D5E6_AM2301}]",
        "answers.yaml", inv_);
    const auto text = render_config(inv_, a, {});
    EXPECT_NE(text.find("shellyplusplugs_e465b8a1b2c3"), std::string::npos);
    EXPECT_TRUE(config::parse_config(text, "generated.yaml").warnings.empty());
}

TEST_F(SetupConfig, BadAnswersSayWhereAndWhat) {
    EXPECT_EQ(error_of("sleepers:\n  - name: alex\n    heating_pad: kettle\n"),
              "answers.yaml:2:5: sleeper 'alex': heating pad 'kettle' is not on the broker "
              "(found: heating_pad_left, heating_pad_right, tasmota_a1b2c3, "
              "shellyplug_s_c8c9a3, shellyplusplugs_e465b8a1b2c3)");
    EXPECT_EQ(error_of("sleepers:\n  - name: alex\n    heatingpad: x\n").substr(0, 42),
              "answers.yaml:3:5: unknown key 'heatingpad'");
    EXPECT_NE(error_of("sleepers:\n  - {name: alex, cramp_button: {device: bedside_button, "
                       "action: shake}}\n")
                  .find("has no action 'shake' (its actions: single, double, triple"),
              std::string::npos);
    EXPECT_NE(error_of("sleepers:\n  - {name: a, heating_pad: heating_pad_left}\n"
                       "  - {name: b, heating_pad: heating_pad_left}\n")
                  .find("answers.yaml:3:5: heating pad 'heating_pad_left' belongs to one sleeper"),
              std::string::npos);
    EXPECT_NE(error_of("sleepers:\n  - {name: a}\n  - {name: a}\n").find("'a' twice"),
              std::string::npos);
    EXPECT_NE(error_of("sleepers:\n  - {name: a, bedtime: \"25:00\"}\n").find("not HH:MM"),
              std::string::npos);
    EXPECT_NE(error_of("sleepers: [{name: a, phone: {type: ntfy}}]").find("needs 'url'"),
              std::string::npos);
    EXPECT_NE(error_of("sleepers: []").find("at least one"), std::string::npos);
    EXPECT_NE(error_of("sleepers: [{name: \"a b\"}]").find("letters, digits"), std::string::npos);
    EXPECT_EQ(error_of("sleepers: [{name: a\n").substr(0, 13), "answers.yaml:");
}

TEST_F(SetupConfig, AwkwardNamesStayOneValue) {
    const std::string bridge = R"([{"friendly_name":"Bed: left # pad","type":"Router",
        "manufacturer":"IKEA of Sweden","definition":{"model":"E1603","exposes":[
        {"type":"switch","features":[{"name":"state","property":"state","access":7,
        "type":"binary","value_on":"ON","value_off":"OFF"}]}]}}])";
    const Inventory inv = read_announcements({{"zigbee2mqtt/bridge/devices", bridge, true}});
    ASSERT_EQ(inv.devices.size(), 1u);
    EXPECT_EQ(inv.devices[0].id, "bed_left_pad");
    const Answers a =
        parse_answers("sleepers: [{name: alex, heating_pad: bed_left_pad}]", "answers.yaml", inv);
    const auto cfg = config::parse_config(render_config(inv, a, {}), "generated.yaml");
    ASSERT_EQ(cfg.actuators.size(), 1u);
}

}  // namespace
}  // namespace bedtimed::ctl::setup
