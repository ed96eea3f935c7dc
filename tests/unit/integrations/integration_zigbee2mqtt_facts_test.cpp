// Zigbee2MQTT device truth: the cap method, the power-on key and the power
// report learned from the retained bridge/devices (entries from tests/data/,
// copied from the generated shared data), the drops Z2M reports only on
// bridge/logging, and the commands turn_on_with()/prepare_with() build from them.
// The facts: docs/routines.md and tests/support/fake_z2m.hpp.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "device.hpp"
#include "device_codec_fixture.hpp"
#include "loader.hpp"
#include "z2m_devices.hpp"
#include "zigbee2mqtt/zigbee2mqtt.hpp"

using namespace bedtimed::integrations;
using bedtimed::config::Options;
using namespace std::chrono_literals;

namespace {

const bedtimed::test::CodecFactory kCodec{kZigbee2Mqtt};
using bedtimed::test::make_options;

const std::string kDevices = "zigbee2mqtt/bridge/devices";
const std::string kLogging = "zigbee2mqtt/bridge/logging";

std::unique_ptr<SwitchDevice> pad(const std::string& name = "bedroom/pad",
                                  const std::string& cap = "") {
    if (cap.empty()) return kCodec.make_switch(make_options({{"device", name}}));
    return kCodec.make_switch(make_options({{"device", name}, {"cap", cap}}));
}

// bridge/devices with `model` as "bedroom/pad" among other plugs.
std::string devices_with(const std::string& model) {
    return bedtimed::test::z2m_devices_payload(
        BEDTIMED_TEST_DATA,
        {{"HG06337", "hall/lamp"}, {model, "bedroom/pad"}, {"A1Z", "bedroom/pad2"}});
}

SwitchFacts learned(const SwitchDevice& d, const std::string& model) {
    auto f = d.learn(kDevices, devices_with(model), d.initial_facts());
    if (!f) {
        ADD_FAILURE() << "nothing learned for " << model;
        return d.initial_facts();
    }
    return *f;
}

std::string on_payload(const SwitchDevice& d, std::chrono::seconds cap, const SwitchFacts& f) {
    auto cmds = d.turn_on_with(cap, f);
    if (cmds.size() != 1u) {
        ADD_FAILURE() << cmds.size() << " commands";
        return "";
    }
    EXPECT_EQ(cmds[0].topic, "zigbee2mqtt/bedroom/pad/set");
    return cmds[0].payload;
}

std::string prepare_payload(const SwitchDevice& d, const SwitchFacts& f) {
    auto cmds = d.prepare_with(1800s, f);
    if (cmds.empty()) return "(nothing)";
    EXPECT_EQ(cmds.size(), 1u);
    EXPECT_EQ(cmds[0].topic, "zigbee2mqtt/bedroom/pad/set");
    return cmds[0].payload;
}

std::string log_line(const std::string& message, const std::string& level = "error") {
    return nlohmann::json{{"level", level}, {"message", message}}.dump();
}

}  // namespace

TEST(Zigbee2MqttFacts, FactTopicsAreTheBridgesDevicesAndLogging) {
    auto d = kCodec.make_switch(make_options({{"device", "pad"}, {"base_topic", "z2m/"}}));
    EXPECT_EQ(d->fact_topics(),
              (std::vector<std::string>{"z2m/bridge/devices", "z2m/bridge/logging"}));
}

TEST(Zigbee2MqttFacts, IkeaTradfriOutletUsesOnTime) {
    auto d = pad();
    const SwitchFacts f = learned(*d, "E1603/E1702/E1708");
    EXPECT_EQ(f.cap_method, "on_time");
    EXPECT_EQ(f.cap, DeviceCap::unverified);
    EXPECT_EQ(f.power_on_key, "power_on_behavior");
    EXPECT_EQ(f.power_on_value_json, "\"off\"");
    EXPECT_FALSE(f.reports_power);
    EXPECT_EQ(on_payload(*d, 1800s, f), R"({"state":"ON","on_time":1800})");
    EXPECT_EQ(prepare_payload(*d, f), R"({"power_on_behavior":"off"})");
}

