// Shelly Gen2 codec: the JSON-RPC frames (field names matter: Shelly ignores
// unknown params), status topics and NotifyStatus frames.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "device.hpp"
#include "device_codec_fixture.hpp"
#include "loader.hpp"
#include "shelly_gen2/shelly_gen2.hpp"

using namespace bedtimed::integrations;
using bedtimed::config::ConfigError;
using bedtimed::config::Options;
using namespace std::chrono_literals;

namespace {

const bedtimed::test::CodecFactory kCodec{kShellyGen2};
using bedtimed::test::make_options;

std::unique_ptr<SwitchDevice> make_switch(const Options& o,
                                          std::vector<std::string>* warnings = nullptr) {
    return kCodec.make_switch(o, warnings);
}
std::unique_ptr<PositionDevice> make_position(const Options& o) { return kCodec.make_position(o); }
std::string error_of(const Options& o) { return kCodec.switch_error(o); }

}  // namespace

TEST(ShellyGen2Switch, Commands) {
    auto d = make_switch(make_options({{"prefix", "shellyplus1pm-a8032ab1"}}));
    auto on = d->turn_on(1800s);
    ASSERT_EQ(on.size(), 1u);
    EXPECT_EQ(on[0].topic, "shellyplus1pm-a8032ab1/rpc");
    EXPECT_EQ(
        on[0].payload,
        R"({"id":1,"src":"bedtimed","method":"Switch.Set","params":{"id":0,"on":true,"toggle_after":1800}})");
    auto off = d->turn_off();
    ASSERT_EQ(off.size(), 1u);
    EXPECT_EQ(off[0].topic, "shellyplus1pm-a8032ab1/rpc");
    EXPECT_EQ(off[0].payload,
              R"({"id":1,"src":"bedtimed","method":"Switch.Set","params":{"id":0,"on":false}})");
    auto prep = d->prepare(1200s);
    ASSERT_EQ(prep.size(), 1u);
    EXPECT_EQ(prep[0].topic, "shellyplus1pm-a8032ab1/rpc");
    EXPECT_EQ(
        prep[0].payload,
        R"({"id":2,"src":"bedtimed","method":"Switch.SetConfig","params":{"id":0,"config":{"initial_state":"off","auto_off":true,"auto_off_delay":1200}}})");
    EXPECT_TRUE(d->supports_device_auto_off());
}

TEST(ShellyGen2Switch, IdAndSrcOptions) {
    auto d = make_switch(make_options({{"prefix", "pro2"}, {"id", "1"}, {"src", "home/bt"}}));
    EXPECT_EQ(d->turn_off()[0].payload,
              R"({"id":1,"src":"home/bt","method":"Switch.Set","params":{"id":1,"on":false}})");
    EXPECT_EQ(d->state_topics(),
              (std::vector<std::string>{"pro2/status/switch:1", "pro2/events/rpc"}));
}

TEST(ShellyGen2Switch, StateParsing) {
    auto d = make_switch(make_options({{"prefix", "plug"}}));
    EXPECT_EQ(d->parse_state("plug/status/switch:0", R"({"id":0,"output":true,"apower":40.1})"),
              true);
    EXPECT_EQ(d->parse_state("plug/status/switch:0", R"({"id":0,"output":false})"), false);
    EXPECT_EQ(d->parse_state("plug/status/switch:0", R"({"id":0,"apower":40.1})"), std::nullopt);
    EXPECT_EQ(d->parse_state("plug/status/switch:0", R"({"id":0,"output":"on"})"), std::nullopt);
    EXPECT_EQ(d->parse_state("plug/status/switch:0", "not json"), std::nullopt);
    EXPECT_EQ(d->parse_state("plug/status/switch:1", R"({"id":1,"output":true})"), std::nullopt);
    EXPECT_EQ(d->parse_state("plug/events/rpc",
                             R"({"src":"plug","dst":"plug/events","method":"NotifyStatus",)"
                             R"("params":{"ts":1.5,"switch:0":{"id":0,"output":true}}})"),
              true);
    EXPECT_EQ(d->parse_state("plug/events/rpc",
                             R"({"method":"NotifyStatus","params":{"switch:0":{"apower":3}}})"),
              std::nullopt);
    EXPECT_EQ(d->parse_state("plug/events/rpc",
                             R"({"method":"NotifyStatus","params":{"switch:1":{"output":true}}})"),
              std::nullopt);
    EXPECT_EQ(d->parse_state("plug/events/rpc",
                             R"({"method":"NotifyEvent","params":{"switch:0":{"output":true}}})"),
              std::nullopt);
    EXPECT_EQ(d->parse_state("plug/events/rpc", R"({"method":"NotifyStatus"})"), std::nullopt);
}

