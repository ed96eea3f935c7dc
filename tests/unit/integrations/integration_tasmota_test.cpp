// Tasmota codec: POWER<r>/PulseTime<r> commands, the PulseTime encoding (tenths
// below 12 s, seconds + 100 above), relay-specific state parsing, shutters.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "device.hpp"
#include "device_codec_fixture.hpp"
#include "loader.hpp"
#include "tasmota/tasmota.hpp"

using namespace bedtimed::integrations;
using bedtimed::config::ConfigError;
using bedtimed::config::Options;
using namespace std::chrono_literals;

namespace {

const bedtimed::test::CodecFactory kCodec{kTasmota};
using bedtimed::test::make_options;

std::unique_ptr<SwitchDevice> make_switch(const Options& o,
                                          std::vector<std::string>* warnings = nullptr) {
    return kCodec.make_switch(o, warnings);
}
std::unique_ptr<PositionDevice> make_position(const Options& o) { return kCodec.make_position(o); }
std::string error_of(const Options& o) { return kCodec.switch_error(o); }

}  // namespace

TEST(TasmotaSwitch, TurnOnRearmsPulseTimeThenPowersOn) {
    auto d = make_switch(make_options({{"topic", "pad"}}));
    auto cmds = d->turn_on(1800s);
    ASSERT_EQ(cmds.size(), 2u);
    EXPECT_EQ(cmds[0].topic, "cmnd/pad/PulseTime1");
    EXPECT_EQ(cmds[0].payload, "1900");
    EXPECT_EQ(cmds[1].topic, "cmnd/pad/POWER1");
    EXPECT_EQ(cmds[1].payload, "ON");
    EXPECT_TRUE(d->supports_device_auto_off());
}

TEST(TasmotaSwitch, TurnOffUsesTheRelay) {
    auto d = make_switch(make_options({{"topic", "strip"}, {"relay", "3"}}));
    auto cmds = d->turn_off();
    ASSERT_EQ(cmds.size(), 1u);
    EXPECT_EQ(cmds[0].topic, "cmnd/strip/POWER3");
    EXPECT_EQ(cmds[0].payload, "OFF");
}

TEST(TasmotaSwitch, PrepareArmsPulseTimeAndPowerOnState) {
    auto d = make_switch(make_options({{"topic", "pad"}, {"relay", "2"}}));
    auto cmds = d->prepare(1800s);
    ASSERT_EQ(cmds.size(), 2u);
    EXPECT_EQ(cmds[0].topic, "cmnd/pad/PulseTime2");
    EXPECT_EQ(cmds[0].payload, "1900");
    EXPECT_EQ(cmds[1].topic, "cmnd/pad/PowerOnState");
    EXPECT_EQ(cmds[1].payload, "0");
    auto keep = make_switch(make_options({{"topic", "pad"}, {"power_on_state", "keep"}}));
    auto only_pulse = keep->prepare(1800s);
    ASSERT_EQ(only_pulse.size(), 1u);
    EXPECT_EQ(only_pulse[0].topic, "cmnd/pad/PulseTime1");
}

TEST(TasmotaSwitch, PulseTimeEncoding) {
    auto d = make_switch(make_options({{"topic", "pad"}}));
    auto pulse = [&](std::chrono::seconds s) { return d->prepare(s)[0].payload; };
    EXPECT_EQ(pulse(12s), "112");
    EXPECT_EQ(pulse(11s), "110");  // tenths of a second
    EXPECT_EQ(pulse(1s), "10");
    EXPECT_EQ(pulse(0s), "10");  // never 0: that would disable the cap
    EXPECT_EQ(pulse(64800s), "64900");
    EXPECT_EQ(pulse(100000s), "64900");
}