TEST(Zigbee2MqttFacts, OnTimeIsAnIntegerOfAtMost6553) {
    auto d = pad();
    const SwitchFacts f = learned(*d, "E22xx");
    ASSERT_EQ(f.cap_method, "on_time");
    EXPECT_TRUE(f.reports_power);  // INSPELNING measures
    EXPECT_EQ(on_payload(*d, 6553s, f), R"({"state":"ON","on_time":6553})");
    EXPECT_EQ(on_payload(*d, 6554s, f), R"({"state":"ON","on_time":6553})");
    EXPECT_EQ(on_payload(*d, std::chrono::hours(3), f), R"({"state":"ON","on_time":6553})");
    EXPECT_EQ(on_payload(*d, 0s, f), R"({"state":"ON","on_time":1})");
}

TEST(Zigbee2MqttFacts, TuyaTs011fUsesCountdownOfAtMost43200) {
    auto d = pad();
    const SwitchFacts f = learned(*d, "A1Z");  // TS011F_plug_1, _TZ3000_2putqrmw
    EXPECT_EQ(f.cap_method, "countdown");
    EXPECT_EQ(f.cap, DeviceCap::unverified);
    EXPECT_NE(f.cap_note.find("countdown"), std::string::npos) << f.cap_note;
    EXPECT_TRUE(f.reports_power);
    EXPECT_EQ(f.power_on_key, "power_outage_memory");  // enum on/off/restore
    EXPECT_EQ(f.power_on_value_json, "\"off\"");
    EXPECT_EQ(on_payload(*d, 1800s, f), R"({"state":"ON","countdown":1800})");
    EXPECT_EQ(on_payload(*d, 43200s, f), R"({"state":"ON","countdown":43200})");
    EXPECT_EQ(on_payload(*d, 43201s, f), R"({"state":"ON","countdown":43200})");
    EXPECT_EQ(on_payload(*d, std::chrono::hours(20), f), R"({"state":"ON","countdown":43200})");
    EXPECT_EQ(prepare_payload(*d, f), R"({"power_outage_memory":"off"})");
}

TEST(Zigbee2MqttFacts, TuyaFirmwareWithoutCountdownGetsNoCap) {
    auto d = pad();
    for (const std::string model : {"TS0121_plug", "HG06337"}) {
        const SwitchFacts f = learned(*d, model);
        EXPECT_EQ(f.cap_method, "none") << model;
        EXPECT_EQ(f.cap, DeviceCap::none) << model;
        EXPECT_NE(f.cap_note.find("_TZ3000_"), std::string::npos) << f.cap_note;
        // Never on_time: on Tuya firmware it is a x10 delayed toggle.
        EXPECT_EQ(on_payload(*d, 1800s, f), R"({"state":"ON"})") << model;
    }
    EXPECT_TRUE(learned(*d, "TS0121_plug").reports_power);
    EXPECT_FALSE(learned(*d, "HG06337").reports_power);
    EXPECT_EQ(prepare_payload(*d, learned(*d, "TS0121_plug")), R"({"power_outage_memory":"off"})");
    EXPECT_EQ(prepare_payload(*d, learned(*d, "HG06337")), R"({"power_on_behavior":"off"})");
}

TEST(Zigbee2MqttFacts, AqaraPowerOutageMemoryIsTheBooleanFalse) {
    auto d = pad();
    const SwitchFacts f = learned(*d, "SP-EUC01");
    EXPECT_EQ(f.cap_method, "on_time");  // LUMI is not Tuya firmware
    EXPECT_TRUE(f.reports_power);
    EXPECT_EQ(f.power_on_key, "power_outage_memory");
    EXPECT_EQ(f.power_on_value_json, "false");  // "off" would ENABLE restore on Lumi
    EXPECT_EQ(prepare_payload(*d, f), R"({"power_outage_memory":false})");
}

TEST(Zigbee2MqttFacts, PlugWithoutPowerOnSettingGetsNothingAfterLearning) {
    auto d = pad();
    const SwitchFacts f = learned(*d, "S26R2ZB");
    EXPECT_EQ(f.cap_method, "on_time");
    EXPECT_TRUE(f.power_on_key.empty());
    EXPECT_TRUE(f.power_on_value_json.empty());
    EXPECT_FALSE(f.reports_power);
    EXPECT_EQ(prepare_payload(*d, f), "(nothing)");
    // Before learning: today's behaviour.
    EXPECT_EQ(prepare_payload(*d, d->initial_facts()), R"({"power_on_behavior":"off"})");
    EXPECT_EQ(prepare_payload(*d, SwitchFacts{}), R"({"power_on_behavior":"off"})");
    ASSERT_EQ(d->prepare(1800s).size(), 1u);
    EXPECT_EQ(d->prepare(1800s)[0].payload, R"({"power_on_behavior":"off"})");
}