TEST(ShellyGen2Cover, CommandsAndPosition) {
    auto d = make_position(make_options({{"prefix", "bed"}}));
    auto mv = d->move_to(33.3);
    ASSERT_EQ(mv.size(), 1u);
    EXPECT_EQ(mv[0].topic, "bed/rpc");
    EXPECT_EQ(
        mv[0].payload,
        R"({"id":3,"src":"bedtimed","method":"Cover.GoToPosition","params":{"id":0,"pos":33}})");
    auto st = d->stop();
    ASSERT_EQ(st.size(), 1u);
    EXPECT_EQ(st[0].payload,
              R"({"id":4,"src":"bedtimed","method":"Cover.Stop","params":{"id":0}})");
    EXPECT_EQ(d->parse_position("bed/status/cover:0", R"({"id":0,"current_pos":70})"), 70.0);
    EXPECT_EQ(d->parse_position("bed/status/cover:0", R"({"id":0,"current_pos":null})"),
              std::nullopt);
    EXPECT_EQ(d->parse_position("bed/status/cover:0", "}"), std::nullopt);
    EXPECT_EQ(
        d->parse_position("bed/events/rpc",
                          R"({"method":"NotifyStatus","params":{"cover:0":{"current_pos":12}}})"),
        12.0);
    EXPECT_EQ(d->parse_position("bed/status/switch:0", R"({"current_pos":70})"), std::nullopt);
}

TEST(ShellyGen2Options, Errors) {
    std::string e = error_of(make_options({}));
    EXPECT_NE(e.find("house.yaml:7:3"), std::string::npos) << e;
    EXPECT_NE(e.find("'prefix'"), std::string::npos) << e;
    e = error_of(make_options({{"prefix", "plug/+"}}));
    EXPECT_NE(e.find("house.yaml:10:5"), std::string::npos) << e;
    e = error_of(make_options({{"prefix", "plug"}, {"id", "-1"}}));
    EXPECT_NE(e.find("house.yaml:11:5"), std::string::npos) << e;
    e = error_of(make_options({{"prefix", "plug"}, {"src", "a#"}}));
    EXPECT_NE(e.find("house.yaml:11:5"), std::string::npos) << e;
}

TEST(ShellyGen2Options, UnreadOptionsAreWarned) {
    std::vector<std::string> warnings;
    make_switch(make_options({{"prefix", "plug"}, {"channel", "0"}}), &warnings);
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("'channel'"), std::string::npos);
}

TEST(ShellyGen2Facts, ReadCapAsksSwitchGetConfigWithADeviceReplyTopic) {
    auto d = make_switch(make_options({{"prefix", "shellyplus1pm-a8032ab1"}, {"id", "1"}}));
    auto cmds = d->read_cap();
    ASSERT_EQ(cmds.size(), 1u);
    EXPECT_EQ(cmds[0].topic, "shellyplus1pm-a8032ab1/rpc");
    EXPECT_EQ(
        cmds[0].payload,
        R"({"id":5,"src":"bedtimed/shellyplus1pm-a8032ab1","method":"Switch.GetConfig","params":{"id":1}})");
    EXPECT_EQ(d->fact_topics(), std::vector<std::string>{"bedtimed/shellyplus1pm-a8032ab1/rpc"});
    EXPECT_EQ(d->initial_facts().cap, DeviceCap::unverified);
}

