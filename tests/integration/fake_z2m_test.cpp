// The stand-in Zigbee2MQTT (tests/support/fake_z2m.*) driven by the real
// Zigbee2MQTT codec over a real mosquitto, the way the executor uses it: learn
// from the retained bridge/devices and from bridge/logging, then
// turn_on_with()/prepare_with() with the learned facts. Asserts that the plugs
// really switched themselves off where fake_z2m.hpp says they do (IKEA on_time,
// Tuya countdown), that on_time sent to a Tuya TS011F is only reported on
// bridge/logging and learn() makes it "no cap", and that Aqara ends up "off
// after a power cut" only with the boolean false. Real wall time, caps of 1-2 s.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "device.hpp"
#include "device_codec_fixture.hpp"
#include "fake_z2m.hpp"
#include "mosquitto_fixture.hpp"
#include "test_client.hpp"
#include "zigbee2mqtt/zigbee2mqtt.hpp"

namespace bedtimed::test {
namespace {

using namespace std::chrono_literals;
using integrations::DeviceCap;
using integrations::SwitchDevice;
using integrations::SwitchFacts;
using Model = FakeZ2m::Model;

const CodecFactory kCodec{integrations::kZigbee2Mqtt};

// What the executor does for one pad, reduced to the codec calls: one
// SwitchFacts, learn() on every message of fact_topics() and state_topics().
class Pad {
public:
    Pad(const std::string& uri, const std::string& name, bool subscribe_devices = true)
        : codec_(kCodec.make_switch(make_options({{"device", name}}))),
          facts_(codec_->initial_facts()), client_(uri) {
        for (const auto& t : codec_->fact_topics())
            if (subscribe_devices || t.find("/bridge/devices") == std::string::npos)
                client_.subscribe(t);
        for (const auto& t : codec_->state_topics()) client_.subscribe(t);
    }

    // Handles what arrives until `done()` holds or `timeout` passes.
    template <typename Pred>
    bool pump_until(Pred done, std::chrono::milliseconds timeout = 5s) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!done()) {
            if (std::chrono::steady_clock::now() >= deadline) return false;
            if (auto m = client_.next(50ms)) handle(*m);
        }
        return true;
    }
    void pump_for(std::chrono::milliseconds window) {
        pump_until([] { return false; }, window);
    }

    void send(const std::vector<integrations::DeviceCommand>& cmds) {
        for (const auto& c : cmds) client_.publish(c.topic, c.payload, c.qos, c.retain);
    }
    void turn_on(std::chrono::seconds cap) { send(codec_->turn_on_with(cap, facts_)); }
    void turn_off() { send(codec_->turn_off()); }
    void prepare() { send(codec_->prepare_with(1800s, facts_)); }

    const SwitchDevice& codec() const { return *codec_; }
    const SwitchFacts& facts() const { return facts_; }
    std::optional<bool> state() const { return state_; }
    std::optional<double> power() const { return power_; }
    const std::vector<bool>& states_seen() const { return states_seen_; }
    int facts_changes() const { return facts_changes_; }

private:
    void handle(const Message& m) {
        if (auto f = codec_->learn(m.topic, m.payload, facts_)) {
            facts_ = *f;
            ++facts_changes_;
        }
        if (auto s = codec_->parse_state(m.topic, m.payload)) {
            state_ = s;
            states_seen_.push_back(*s);
        }
        if (auto p = codec_->parse_power(m.topic, m.payload)) power_ = p;
    }

    std::unique_ptr<SwitchDevice> codec_;
    SwitchFacts facts_;
    TestClient client_;
    std::optional<bool> state_;
    std::optional<double> power_;
    std::vector<bool> states_seen_;
    int facts_changes_ = 0;
};