TEST(TasmotaSwitch, CustomPrefixes) {
    auto d = make_switch(make_options(
        {{"topic", "pad"}, {"prefix_cmnd", "c"}, {"prefix_stat", "s/"}, {"prefix_tele", "t"}}));
    EXPECT_EQ(d->turn_off()[0].topic, "c/pad/POWER1");
    EXPECT_EQ(d->state_topics(),
              (std::vector<std::string>{"s/pad/POWER1", "s/pad/POWER", "s/pad/RESULT",
                                        "t/pad/STATE", "t/pad/SENSOR"}));
}

TEST(TasmotaSwitch, StateParsingRelayOne) {
    auto d = make_switch(make_options({{"topic", "pad"}}));
    EXPECT_EQ(d->parse_state("stat/pad/POWER", "ON"), true);
    EXPECT_EQ(d->parse_state("stat/pad/POWER1", "OFF"), false);
    EXPECT_EQ(d->parse_state("stat/pad/POWER1", "TOGGLE"), std::nullopt);
    EXPECT_EQ(d->parse_state("stat/pad/POWER2", "ON"), std::nullopt);
    EXPECT_EQ(d->parse_state("stat/pad/RESULT", R"({"POWER":"ON"})"), true);
    EXPECT_EQ(d->parse_state("stat/pad/RESULT", R"({"POWER1":"OFF"})"), false);
    EXPECT_EQ(d->parse_state("stat/pad/RESULT", R"({"PulseTime1":{"Set":1900}})"), std::nullopt);
    EXPECT_EQ(d->parse_state("stat/pad/RESULT", R"({"POWER":)"), std::nullopt);
    EXPECT_EQ(d->parse_state("tele/pad/STATE", R"({"Uptime":"0T01:00:00","POWER":"OFF"})"), false);
    EXPECT_EQ(d->parse_state("tele/pad/LWT", "Online"), std::nullopt);
    EXPECT_EQ(d->parse_state("stat/other/POWER", "ON"), std::nullopt);
}

TEST(TasmotaSwitch, StateParsingOtherRelayIgnoresRelayOne) {
    auto d = make_switch(make_options({{"topic", "strip"}, {"relay", "2"}}));
    EXPECT_EQ(d->state_topics(),
              (std::vector<std::string>{"stat/strip/POWER2", "stat/strip/RESULT",
                                        "tele/strip/STATE", "tele/strip/SENSOR"}));
    EXPECT_EQ(d->parse_state("stat/strip/POWER2", "ON"), true);
    EXPECT_EQ(d->parse_state("stat/strip/POWER", "ON"), std::nullopt);
    EXPECT_EQ(d->parse_state("stat/strip/POWER1", "ON"), std::nullopt);
    EXPECT_EQ(d->parse_state("stat/strip/RESULT", R"({"POWER":"ON"})"), std::nullopt);
    EXPECT_EQ(d->parse_state("stat/strip/RESULT", R"({"POWER1":"ON"})"), std::nullopt);
    EXPECT_EQ(d->parse_state("stat/strip/RESULT", R"({"POWER2":"ON"})"), true);
}

TEST(TasmotaShutter, MoveStopAndPosition) {
    auto d = make_position(make_options({{"topic", "bed"}, {"relay", "2"}}));
    auto mv = d->move_to(55.4);
    ASSERT_EQ(mv.size(), 1u);
    EXPECT_EQ(mv[0].topic, "cmnd/bed/ShutterPosition2");
    EXPECT_EQ(mv[0].payload, "55");
    auto st = d->stop();
    ASSERT_EQ(st.size(), 1u);
    EXPECT_EQ(st[0].topic, "cmnd/bed/ShutterStop2");
    EXPECT_EQ(st[0].payload, "");
    EXPECT_EQ(d->parse_position("stat/bed/RESULT",
                                R"({"Shutter2":{"Position":40,"Direction":0,"Target":40}})"),
              40.0);
    EXPECT_EQ(d->parse_position("stat/bed/SHUTTER2", R"({"Shutter2":{"Position":41}})"), 41.0);
    EXPECT_EQ(d->parse_position("stat/bed/SHUTTER2", "42"), 42.0);
    EXPECT_EQ(d->parse_position("stat/bed/RESULT", R"({"Shutter1":{"Position":40}})"),
              std::nullopt);
    EXPECT_EQ(d->parse_position("stat/bed/RESULT", R"({"Shutter2":{"Direction":1}})"),
              std::nullopt);
    EXPECT_EQ(d->parse_position("stat/bed/RESULT", "garbage"), std::nullopt);
    EXPECT_EQ(d->parse_position("stat/bed/POWER2", "42"), std::nullopt);
}

