// QoS 2 commands against a default mosquitto: 100 episodes at once, a
// rule publishing at qos: 2 for each, and all 100 commands must reach a
// subscriber. mosquitto takes at most 20 unfinished QoS 2 messages from one
// client (max_inflight_messages) and answers the rest with a PUBREC that
// MQTT 3.1.1 cannot tell from success; bedtimed used to keep 64 in flight,
// and 43-64 of 100 arrived while publish_failures stayed 0.
//
// No assertion depends on timing: waits are bounded polls for conditions.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "daemon_harness.hpp"
#include "mosquitto_fixture.hpp"
#include "test_client.hpp"

namespace bedtimed::test {
namespace {

using namespace std::chrono_literals;

const std::string kConfig = R"(
mqtt:
  client_id: bedtimed-qos2
  base_topic: qos2
wearables:
  - name: band
    topic: qos2/band/episode
    qos: 1
rules:
  - name: command
    on: {episode: band}
    do:
      - publish:
          topic: qos2/out/command
          payload: '{{episode.id}}'
          qos: 2
)";

TEST(QoS2Commands, HundredCommandsFromHundredEpisodesAtOnceAllArrive) {
    Mosquitto broker;  // mosquitto's defaults: max_inflight_messages 20
    broker.start();
    TestClient subscriber(broker.uri(), "qos2-subscriber");
    subscriber.subscribe("qos2/out/command", 2);
    subscriber.subscribe("qos2/status", 1);
    DaemonHarness daemon(kConfig, broker.uri());
    bool online = false;
    for (int i = 0; i < 100 && !online; ++i) {
        auto m = subscriber.next_on("qos2/status", 100ms);
        online = m && m->payload == "online";
    }
    ASSERT_TRUE(online) << "bedtimed did not come online";

    constexpr int kEpisodes = 100;
    TestClient wearable(broker.uri(), "qos2-band");
    for (int i = 0; i < kEpisodes; ++i)
        wearable.publish("qos2/band/episode",
                         R"({"id":"e)" + std::to_string(i) + R"(","duration_s":20})", 1);

    std::set<std::string> ids;
    int arrivals = 0;
    while (ids.size() < kEpisodes) {
        auto m = subscriber.next_on("qos2/out/command", 15s);
        if (!m) break;
        ++arrivals;
        ids.insert(m->payload);
    }
    EXPECT_EQ(ids.size(), static_cast<std::size_t>(kEpisodes)) << "QoS 2 commands lost on the way";
    EXPECT_EQ(arrivals, kEpisodes) << "a QoS 2 command arrived twice";
    EXPECT_EQ(daemon.counters().publish_failures, 0u);
}

}  // namespace
}  // namespace bedtimed::test