class FakeZ2mTest : public ::testing::Test {
protected:
    void SetUp() override {
        broker_.start();
        z2m_.emplace(broker_.uri(), BEDTIMED_TEST_DATA);
        z2m_->add_plug("bedroom/ikea", Model::ikea_tradfri_outlet);
        z2m_->add_plug("bedroom/tuya", Model::tuya_ts011f_plug_1);
        z2m_->add_plug("bedroom/aqara", Model::aqara_sp_euc01);
        z2m_->start();
    }
    void TearDown() override { z2m_.reset(); }

    // A pad that has learned from the retained bridge/devices.
    std::unique_ptr<Pad> learned_pad(const std::string& name) {
        auto pad = std::make_unique<Pad>(broker_.uri(), name);
        EXPECT_TRUE(pad->pump_until([&] { return !pad->facts().cap_method.empty(); }))
            << name << ": nothing learned from bridge/devices";
        return pad;
    }

    Mosquitto broker_;
    std::optional<FakeZ2m> z2m_;
};

TEST_F(FakeZ2mTest, RetainedBridgeDevicesTeachEachPlugsCap) {
    auto ikea = learned_pad("bedroom/ikea");
    EXPECT_EQ(ikea->facts().cap_method, "on_time");
    EXPECT_EQ(ikea->facts().power_on_key, "power_on_behavior");
    EXPECT_FALSE(ikea->facts().reports_power);
    auto tuya = learned_pad("bedroom/tuya");
    EXPECT_EQ(tuya->facts().cap_method, "countdown");
    EXPECT_TRUE(tuya->facts().reports_power);
    auto aqara = learned_pad("bedroom/aqara");
    EXPECT_EQ(aqara->facts().cap_method, "on_time");
    EXPECT_EQ(aqara->facts().power_on_key, "power_outage_memory");
    EXPECT_EQ(aqara->facts().power_on_value_json, "false");
    EXPECT_TRUE(aqara->facts().reports_power);
}

TEST_F(FakeZ2mTest, IkeaOnTimeSwitchesThePlugOffByItself) {
    auto pad = learned_pad("bedroom/ikea");
    ASSERT_EQ(pad->facts().cap_method, "on_time");
    pad->pump_for(300ms);  // the initial OFF state
    pad->turn_on(2s);
    ASSERT_TRUE(pad->pump_until([&] { return pad->state() == true; }, 2s)) << "no ON report";
    EXPECT_TRUE(z2m_->is_on("bedroom/ikea"));
    const auto on_at = std::chrono::steady_clock::now();
    // Nobody sends OFF: the plug's own timer must end the heat.
    ASSERT_TRUE(pad->pump_until([&] { return pad->state() == false; }, 5s)) << "the plug stayed on";
    const auto after = std::chrono::steady_clock::now() - on_at;
    EXPECT_GT(after, 1500ms);
    EXPECT_LT(after, 3500ms);
    EXPECT_FALSE(z2m_->is_on("bedroom/ikea"));
    EXPECT_EQ(z2m_->self_switches("bedroom/ikea"), 1);
    EXPECT_EQ(z2m_->received("bedroom/ikea"),
              std::vector<std::string>{R"({"state":"ON","on_time":2})"});
    EXPECT_EQ(pad->power(), std::nullopt);  // the TRADFRI outlet does not measure
}

TEST_F(FakeZ2mTest, TuyaCountdownSwitchesThePlugOffByItselfAndReportsPower) {
    auto pad = learned_pad("bedroom/tuya");
    ASSERT_EQ(pad->facts().cap_method, "countdown");
    pad->pump_for(300ms);
    pad->turn_on(2s);
    ASSERT_TRUE(pad->pump_until([&] { return pad->state() == true; }, 2s)) << "no ON";
    EXPECT_EQ(pad->power(), 60.0);
    z2m_->set_power("bedroom/tuya", 0.0);  // the pad unplugged from the plug
    ASSERT_TRUE(pad->pump_until([&] { return pad->power() == 0.0; }, 2s));
    EXPECT_TRUE(pad->state() == true);
    ASSERT_TRUE(pad->pump_until([&] { return pad->state() == false; }, 5s)) << "the plug stayed on";
    EXPECT_FALSE(z2m_->is_on("bedroom/tuya"));
    EXPECT_EQ(z2m_->self_switches("bedroom/tuya"), 1);
    EXPECT_EQ(z2m_->received("bedroom/tuya"),
              std::vector<std::string>{R"({"state":"ON","countdown":2})"});
    EXPECT_TRUE(z2m_->log_messages().empty());
}

