// Zigbee2MQTT codec: exact topics and payloads (a wrong key means a plug that
// silently ignores us), forgiving state parsing, and option errors with a location.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "device.hpp"
#include "device_codec_fixture.hpp"
#include "loader.hpp"
#include "zigbee2mqtt/zigbee2mqtt.hpp"

using namespace bedtimed::integrations;
using bedtimed::config::ConfigError;
using bedtimed::config::Options;
using namespace std::chrono_literals;

namespace {

const bedtimed::test::CodecFactory kCodec{kZigbee2Mqtt};
using bedtimed::test::make_options;

std::unique_ptr<SwitchDevice> make_switch(const Options& o,
                                          std::vector<std::string>* warnings = nullptr) {
    return kCodec.make_switch(o, warnings);
}
std::unique_ptr<PositionDevice> make_position(const Options& o) { return kCodec.make_position(o); }
std::string error_of(const Options& o) { return kCodec.switch_error(o); }

}  // namespace

TEST(Zigbee2MqttSwitch, TurnOnArmsOnWithTimedOff) {
    auto d = make_switch(make_options({{"device", "bedroom/pad"}}));
    auto cmds = d->turn_on(1800s);
    ASSERT_EQ(cmds.size(), 1u);
    EXPECT_EQ(cmds[0].topic, "zigbee2mqtt/bedroom/pad/set");
    EXPECT_EQ(cmds[0].payload, R"({"state":"ON","on_time":1800})");
    EXPECT_EQ(cmds[0].qos, 1);
    EXPECT_FALSE(cmds[0].retain);
    EXPECT_TRUE(d->supports_device_auto_off());
}

TEST(Zigbee2MqttSwitch, OnTimeIsClampedToWhatZclCanHold) {
    auto d = make_switch(make_options({{"device", "pad"}}));
    EXPECT_EQ(d->turn_on(std::chrono::hours(3))[0].payload, R"({"state":"ON","on_time":6553})");
    EXPECT_EQ(d->turn_on(0s)[0].payload, R"({"state":"ON","on_time":1})");
}

TEST(Zigbee2MqttSwitch, OffWaitTimeAndDisabledOnTime) {
    auto with_wait = make_switch(make_options({{"device", "pad"}, {"off_wait_time", "true"}}));
    EXPECT_EQ(with_wait->turn_on(600s)[0].payload,
              R"({"state":"ON","on_time":600,"off_wait_time":0})");
    auto plain = make_switch(make_options({{"device", "pad"}, {"on_time", "false"}}));
    EXPECT_EQ(plain->turn_on(600s)[0].payload, R"({"state":"ON"})");
    EXPECT_FALSE(plain->supports_device_auto_off());
}

TEST(Zigbee2MqttSwitch, TurnOffAndPrepare) {
    auto d = make_switch(make_options({{"device", "pad"}, {"base_topic", "z2m"}}));
    auto off = d->turn_off();
    ASSERT_EQ(off.size(), 1u);
    EXPECT_EQ(off[0].topic, "z2m/pad/set");
    EXPECT_EQ(off[0].payload, R"({"state":"OFF"})");
    auto prep = d->prepare(1800s);
    ASSERT_EQ(prep.size(), 1u);
    EXPECT_EQ(prep[0].topic, "z2m/pad/set");
    EXPECT_EQ(prep[0].payload, R"({"power_on_behavior":"off"})");
}

TEST(Zigbee2MqttSwitch, PowerOnBehaviorKeepSendsNothing) {
    auto d = make_switch(make_options({{"device", "pad"}, {"power_on_behavior", "keep"}}));
    EXPECT_TRUE(d->prepare(1800s).empty());
}

TEST(Zigbee2MqttSwitch, StateParsing) {
    auto d = make_switch(make_options({{"device", "bedroom/pad"}}));
    ASSERT_EQ(d->state_topics(), std::vector<std::string>{"zigbee2mqtt/bedroom/pad"});
    const std::string t = "zigbee2mqtt/bedroom/pad";
    EXPECT_EQ(d->parse_state(t, R"({"state":"ON","power":41.5})"), true);
    EXPECT_EQ(d->parse_state(t, R"({"state":"OFF"})"), false);
    EXPECT_EQ(d->parse_state(t, R"({"state":"TOGGLE"})"), std::nullopt);
    EXPECT_EQ(d->parse_state(t, R"({"power":41.5})"), std::nullopt);
    EXPECT_EQ(d->parse_state(t, R"({"state":1})"), std::nullopt);
    EXPECT_EQ(d->parse_state(t, R"({"state":"ON")"), std::nullopt);
    EXPECT_EQ(d->parse_state(t, "ON"), std::nullopt);
    EXPECT_EQ(d->parse_state(t, ""), std::nullopt);
    EXPECT_EQ(d->parse_state(t, "[1,2]"), std::nullopt);
    EXPECT_EQ(d->parse_state("zigbee2mqtt/other", R"({"state":"ON"})"), std::nullopt);
    EXPECT_EQ(d->parse_state("zigbee2mqtt/bedroom/pad/availability", R"({"state":"ON"})"),
              std::nullopt);
}

