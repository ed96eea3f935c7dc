// Generic codec: everything comes from options, so most of the risk is in the
// option handling (templates, defaults, topic checks) and the JSON path lookup.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "device.hpp"
#include "device_codec_fixture.hpp"
#include "generic/generic.hpp"
#include "loader.hpp"

using namespace bedtimed::integrations;
using bedtimed::config::ConfigError;
using bedtimed::config::Options;
using namespace std::chrono_literals;

namespace {

const bedtimed::test::CodecFactory kCodec{kGeneric};
using bedtimed::test::make_options;

std::unique_ptr<SwitchDevice> make_switch(const Options& o,
                                          std::vector<std::string>* warnings = nullptr) {
    return kCodec.make_switch(o, warnings);
}
std::unique_ptr<PositionDevice> make_position(const Options& o) { return kCodec.make_position(o); }
std::string switch_error(const Options& o) { return kCodec.switch_error(o); }
std::string position_error(const Options& o) { return kCodec.position_error(o); }

}  // namespace

TEST(GenericSwitch, Defaults) {
    auto d = make_switch(make_options({{"on_topic", "home/pad/set"}}));
    auto on = d->turn_on(1800s);
    ASSERT_EQ(on.size(), 1u);
    EXPECT_EQ(on[0].topic, "home/pad/set");
    EXPECT_EQ(on[0].payload, "ON");
    auto off = d->turn_off();
    ASSERT_EQ(off.size(), 1u);
    EXPECT_EQ(off[0].topic, "home/pad/set");
    EXPECT_EQ(off[0].payload, "OFF");
    EXPECT_TRUE(d->prepare(1800s).empty());
    EXPECT_FALSE(d->supports_device_auto_off());
    EXPECT_TRUE(d->state_topics().empty());
    EXPECT_EQ(d->parse_state("home/pad/set", "ON"), std::nullopt);  // never confirms
}

TEST(GenericSwitch, AutoOffPlaceholder) {
    auto d = make_switch(make_options({{"on_topic", "home/pad/on"},
                                       {"on_payload", R"({"on":true,"timer":{{ auto_off_s }}})"},
                                       {"off_topic", "home/pad/off"},
                                       {"off_payload", R"({"on":false})"}}));
    EXPECT_TRUE(d->supports_device_auto_off());
    EXPECT_EQ(d->turn_on(900s)[0].payload, R"({"on":true,"timer":900})");
    EXPECT_EQ(d->turn_off()[0].topic, "home/pad/off");
    EXPECT_EQ(d->turn_off()[0].payload, R"({"on":false})");
    auto explicit_off = make_switch(make_options(
        {{"on_topic", "p"}, {"on_payload", "ON {{auto_off_s}}"}, {"auto_off", "false"}}));
    EXPECT_FALSE(explicit_off->supports_device_auto_off());
    EXPECT_EQ(explicit_off->turn_on(60s)[0].payload, "ON 60");
    auto claimed = make_switch(make_options({{"on_topic", "p"}, {"auto_off", "true"}}));
    EXPECT_TRUE(claimed->supports_device_auto_off());
}

TEST(GenericSwitch, PlainStateTopic) {
    auto d = make_switch(make_options({{"on_topic", "pad/cmd"},
                                       {"state_topic", "pad/state"},
                                       {"state_on", "1"},
                                       {"state_off", "0"}}));
    EXPECT_EQ(d->state_topics(), std::vector<std::string>{"pad/state"});
    EXPECT_EQ(d->parse_state("pad/state", "1"), true);
    EXPECT_EQ(d->parse_state("pad/state", "0"), false);
    EXPECT_EQ(d->parse_state("pad/state", "ON"), std::nullopt);
    EXPECT_EQ(d->parse_state("pad/other", "1"), std::nullopt);
}

TEST(GenericSwitch, JsonStateWithWildcardFilter) {
    auto d = make_switch(make_options({{"on_topic", "pad/cmd"},
                                       {"state_topic", "pad/+/state"},
                                       {"state_json", "relays.0.state"}}));
    EXPECT_EQ(d->parse_state("pad/a/state", R"({"relays":[{"state":"ON"}]})"), true);
    EXPECT_EQ(d->parse_state("pad/b/state", R"({"relays":[{"state":"OFF"}]})"), false);
    EXPECT_EQ(d->parse_state("pad/b/state", R"({"relays":[{"state":true}]})"), true);
    EXPECT_EQ(d->parse_state("pad/b/state", R"({"relays":[{"state":"DIM"}]})"), std::nullopt);
    EXPECT_EQ(d->parse_state("pad/b/state", R"({"relays":[]})"), std::nullopt);
    EXPECT_EQ(d->parse_state("pad/b/state", R"({"relays":{"state":"ON"}})"), std::nullopt);
    EXPECT_EQ(d->parse_state("pad/b/state", R"({"relays":[{"state":"ON"})"), std::nullopt);
    EXPECT_EQ(d->parse_state("pad/b/state", "ON"), std::nullopt);
    EXPECT_EQ(d->parse_state("pad/b/c/state", R"({"relays":[{"state":"ON"}]})"), std::nullopt);
}