TEST_F(FakeZ2mTest, OnTimeToTuyaIsOnlyReportedOnBridgeLoggingAndBecomesNoCap) {
    // Before bridge/devices is seen the codec sends today's on_time.
    Pad pad(broker_.uri(), "bedroom/tuya", /*subscribe_devices=*/false);
    TestClient watcher(broker_.uri());
    watcher.subscribe("zigbee2mqtt/bedroom/tuya");
    pad.pump_for(300ms);
    ASSERT_TRUE(pad.facts().cap_method.empty());
    pad.turn_on(1s);
    // Z2M's optimistic state after the plain ON: countdown 0, i.e. no timer.
    auto state = watcher.next_on("zigbee2mqtt/bedroom/tuya", 3s);
    ASSERT_TRUE(state);
    const auto j = nlohmann::json::parse(state->payload);
    EXPECT_EQ(j.value("state", ""), "ON") << state->payload;
    EXPECT_EQ(j.value("countdown", -1), 0) << state->payload;
    ASSERT_TRUE(pad.pump_until([&] { return pad.facts().cap == DeviceCap::none; }, 3s))
        << "the drop on bridge/logging was not learned";
    EXPECT_EQ(pad.facts().cap_method, "none");
    EXPECT_NE(
        pad.facts().cap_note.find("No converter available for 'on_time' on 'bedroom/tuya': (1)"),
        std::string::npos)
        << pad.facts().cap_note;
    const auto log = z2m_->log_messages();
    ASSERT_EQ(log.size(), 1u);
    EXPECT_EQ(log[0], "No converter available for 'on_time' on 'bedroom/tuya': (1)");
    // Z2M switched it on anyway (plain ON) and said so optimistically; no cap runs.
    ASSERT_TRUE(pad.pump_until([&] { return pad.state() == true; }, 2s));
    pad.pump_for(2500ms);
    EXPECT_TRUE(z2m_->is_on("bedroom/tuya")) << "a plug without cap switched itself off";
    EXPECT_EQ(z2m_->self_switches("bedroom/tuya"), 0);
    // From now on: no cap key at all.
    pad.turn_on(1s);
    pad.turn_off();
    ASSERT_TRUE(pad.pump_until([&] { return pad.state() == false; }, 2s));
    ASSERT_TRUE(z2m_->wait_for_set("bedroom/tuya", 3));
    EXPECT_EQ(z2m_->received("bedroom/tuya"),
              (std::vector<std::string>{R"({"state":"ON","on_time":1})", R"({"state":"ON"})",
                                        R"({"state":"OFF"})"}));
    EXPECT_EQ(z2m_->log_messages().size(), 1u);
}

TEST_F(FakeZ2mTest, AnotherPlugsDropDoesNotTouchThisPad) {
    auto ikea = learned_pad("bedroom/ikea");
    Pad tuya(broker_.uri(), "bedroom/tuya", /*subscribe_devices=*/false);
    tuya.turn_on(1s);  // on_time, dropped: logged for bedroom/tuya only
    ASSERT_TRUE(tuya.pump_until([&] { return tuya.facts().cap == DeviceCap::none; }, 3s));
    ikea->pump_for(500ms);
    EXPECT_EQ(ikea->facts().cap_method, "on_time");
    EXPECT_EQ(ikea->facts().cap, DeviceCap::unverified);
    tuya.turn_off();
    tuya.pump_for(200ms);
}