TEST(Zigbee2MqttFacts, PowerOnBehaviorKeepSendsNothingEvenAfterLearning) {
    auto d = kCodec.make_switch(
        make_options({{"device", "bedroom/pad"}, {"power_on_behavior", "keep"}}));
    EXPECT_TRUE(d->prepare_with(1800s, d->initial_facts()).empty());
    auto f = d->learn(kDevices, devices_with("SP-EUC01"), d->initial_facts());
    ASSERT_TRUE(f);
    EXPECT_EQ(f->power_on_key, "power_outage_memory");  // still learned, for the start-up report
    EXPECT_TRUE(d->prepare_with(1800s, *f).empty());
}

TEST(Zigbee2MqttFacts, AbsentDeviceOrGarbageTeachesNothing) {
    auto d = pad("bedroom/other");
    const SwitchFacts init = d->initial_facts();
    EXPECT_EQ(d->learn(kDevices, devices_with("A1Z"), init), std::nullopt);
    EXPECT_EQ(d->learn(kDevices, "[]", init), std::nullopt);
    EXPECT_EQ(d->learn(kDevices, "{\"friendly_name\":\"bedroom/other\"}", init), std::nullopt);
    EXPECT_EQ(d->learn(kDevices, "[{", init), std::nullopt);
    EXPECT_EQ(d->learn(kDevices, "", init), std::nullopt);
    // The right payload on another topic (another bridge, the state topic).
    auto p = pad();
    EXPECT_EQ(p->learn("z2m/bridge/devices", devices_with("A1Z"), p->initial_facts()),
              std::nullopt);
    EXPECT_EQ(p->learn("zigbee2mqtt/bedroom/pad", devices_with("A1Z"), p->initial_facts()),
              std::nullopt);
    // The same message twice: the second teaches nothing.
    const SwitchFacts f = learned(*p, "A1Z");
    EXPECT_EQ(p->learn(kDevices, devices_with("A1Z"), f), std::nullopt);
}

TEST(Zigbee2MqttFacts, NamesMustMatchExactly) {
    // "bedroom/pad" must not pick up "bedroom/pad2" (a countdown plug) listed after it.
    auto d = pad();
    const std::string list = bedtimed::test::z2m_devices_payload(
        BEDTIMED_TEST_DATA,
        {{"A1Z", "bedroom/pad2"}, {"A1Z", "Bedroom/Pad"}, {"E1603/E1702/E1708", "bedroom/pad"}});
    auto f = d->learn(kDevices, list, d->initial_facts());
    ASSERT_TRUE(f);
    EXPECT_EQ(f->cap_method, "on_time");
}

TEST(Zigbee2MqttFacts, ForcedCapIsKeptExceptOnTimeOnTuya) {
    auto countdown = pad("bedroom/pad", "countdown");
    EXPECT_EQ(learned(*countdown, "E1603/E1702/E1708").cap_method, "countdown");
    auto none = pad("bedroom/pad", "none");
    // Forced none on an on_time plug: already none, and bridge/devices changes nothing.
    EXPECT_EQ(none->learn(kDevices, devices_with("E1603/E1702/E1708"), none->initial_facts()),
              std::nullopt);
    EXPECT_EQ(learned(*none, "SP-EUC01").cap, DeviceCap::none);
    EXPECT_EQ(learned(*none, "A1Z").cap_method, "none");
    EXPECT_EQ(on_payload(*none, 1800s, learned(*none, "A1Z")), R"({"state":"ON"})");
    auto on_time = pad("bedroom/pad", "on_time");
    EXPECT_EQ(learned(*on_time, "SP-EUC01").cap_method, "on_time");
    EXPECT_EQ(learned(*on_time, "A1Z").cap_method, "none");
    for (const std::string model : {"A1Z", "TS0121_plug", "HG06337"}) {
        const SwitchFacts f = learned(*on_time, model);
        EXPECT_EQ(f.cap, DeviceCap::none) << model;
        EXPECT_EQ(on_payload(*on_time, 1800s, f), R"({"state":"ON"})") << model;
    }
}

