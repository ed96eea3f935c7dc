// An old verb name still works end to end: Home Assistant's "All heat off"
// button and users' automations publish to <base>/cmd/heat_off, the verb
// table's alias of pad_off. Each name, on its own daemon with a pad heating
// in a pre-warm against the stand-in Zigbee2MQTT, switches the plug off and
// answers which pads went off.
//
// No assertion depends on timing: every wait is a bounded poll with a generous timeout.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "daemon_process.hpp"
#include "fake_z2m.hpp"
#include "mosquitto_fixture.hpp"
#include "test_client.hpp"

namespace bedtimed::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

const std::string kBase = "vat";

// Bedtime in 10 minutes with a 15-minute pre-warm: the pad is on from the start.
std::string heating_config() {
    const std::string bedtime = utc_hhmm(std::chrono::minutes(10));
    return R"(
mqtt:
  client_id: bedtimed-alias
  base_topic: )" +
           kBase + R"(
actuators:
  - name: pad
    kind: heating_pad
    integration: zigbee2mqtt
    device: pad_plug
    max_on: 30m
sleepers:
  - name: alex
    timezone: UTC
    bedtime: {weekdays: ")" +
           bedtime + R"(", weekends: ")" + bedtime + R"("}
    heating_pad: pad
    routine:
      prewarm: {minutes: 15}
)";
}

class VerbAlias : public ::testing::TestWithParam<const char*> {};

TEST_P(VerbAlias, EachNameOfPadOffSwitchesTheHeatingPadOff) {
    const std::string verb = GetParam();
    Mosquitto broker;
    FakeZ2m z2m(broker.uri(), BEDTIMED_TEST_DATA);
    z2m.add_plug("pad_plug", FakeZ2m::Model::ikea_tradfri_outlet);
    z2m.start();
    DaemonProcess daemon(broker.uri(), heating_config());
    daemon.start();
    ASSERT_TRUE(wait_until([&] { return z2m.is_on("pad_plug"); }, 20s)) << daemon.output();

    TestClient client(broker.uri(), "alias-sender");
    client.subscribe(kBase + "/reply/r1");
    client.publish(kBase + "/cmd/" + verb, R"({"request_id":"r1"})", 1, false);
    const auto answer = client.next_on(kBase + "/reply/r1", 10s);
    ASSERT_TRUE(answer) << daemon.output();
    const auto j = json::parse(answer->payload);
    EXPECT_TRUE(j.value("ok", false)) << answer->payload;
    EXPECT_EQ(j["pads"], json::array({"pad"})) << answer->payload;
    EXPECT_TRUE(wait_until([&] { return !z2m.is_on("pad_plug"); }, 10s)) << daemon.output();
    EXPECT_NE(daemon.output().find("command " + verb + " done"), std::string::npos)
        << daemon.output();
}

INSTANTIATE_TEST_SUITE_P(NewAndOld, VerbAlias, ::testing::Values("pad_off", "heat_off"));

}  // namespace
}  // namespace bedtimed::test