TEST_F(FakeZ2mTest, AqaraEndsUpOffAfterAPowerCutOnlyWithTheLearnedBoolean) {
    ASSERT_TRUE(z2m_->restore_after_power_cut("bedroom/aqara"));  // factory default
    // Before learning: today's power_on_behavior, which Lumi drops.
    {
        Pad early(broker_.uri(), "bedroom/aqara", /*subscribe_devices=*/false);
        early.prepare();
        ASSERT_TRUE(z2m_->wait_for_set("bedroom/aqara", 1));
        EXPECT_TRUE(z2m_->restore_after_power_cut("bedroom/aqara"));
        const auto log = z2m_->log_messages();
        ASSERT_EQ(log.size(), 1u);
        EXPECT_EQ(log[0],
                  R"(No converter available for 'power_on_behavior' on 'bedroom/aqara': ("off"))");
    }
    // The string "off" is truthy for the Lumi converter: restore ENABLED.
    {
        TestClient raw(broker_.uri());
        raw.publish("zigbee2mqtt/bedroom/aqara/set", R"({"power_outage_memory":false})");
        ASSERT_TRUE(z2m_->wait_for_set("bedroom/aqara", 2));
        ASSERT_FALSE(z2m_->restore_after_power_cut("bedroom/aqara"));
        raw.publish("zigbee2mqtt/bedroom/aqara/set", R"({"power_outage_memory":"off"})");
        ASSERT_TRUE(z2m_->wait_for_set("bedroom/aqara", 3));
        EXPECT_TRUE(z2m_->restore_after_power_cut("bedroom/aqara"));
    }
    // Learned: the boolean false.
    auto pad = learned_pad("bedroom/aqara");
    pad->prepare();
    ASSERT_TRUE(z2m_->wait_for_set("bedroom/aqara", 4));
    EXPECT_FALSE(z2m_->restore_after_power_cut("bedroom/aqara"));
    EXPECT_EQ(z2m_->received("bedroom/aqara").back(), R"({"power_outage_memory":false})");
}

TEST_F(FakeZ2mTest, AqaraAcceptsOnTimeButKeepsNoTimer) {
    auto pad = learned_pad("bedroom/aqara");
    pad->pump_for(300ms);
    pad->turn_on(1s);
    ASSERT_TRUE(pad->pump_until([&] { return pad->state() == true; }, 2s));
    EXPECT_EQ(pad->power(), 60.0);
    pad->pump_for(2500ms);
    EXPECT_TRUE(z2m_->is_on("bedroom/aqara"))
        << "the stand-in gave Lumi a timer fake_z2m.hpp does not describe";
    EXPECT_EQ(z2m_->self_switches("bedroom/aqara"), 0);
    EXPECT_TRUE(z2m_->log_messages().empty());
    pad->turn_off();
    ASSERT_TRUE(pad->pump_until([&] { return pad->state() == false; }, 2s));
    EXPECT_EQ(pad->power(), 0.0);
}

TEST_F(FakeZ2mTest, IkeaRefusesAnOnTimeBeyondTheZclRange) {
    TestClient raw(broker_.uri());
    raw.publish("zigbee2mqtt/bedroom/ikea/set", R"({"state":"ON","on_time":6554})");
    ASSERT_TRUE(z2m_->wait_for_set("bedroom/ikea", 1));
    EXPECT_FALSE(z2m_->is_on("bedroom/ikea"));  // fail-safe: nothing sent
    const auto log = z2m_->log_messages();
    ASSERT_EQ(log.size(), 1u);
    EXPECT_NE(log[0].find("Publish 'set' 'state' to 'bedroom/ikea' failed"), std::string::npos)
        << log[0];
    // What the codec sends at most is accepted.
    raw.publish("zigbee2mqtt/bedroom/ikea/set",
                kCodec.make_switch(make_options({{"device", "bedroom/ikea"}}))
                    ->turn_on(std::chrono::hours(3))[0]
                    .payload);
    ASSERT_TRUE(z2m_->wait_for_set("bedroom/ikea", 2));
    EXPECT_TRUE(z2m_->is_on("bedroom/ikea"));
    EXPECT_EQ(z2m_->log_messages().size(), 1u);
}

}  // namespace
}  // namespace bedtimed::test