TEST(Zigbee2MqttFacts, BeforeLearningTheConfiguredCapIsSent) {
    EXPECT_EQ(on_payload(*pad(), 1800s, SwitchFacts{}), R"({"state":"ON","on_time":1800})");
    EXPECT_EQ(on_payload(*pad(), 1800s, pad()->initial_facts()),
              R"({"state":"ON","on_time":1800})");
    auto cd = pad("bedroom/pad", "countdown");
    EXPECT_EQ(on_payload(*cd, 1800s, cd->initial_facts()), R"({"state":"ON","countdown":1800})");
    EXPECT_EQ(cd->turn_on(50000s)[0].payload, R"({"state":"ON","countdown":43200})");
    auto none = pad("bedroom/pad", "none");
    EXPECT_EQ(on_payload(*none, 1800s, none->initial_facts()), R"({"state":"ON"})");
    EXPECT_EQ(on_payload(*none, 1800s, SwitchFacts{}), R"({"state":"ON"})");
    // The device contract: cap none means no cap key, whatever the method says.
    SwitchFacts dropped;
    dropped.cap_method = "on_time";
    dropped.cap = DeviceCap::none;
    EXPECT_EQ(on_payload(*pad(), 1800s, dropped), R"({"state":"ON"})");
}

TEST(Zigbee2MqttFacts, InitialFactsMatchTheOption) {
    for (const std::string cap : {"auto", "on_time", "countdown"}) {
        auto d = pad("bedroom/pad", cap);
        EXPECT_TRUE(d->supports_device_auto_off()) << cap;
        EXPECT_EQ(d->initial_facts().cap, DeviceCap::unverified) << cap;
        EXPECT_TRUE(d->initial_facts().cap_method.empty()) << cap;
    }
    auto none = pad("bedroom/pad", "none");
    EXPECT_FALSE(none->supports_device_auto_off());
    EXPECT_EQ(none->initial_facts().cap, DeviceCap::none);
    EXPECT_EQ(none->initial_facts().cap_method, "none");
    // The old boolean still works.
    auto legacy_on = kCodec.make_switch(make_options({{"device", "pad"}, {"on_time", "true"}}));
    EXPECT_TRUE(legacy_on->supports_device_auto_off());
    auto legacy_off = kCodec.make_switch(make_options({{"device", "pad"}, {"on_time", "false"}}));
    EXPECT_FALSE(legacy_off->supports_device_auto_off());
    EXPECT_EQ(legacy_off->initial_facts().cap, DeviceCap::none);
    EXPECT_EQ(legacy_off->turn_on(600s)[0].payload, R"({"state":"ON"})");
    // Legacy true is auto: a countdown plug gets countdown, not on_time.
    auto f = legacy_on->learn(
        kDevices, bedtimed::test::z2m_devices_payload(BEDTIMED_TEST_DATA, {{"A1Z", "pad"}}),
        legacy_on->initial_facts());
    ASSERT_TRUE(f);
    EXPECT_EQ(f->cap_method, "countdown");
}

TEST(Zigbee2MqttFacts, BadCapOptionNamesItsPosition) {
    std::string e = kCodec.switch_error(make_options({{"device", "pad"}, {"cap", "timer"}}));
    EXPECT_NE(e.find("house.yaml:11:5"), std::string::npos) << e;
    EXPECT_NE(e.find("'cap'"), std::string::npos) << e;
    EXPECT_NE(e.find("auto, on_time, countdown or none"), std::string::npos) << e;
    e = kCodec.switch_error(
        make_options({{"device", "pad"}, {"cap", "auto"}, {"on_time", "true"}}));
    EXPECT_NE(e.find("house.yaml:12:5"), std::string::npos) << e;
    EXPECT_NE(e.find("'on_time'"), std::string::npos) << e;
    std::vector<std::string> warnings;
    kCodec.make_switch(make_options({{"device", "pad"}, {"cap", "countdown"}}), &warnings);
    EXPECT_TRUE(warnings.empty());
}