TEST(GenericPosition, CommandsAndState) {
    auto d = make_position(make_options({{"position_topic", "bed/legs/set"},
                                         {"position_payload", R"({"pos":{{position}}})"},
                                         {"stop_topic", "bed/legs/stop"},
                                         {"position_state_topic", "bed/legs"},
                                         {"position_json", "pos"}}));
    auto mv = d->move_to(64.7);
    ASSERT_EQ(mv.size(), 1u);
    EXPECT_EQ(mv[0].topic, "bed/legs/set");
    EXPECT_EQ(mv[0].payload, R"({"pos":65})");
    auto st = d->stop();
    ASSERT_EQ(st.size(), 1u);
    EXPECT_EQ(st[0].topic, "bed/legs/stop");
    EXPECT_EQ(st[0].payload, "STOP");
    EXPECT_EQ(d->parse_position("bed/legs", R"({"pos":12})"), 12.0);
    EXPECT_EQ(d->parse_position("bed/legs", R"({"pos":"12"})"), 12.0);
    EXPECT_EQ(d->parse_position("bed/legs", R"({"angle":12})"), std::nullopt);
    EXPECT_EQ(d->parse_position("bed/legs", "12"), std::nullopt);
}

TEST(GenericPosition, DefaultsWithoutStopOrState) {
    auto d = make_position(make_options({{"position_topic", "bed/set"}}));
    EXPECT_EQ(d->move_to(10)[0].payload, "10");
    EXPECT_TRUE(d->stop().empty());
    EXPECT_TRUE(d->state_topics().empty());
    auto plain = make_position(
        make_options({{"position_topic", "bed/set"}, {"position_state_topic", "bed/pos"}}));
    EXPECT_EQ(plain->parse_position("bed/pos", "80"), 80.0);
    EXPECT_EQ(plain->parse_position("bed/pos", "eighty"), std::nullopt);
}

TEST(GenericOptions, SwitchErrors) {
    std::string e = switch_error(make_options({}));
    EXPECT_NE(e.find("house.yaml:7:3"), std::string::npos) << e;
    EXPECT_NE(e.find("'on_topic'"), std::string::npos) << e;
    e = switch_error(make_options({{"on_topic", "pad/#"}}));
    EXPECT_NE(e.find("house.yaml:10:5"), std::string::npos) << e;
    e = switch_error(make_options({{"on_topic", "pad"}, {"off_topic", "pad/+"}}));
    EXPECT_NE(e.find("house.yaml:11:5"), std::string::npos) << e;
    e = switch_error(make_options({{"on_topic", "pad"}, {"state_topic", "pad/#/x"}}));
    EXPECT_NE(e.find("house.yaml:11:5"), std::string::npos) << e;
    e = switch_error(make_options({{"on_topic", "pad"}, {"on_payload", "{{position}}"}}));
    EXPECT_NE(e.find("house.yaml:11:5"), std::string::npos) << e;
    EXPECT_NE(e.find("position"), std::string::npos) << e;
    e = switch_error(make_options({{"on_topic", "pad"}, {"on_payload", "{{auto_off_s"}}));
    EXPECT_NE(e.find("house.yaml:11:5"), std::string::npos) << e;
    e = switch_error(make_options({{"on_topic", "pad"}, {"state_json", "a.b"}}));
    EXPECT_NE(e.find("needs 'state_topic'"), std::string::npos) << e;
    e = switch_error(
        make_options({{"on_topic", "pad"}, {"state_topic", "s"}, {"state_json", "a..b"}}));
    EXPECT_NE(e.find("house.yaml:12:5"), std::string::npos) << e;
    e = switch_error(make_options({{"on_topic", "pad"}, {"auto_off", "sometimes"}}));
    EXPECT_NE(e.find("house.yaml:11:5"), std::string::npos) << e;
}

TEST(GenericOptions, PositionErrors) {
    std::string e = position_error(make_options({}));
    EXPECT_NE(e.find("house.yaml:7:3"), std::string::npos) << e;
    EXPECT_NE(e.find("'position_topic'"), std::string::npos) << e;
    e = position_error(make_options({{"position_topic", "bed"}, {"stop_topic", "#"}}));
    EXPECT_NE(e.find("house.yaml:11:5"), std::string::npos) << e;
    e = position_error(
        make_options({{"position_topic", "bed"}, {"position_payload", "{{auto_off_s}}"}}));
    EXPECT_NE(e.find("house.yaml:11:5"), std::string::npos) << e;
    e = position_error(make_options({{"position_topic", "bed"}, {"position_json", "pos"}}));
    EXPECT_NE(e.find("needs 'position_state_topic'"), std::string::npos) << e;
}

TEST(GenericOptions, UnreadOptionsAreWarned) {
    std::vector<std::string> warnings;
    make_switch(make_options({{"on_topic", "p"}, {"position_topic", "q"}}), &warnings);
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("'position_topic'"), std::string::npos) << warnings[0];
}