TEST(TasmotaOptions, Errors) {
    std::string e = error_of(make_options({}));
    EXPECT_NE(e.find("house.yaml:7:3"), std::string::npos) << e;
    EXPECT_NE(e.find("'topic'"), std::string::npos) << e;
    e = error_of(make_options({{"topic", "pad"}, {"relay", "9"}}));
    EXPECT_NE(e.find("house.yaml:11:5"), std::string::npos) << e;
    e = error_of(make_options({{"topic", "pad"}, {"relay", "1x"}}));
    EXPECT_NE(e.find("house.yaml:11:5"), std::string::npos) << e;
    e = error_of(make_options({{"topic", "p+d"}}));
    EXPECT_NE(e.find("house.yaml:10:5"), std::string::npos) << e;
    EXPECT_NE(e.find("invalid MQTT topic"), std::string::npos) << e;
    e = error_of(make_options({{"topic", "pad"}, {"power_on_state", "1"}}));
    EXPECT_NE(e.find("house.yaml:11:5"), std::string::npos) << e;
    e = error_of(make_options({{"topic", "pad"}, {"prefix_cmnd", "#"}}));
    EXPECT_NE(e.find("house.yaml:11:5"), std::string::npos) << e;
}

TEST(TasmotaOptions, UnreadOptionsAreWarned) {
    std::vector<std::string> warnings;
    make_switch(make_options({{"topic", "pad"}, {"relay", "1"}, {"pulse", "5"}}), &warnings);
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("house.yaml:12:5: unknown option 'pulse'"), std::string::npos)
        << warnings[0];
}

TEST(TasmotaFacts, ReadCapQueriesPulseTimeOfTheRelay) {
    auto d = make_switch(make_options({{"topic", "pad"}, {"relay", "2"}}));
    auto cmds = d->read_cap();
    ASSERT_EQ(cmds.size(), 1u);
    EXPECT_EQ(cmds[0].topic, "cmnd/pad/PulseTime2");
    EXPECT_EQ(cmds[0].payload, "");
    EXPECT_TRUE(d->fact_topics().empty());  // RESULT is a state topic already
    const SwitchFacts init = d->initial_facts();
    EXPECT_EQ(init.cap_method, "pulse_time");
    EXPECT_EQ(init.cap, DeviceCap::unverified);
}

TEST(TasmotaFacts, PulseTimeReadBackVerifiesTheCap) {
    auto d = make_switch(make_options({{"topic", "pad"}}));
    const SwitchFacts init = d->initial_facts();
    // Tasmota >= 9.
    auto f = d->learn("stat/pad/RESULT", R"({"PulseTime1":{"Set":1900,"Remaining":0}})", init);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->cap, DeviceCap::verified);
    EXPECT_EQ(f->cap_method, "pulse_time");
    EXPECT_NE(f->cap_note.find("PulseTime read back: 1900"), std::string::npos) << f->cap_note;
    EXPECT_NE(f->cap_note.find("1800 s"), std::string::npos) << f->cap_note;
    EXPECT_EQ(d->learn("stat/pad/RESULT", R"({"PulseTime1":{"Set":1900,"Remaining":0}})", *f),
              std::nullopt);
    // Older Tasmota.
    auto old = d->learn("stat/pad/RESULT", R"({"PulseTime1":1900})", init);
    ASSERT_TRUE(old);
    EXPECT_EQ(old->cap, DeviceCap::verified);
    // 0: no timer; turn_on_with then sends no cap at all.
    auto zero = d->learn("stat/pad/RESULT", R"({"PulseTime1":{"Set":0,"Remaining":0}})", *f);
    ASSERT_TRUE(zero);
    EXPECT_EQ(zero->cap, DeviceCap::none);
    auto on = d->turn_on_with(1800s, *zero);
    ASSERT_EQ(on.size(), 1u);
    EXPECT_EQ(on[0].topic, "cmnd/pad/POWER1");
    EXPECT_EQ(on[0].payload, "ON");
    EXPECT_EQ(d->turn_on_with(1800s, *f).size(), 2u);  // PulseTime re-armed, then ON
    EXPECT_EQ(d->turn_on_with(1800s, *f)[0].payload, "1900");
}