TEST(Zigbee2MqttFacts, OnTimeDroppedOnBridgeLoggingMeansNoCap) {
    auto d = pad();
    const SwitchFacts before = learned(*d, "E1603/E1702/E1708");  // on_time, unverified
    const std::string mine = "No converter available for 'on_time' on 'bedroom/pad': (1560)";
    auto f = d->learn(kLogging, log_line(mine), before);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->cap, DeviceCap::none);
    EXPECT_EQ(f->cap_method, "none");
    EXPECT_NE(f->cap_note.find(mine), std::string::npos) << f->cap_note;
    EXPECT_EQ(f->power_on_key, before.power_on_key);  // the rest is kept
    EXPECT_EQ(on_payload(*d, 1800s, *f), R"({"state":"ON"})");
    // Nothing new the second time.
    EXPECT_EQ(d->learn(kLogging, log_line(mine), *f), std::nullopt);
    // A later re-publication of bridge/devices does not bring on_time back.
    EXPECT_EQ(d->learn(kDevices, devices_with("E1603/E1702/E1708"), *f), std::nullopt);
    // countdown too.
    auto cd = d->learn(kLogging,
                       log_line("No converter available for 'countdown' on 'bedroom/pad': (1800)"),
                       before);
    ASSERT_TRUE(cd);
    EXPECT_EQ(cd->cap, DeviceCap::none);
}

TEST(Zigbee2MqttFacts, AnotherDevicesLogLineIsIgnored) {
    auto d = pad();
    const SwitchFacts before = learned(*d, "E1603/E1702/E1708");
    for (const std::string msg :
         {"No converter available for 'on_time' on 'bedroom/pad2': (1560)",
          "No converter available for 'on_time' on 'Bedroom/pad': (1560)",
          "No converter available for 'on_time' on 'bedroom': (1560)",
          "No converter available for 'on_time' on 'x/bedroom/pad': (1560)",
          "Publish 'set' 'state' to 'bedroom/pad2' failed: 'Error: timeout'",
          "No converter available for 'color' on 'bedroom/pad': (1)"})
        EXPECT_EQ(d->learn(kLogging, log_line(msg), before), std::nullopt) << msg;
    // Not an error, or not a log line.
    EXPECT_EQ(
        d->learn(kLogging,
                 log_line("No converter available for 'on_time' on 'bedroom/pad': (1)", "info"),
                 before),
        std::nullopt);
    EXPECT_EQ(d->learn(kLogging, "garbage", before), std::nullopt);
    EXPECT_EQ(d->learn(kLogging, R"({"level":"error"})", before), std::nullopt);
}

TEST(Zigbee2MqttFacts, PublishFailedOnBridgeLoggingMeansNoCap) {
    auto d = pad();
    const SwitchFacts before = learned(*d, "SP-EUC01");
    auto f = d->learn(
        kLogging,
        log_line("Publish 'set' 'state' to 'bedroom/pad' failed: 'Error: ZCL command "
                 "0x00158d0001/1 genOnOff.onWithTimedOff failed (Status 'UNSUPPORTED_COMMAND')'"),
        before);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->cap, DeviceCap::none);
    EXPECT_NE(f->cap_note.find("Publish 'set' 'state'"), std::string::npos);
}

TEST(Zigbee2MqttFacts, PowerIsTheNumericPowerMember) {
    auto d = pad();
    const std::string t = "zigbee2mqtt/bedroom/pad";
    EXPECT_EQ(d->parse_power(t, R"({"state":"ON","power":41.5})"), 41.5);
    EXPECT_EQ(d->parse_power(t, R"({"power":0})"), 0.0);
    EXPECT_EQ(d->parse_power(t, R"({"state":"ON"})"), std::nullopt);
    EXPECT_EQ(d->parse_power(t, R"({"power":"41"})"), std::nullopt);
    EXPECT_EQ(d->parse_power(t, R"({"power":null})"), std::nullopt);
    EXPECT_EQ(d->parse_power(t, "{{"), std::nullopt);
    EXPECT_EQ(d->parse_power("zigbee2mqtt/bedroom/pad2", R"({"power":41.5})"), std::nullopt);
    EXPECT_EQ(d->parse_state(t, R"({"power":41.5})"), std::nullopt);
}

TEST(Zigbee2MqttFacts, VerifiedCapOutlivesARepublication) {
    auto d = pad();
    SwitchFacts f = learned(*d, "E1603/E1702/E1708");
    f.cap = DeviceCap::verified;
    f.cap_note = "pad-test: switched itself off";
    EXPECT_EQ(d->learn(kDevices, devices_with("E1603/E1702/E1708"), f), std::nullopt);
}