TEST(Zigbee2MqttCover, MoveStopAndPosition) {
    auto d = make_position(make_options({{"device", "bed"}}));
    auto mv = d->move_to(42.6);
    ASSERT_EQ(mv.size(), 1u);
    EXPECT_EQ(mv[0].topic, "zigbee2mqtt/bed/set");
    EXPECT_EQ(mv[0].payload, R"({"position":43})");
    EXPECT_EQ(d->move_to(150)[0].payload, R"({"position":100})");
    EXPECT_EQ(d->move_to(-3)[0].payload, R"({"position":0})");
    auto st = d->stop();
    ASSERT_EQ(st.size(), 1u);
    EXPECT_EQ(st[0].topic, "zigbee2mqtt/bed/set");
    EXPECT_EQ(st[0].payload, R"({"state":"STOP"})");
    EXPECT_EQ(d->state_topics(), std::vector<std::string>{"zigbee2mqtt/bed"});
    EXPECT_EQ(d->parse_position("zigbee2mqtt/bed", R"({"position":30,"state":"OPEN"})"), 30.0);
    EXPECT_EQ(d->parse_position("zigbee2mqtt/bed", R"({"state":"OPEN"})"), std::nullopt);
    EXPECT_EQ(d->parse_position("zigbee2mqtt/bed", R"({"position":"30"})"), std::nullopt);
    EXPECT_EQ(d->parse_position("zigbee2mqtt/bed", R"({"position":130})"), std::nullopt);
    EXPECT_EQ(d->parse_position("zigbee2mqtt/bed", "{{{"), std::nullopt);
    EXPECT_EQ(d->parse_position("zigbee2mqtt/pad", R"({"position":30})"), std::nullopt);
}

TEST(Zigbee2MqttOptions, MissingDeviceNamesTheEntry) {
    const std::string e = error_of(make_options({}));
    EXPECT_NE(e.find("house.yaml:7:3"), std::string::npos) << e;
    EXPECT_NE(e.find("'device'"), std::string::npos) << e;
}

TEST(Zigbee2MqttOptions, BadValuesNameTheOption) {
    std::string e = error_of(make_options({{"device", "pad/#"}}));
    EXPECT_NE(e.find("house.yaml:10:5"), std::string::npos) << e;
    EXPECT_NE(e.find("invalid MQTT topic"), std::string::npos) << e;
    e = error_of(make_options({{"device", "pad"}, {"on_time", "maybe"}}));
    EXPECT_NE(e.find("house.yaml:11:5"), std::string::npos) << e;
    e = error_of(make_options({{"base_topic", "z+m"}, {"device", "pad"}}));
    EXPECT_NE(e.find("house.yaml:10:5"), std::string::npos) << e;
    e = error_of(make_options({{"device", "pad"}, {"power_on_behavior", "on"}}));
    EXPECT_NE(e.find("house.yaml:11:5"), std::string::npos) << e;
    EXPECT_NE(e.find("power_on_behavior"), std::string::npos) << e;
}

TEST(Zigbee2MqttOptions, UnreadOptionsAreWarned) {
    std::vector<std::string> warnings;
    make_switch(make_options({{"device", "pad"}, {"colour", "red"}}), &warnings);
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("house.yaml:11:5"), std::string::npos) << warnings[0];
    EXPECT_NE(warnings[0].find("'colour'"), std::string::npos) << warnings[0];
    make_switch(make_options({{"device", "pad"},
                              {"on_time", "true"},
                              {"off_wait_time", "false"},
                              {"power_on_behavior", "off"},
                              {"base_topic", "zigbee2mqtt"}}),
                &warnings);
    EXPECT_TRUE(warnings.empty());
}
