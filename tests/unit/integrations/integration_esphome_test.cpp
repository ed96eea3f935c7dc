// ESPHome codec: default MQTT topics of switch and cover components.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "device.hpp"
#include "device_codec_fixture.hpp"
#include "esphome/esphome.hpp"
#include "loader.hpp"

using namespace bedtimed::integrations;
using bedtimed::config::ConfigError;
using bedtimed::config::Options;
using namespace std::chrono_literals;

namespace {

const bedtimed::test::CodecFactory kCodec{kEsphome};
using bedtimed::test::make_options;

std::unique_ptr<SwitchDevice> make_switch(const Options& o,
                                          std::vector<std::string>* warnings = nullptr) {
    return kCodec.make_switch(o, warnings);
}
std::unique_ptr<PositionDevice> make_position(const Options& o) { return kCodec.make_position(o); }
std::string error_of(const Options& o) { return kCodec.switch_error(o); }

}  // namespace

TEST(EsphomeSwitch, CommandsAndState) {
    auto d = make_switch(make_options({{"node", "bedside"}, {"object_id", "pad_relay"}}));
    auto on = d->turn_on(1800s);
    ASSERT_EQ(on.size(), 1u);
    EXPECT_EQ(on[0].topic, "bedside/switch/pad_relay/command");
    EXPECT_EQ(on[0].payload, "ON");
    auto off = d->turn_off();
    ASSERT_EQ(off.size(), 1u);
    EXPECT_EQ(off[0].topic, "bedside/switch/pad_relay/command");
    EXPECT_EQ(off[0].payload, "OFF");
    EXPECT_TRUE(d->prepare(1800s).empty());
    EXPECT_FALSE(d->supports_device_auto_off());
    EXPECT_EQ(d->state_topics(), std::vector<std::string>{"bedside/switch/pad_relay/state"});
    EXPECT_EQ(d->parse_state("bedside/switch/pad_relay/state", "ON"), true);
    EXPECT_EQ(d->parse_state("bedside/switch/pad_relay/state", "OFF"), false);
    EXPECT_EQ(d->parse_state("bedside/switch/pad_relay/state", "online"), std::nullopt);
    EXPECT_EQ(d->parse_state("bedside/switch/pad_relay/state", ""), std::nullopt);
    EXPECT_EQ(d->parse_state("bedside/switch/other/state", "ON"), std::nullopt);
    EXPECT_EQ(d->parse_state("bedside/status", "online"), std::nullopt);
}

TEST(EsphomeCover, CommandsAndPosition) {
    auto d = make_position(make_options({{"node", "bed"}, {"object_id", "legs"}}));
    auto mv = d->move_to(20.5);
    ASSERT_EQ(mv.size(), 1u);
    EXPECT_EQ(mv[0].topic, "bed/cover/legs/position/command");
    EXPECT_EQ(mv[0].payload, "21");
    auto st = d->stop();
    ASSERT_EQ(st.size(), 1u);
    EXPECT_EQ(st[0].topic, "bed/cover/legs/command");
    EXPECT_EQ(st[0].payload, "STOP");
    EXPECT_EQ(d->state_topics(), std::vector<std::string>{"bed/cover/legs/position/state"});
    EXPECT_EQ(d->parse_position("bed/cover/legs/position/state", "35"), 35.0);
    EXPECT_EQ(d->parse_position("bed/cover/legs/position/state", "35.5"), 35.5);
    EXPECT_EQ(d->parse_position("bed/cover/legs/position/state", "abc"), std::nullopt);
    EXPECT_EQ(d->parse_position("bed/cover/legs/position/state", "101"), std::nullopt);
    EXPECT_EQ(d->parse_position("bed/cover/legs/position/state", ""), std::nullopt);
    EXPECT_EQ(d->parse_position("bed/cover/legs/state", "open"), std::nullopt);
}

TEST(EsphomeOptions, Errors) {
    std::string e = error_of(make_options({{"node", "bedside"}}));
    EXPECT_NE(e.find("house.yaml:7:3"), std::string::npos) << e;
    EXPECT_NE(e.find("'object_id'"), std::string::npos) << e;
    e = error_of(make_options({{"object_id", "pad"}}));
    EXPECT_NE(e.find("'node'"), std::string::npos) << e;
    e = error_of(make_options({{"node", "bedside"}, {"object_id", "pa#d"}}));
    EXPECT_NE(e.find("house.yaml:11:5"), std::string::npos) << e;
    EXPECT_NE(e.find("invalid MQTT topic"), std::string::npos) << e;
}

TEST(EsphomeOptions, UnreadOptionsAreWarned) {
    std::vector<std::string> warnings;
    make_switch(make_options({{"node", "n"}, {"object_id", "p"}, {"restore_mode", "ALWAYS_OFF"}}),
                &warnings);
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("house.yaml:12:5"), std::string::npos) << warnings[0];
}