TEST(TasmotaFacts, OtherRelaysAndMessagesTeachNothing) {
    auto d = make_switch(make_options({{"topic", "pad"}, {"relay", "2"}}));
    const SwitchFacts init = d->initial_facts();
    EXPECT_EQ(d->learn("stat/pad/RESULT", R"({"PulseTime1":{"Set":1900}})", init), std::nullopt);
    EXPECT_EQ(d->learn("stat/pad/RESULT", R"({"POWER2":"ON"})", init), std::nullopt);
    EXPECT_EQ(d->learn("stat/pad/RESULT", R"({"PulseTime2":"x"})", init), std::nullopt);
    EXPECT_EQ(d->learn("stat/other/RESULT", R"({"PulseTime2":1900})", init), std::nullopt);
    EXPECT_EQ(d->learn("tele/pad/STATE", R"({"PulseTime2":1900})", init), std::nullopt);
    EXPECT_EQ(d->learn("stat/pad/RESULT", "garbage", init), std::nullopt);
    auto f = d->learn("stat/pad/RESULT", R"({"PulseTime2":{"Set":460,"Remaining":0}})", init);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->cap, DeviceCap::verified);
}

TEST(TasmotaFacts, PowerFromTheEnergySensor) {
    auto d = make_switch(make_options({{"topic", "pad"}}));
    const auto topics = d->state_topics();
    EXPECT_NE(std::find(topics.begin(), topics.end(), "tele/pad/SENSOR"), topics.end());
    const std::string sensor =
        R"({"Time":"2026-12-01T22:00:00","ENERGY":{"Total":1.2,"Power":45,"Voltage":230,"Current":0.2}})";
    EXPECT_EQ(d->parse_power("tele/pad/SENSOR", sensor), 45.0);
    EXPECT_EQ(d->parse_state("tele/pad/SENSOR", sensor), std::nullopt);
    EXPECT_EQ(d->parse_state("tele/pad/SENSOR", R"({"POWER":"ON","ENERGY":{"Power":45}})"),
              std::nullopt);
    EXPECT_EQ(d->parse_power("tele/pad/SENSOR", R"({"ENERGY":{"Total":1.2}})"), std::nullopt);
    EXPECT_EQ(d->parse_power("tele/pad/SENSOR", R"({"ENERGY":{"Power":"45"}})"), std::nullopt);
    EXPECT_EQ(d->parse_power("tele/pad/STATE", sensor), std::nullopt);
    EXPECT_EQ(d->parse_power("tele/other/SENSOR", sensor), std::nullopt);
    auto two = make_switch(make_options({{"topic", "pad"}, {"relay", "2"}}));
    EXPECT_EQ(two->parse_power("tele/pad/SENSOR", R"({"ENERGY":{"Power":[12,45]}})"), 45.0);
    auto three = make_switch(make_options({{"topic", "pad"}, {"relay", "3"}}));
    EXPECT_EQ(three->parse_power("tele/pad/SENSOR", R"({"ENERGY":{"Power":[12,45]}})"),
              std::nullopt);
}