TEST(ShellyGen2Facts, GetConfigReplyVerifiesAutoOff) {
    auto d = make_switch(make_options({{"prefix", "shelly1"}}));
    const std::string reply_topic = "bedtimed/shelly1/rpc";
    const SwitchFacts init = d->initial_facts();
    auto f = d->learn(
        reply_topic,
        R"({"id":5,"src":"shellyplus1-a8032ab1","dst":"bedtimed/shelly1","result":{"id":0,"name":null,)"
        R"("in_mode":"follow","initial_state":"off","auto_on":false,"auto_on_delay":60.0,)"
        R"("auto_off":true,"auto_off_delay":1800.0}})",
        init);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->cap, DeviceCap::verified);
    EXPECT_NE(f->cap_note.find("1800 s"), std::string::npos) << f->cap_note;
    EXPECT_EQ(
        d->turn_on_with(1800s, *f)[0].payload,
        R"({"id":1,"src":"bedtimed","method":"Switch.Set","params":{"id":0,"on":true,"toggle_after":1800}})");
    for (const std::string result :
         {R"({"id":0,"auto_off":false,"auto_off_delay":1800.0})",
          R"({"id":0,"auto_off":true,"auto_off_delay":0})", R"({"id":0})"}) {
        auto none = d->learn(
            reply_topic, R"({"id":5,"src":"s","dst":"bedtimed/shelly1","result":)" + result + "}",
            init);
        ASSERT_TRUE(none) << result;
        EXPECT_EQ(none->cap, DeviceCap::none) << result;
        auto on = d->turn_on_with(1800s, *none);
        ASSERT_EQ(on.size(), 1u);
        EXPECT_EQ(on[0].payload,
                  R"({"id":1,"src":"bedtimed","method":"Switch.Set","params":{"id":0,"on":true}})");
    }
}

TEST(ShellyGen2Facts, OtherRepliesTeachNothing) {
    auto d = make_switch(make_options({{"prefix", "shelly1"}}));
    const SwitchFacts init = d->initial_facts();
    const std::string ok =
        R"({"id":5,"src":"s","result":{"id":0,"auto_off":true,"auto_off_delay":1800.0}})";
    EXPECT_EQ(d->learn("bedtimed/rpc", ok, init), std::nullopt);  // another device's replies
    EXPECT_EQ(d->learn("bedtimed/shelly2/rpc", ok, init), std::nullopt);
    EXPECT_EQ(
        d->learn("bedtimed/shelly1/rpc",
                 R"({"id":5,"src":"s","result":{"id":1,"auto_off":true,"auto_off_delay":1800.0}})",
                 init),
        std::nullopt);  // another switch component
    EXPECT_EQ(d->learn("bedtimed/shelly1/rpc",
                       R"({"id":2,"src":"s","result":{"restart_required":false}})", init),
              std::nullopt);  // the SetConfig reply
    EXPECT_EQ(d->learn("bedtimed/shelly1/rpc",
                       R"({"id":5,"src":"s","error":{"code":-103,"message":"x"}})", init),
              std::nullopt);
    EXPECT_EQ(d->learn("bedtimed/shelly1/rpc", "{{", init), std::nullopt);
}

TEST(ShellyGen2Facts, PowerFromTheSwitchStatus) {
    auto d = make_switch(make_options({{"prefix", "shelly1"}}));
    EXPECT_EQ(d->parse_power("shelly1/status/switch:0",
                             R"({"id":0,"output":true,"apower":45.2,"voltage":230.1})"),
              45.2);
    EXPECT_EQ(d->parse_power("shelly1/events/rpc",
                             R"({"src":"s","dst":"shelly1/events","method":"NotifyStatus",)"
                             R"("params":{"ts":1.0,"switch:0":{"id":0,"apower":12.5}}})"),
              12.5);
    EXPECT_EQ(d->parse_power("shelly1/status/switch:0", R"({"id":0,"output":true})"), std::nullopt);
    EXPECT_EQ(d->parse_power("shelly1/status/switch:1", R"({"id":1,"apower":45.2})"), std::nullopt);
    EXPECT_EQ(d->parse_state("shelly1/status/switch:0", R"({"id":0,"apower":45.2})"), std::nullopt);
}
