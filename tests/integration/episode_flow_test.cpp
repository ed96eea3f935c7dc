// End to end through a real mosquitto: episodes in, actions out, bad input
// counted, a broker that goes away and comes back.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <thread>

#include "daemon_harness.hpp"
#include "daemon_process.hpp"  // wait_until
#include "episode_store.hpp"
#include "ingest.hpp"
#include "manual_clock.hpp"
#include "mosquitto_fixture.hpp"
#include "test_client.hpp"

namespace bedtimed::test {
namespace {

using namespace std::chrono_literals;

const char* kConfig = R"(
mqtt:
  client_id: bedtimed-itest
  base_topic: bt
  reconnect: {min: 1s, max: 2s}
  max_payload_bytes: 4096
sensors:
  - name: room_temp
    topic: sensors/room
    json: temperature
    type: number
    stale_after: 10m
wearables:
  - name: band
    topic: wearable/episode
    qos: 1
    fields: {id: id, duration: duration_s, muscle: muscle}
rules:
  - name: warm
    on: {episode: band}
    when: ["episode.duration_s >= 10"]
    do:
      - publish:
          topic: actions/pad/set
          payload: '{"state":"ON","id":{{episode.id}},"muscle":{{episode.muscle | json}}}'
          qos: inherit
  - name: cold
    on: {sensor: room_temp}
    when: ["sensor.room_temp < 17"]
    do:
      - publish: {topic: actions/hint, payload: 'cold {{sensor.room_temp}}', qos: 0}
)";

class EpisodeFlow : public ::testing::Test {
protected:
    Mosquitto broker;
    std::unique_ptr<DaemonHarness> daemon;
    std::unique_ptr<TestClient> client;

    void SetUp() override {
        client = std::make_unique<TestClient>(broker.uri());
        client->subscribe("bt/status");
        client->subscribe("actions/#");
        daemon = std::make_unique<DaemonHarness>(kConfig, broker.uri());
        wait_online();
    }
    void wait_online() {
        const auto deadline = std::chrono::steady_clock::now() + 15s;
        while (std::chrono::steady_clock::now() < deadline) {
            auto m = client->next_on("bt/status", 1s);
            if (m && m->payload == "online") return;
        }
        FAIL() << "bedtimed never published online";
    }
    void publish_episode(const std::string& id, int duration, int qos = 1) {
        client->publish("wearable/episode",
                        R"({"id":)" + id + R"(,"duration_s":)" + std::to_string(duration) +
                            R"(,"muscle":"calf"})",
                        qos);
    }
};

TEST_F(EpisodeFlow, LongEpisodePublishesTheActionWithTheEpisodeFields) {
    publish_episode("101", 30);
    auto m = client->next_on("actions/pad/set");
    ASSERT_TRUE(m) << "no action within 5 s";
    EXPECT_EQ(m->payload, R"({"state":"ON","id":101,"muscle":"calf"})");
    EXPECT_EQ(m->qos, 1) << "qos: inherit takes the episode's QoS";
    EXPECT_FALSE(m->retained);
    EXPECT_EQ(daemon->counters().episodes_accepted, 1u);
}

TEST_F(EpisodeFlow, QosZeroEpisodeGetsQosZeroAction) {
    publish_episode("\"q0\"", 30, 0);
    auto m = client->next_on("actions/pad/set");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->qos, 0);
}

TEST_F(EpisodeFlow, ShortEpisodePublishesNothing) {
    publish_episode("102", 5);
    const auto got = client->drain(1500ms);
    for (const auto& m : got) EXPECT_NE(m.topic, "actions/pad/set") << m.payload;
    const auto c = daemon->counters();
    EXPECT_EQ(c.episodes_accepted, 1u) << "the episode itself is accepted, only the rule is false";
    EXPECT_EQ(c.rules_fired, 0u);
}

TEST_F(EpisodeFlow, RedeliveredEpisodeActsOnce) {
    publish_episode("\"dup-1\"", 20);
    publish_episode("\"dup-1\"", 20);
    publish_episode("\"dup-2\"", 20);
    int actions = 0;
    for (const auto& m : client->drain(1500ms))
        if (m.topic == "actions/pad/set") ++actions;
    EXPECT_EQ(actions, 2);
    EXPECT_EQ(daemon->counters().episodes_duplicate, 1u);
}

// The daemon remembers the last 4096 episode ids (a ring with a counting
// prefilter): a redelivery inside that window is ignored, an id that left it
// acts again (the store still keeps it once).
TEST_F(EpisodeFlow, TheLast4096EpisodeIdsAreRememberedAndOlderOnesForgotten) {
    constexpr int kEpisodes = 4100;
    for (int i = 0; i < kEpisodes; ++i) publish_episode(std::to_string(i), 20, 0);
    ASSERT_TRUE(wait_until([&] { return daemon->counters().episodes_accepted == kEpisodes; }, 60s))
        << daemon->counters().episodes_accepted;
    publish_episode(std::to_string(kEpisodes - 1), 20);  // newest: remembered
    publish_episode("4000", 20);                         // inside the window
    publish_episode("0", 20);                            // 4100 ids ago: forgotten
    ASSERT_TRUE(wait_until(
        [&] {
            const auto c = daemon->counters();
            return c.episodes_duplicate + c.episodes_accepted == kEpisodes + 3;
        },
        30s));
    const auto c = daemon->counters();
    EXPECT_EQ(c.episodes_duplicate, 2u);
    EXPECT_EQ(c.episodes_accepted, kEpisodes + 1u);
}

TEST_F(EpisodeFlow, SensorRuleRendersTheReading) {
    client->publish("sensors/room", R"({"temperature":15.5,"humidity":40})", 0);
    auto m = client->next_on("actions/hint");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->payload, "cold 15.5");
    // The same value again is not a change: no second hint.
    client->publish("sensors/room", R"({"temperature":15.5})", 0);
    EXPECT_FALSE(client->next_on("actions/hint", 800ms));
}

TEST_F(EpisodeFlow, MalformedPayloadsAreCountedAndAValidEpisodeStillWorks) {
    constexpr int kBad = 500;
    const std::vector<std::string> bad{"",
                                       "not json",
                                       "{",
                                       "[]",
                                       R"({"id":1})",
                                       R"({"duration_s":30})",
                                       R"({"id":true,"duration_s":30})",
                                       R"({"id":1,"duration_s":-4})",
                                       R"({"id":1,"duration_s":"30"})",
                                       R"({"id":1,"duration_s":1e308})",
                                       std::string("\xff\xfe{\"id\":1}", 10),
                                       R"({"id":1,"duration_s":30,"muscle":7})",
                                       std::string(30, '[') + std::string(30, ']')};
    for (int i = 0; i < kBad; ++i)
        client->publish("wearable/episode", bad[static_cast<std::size_t>(i) % bad.size()], 0);
    // One oversized payload on a sensor topic as well.
    client->publish("sensors/room", std::string(5000, 'x'), 0);
    publish_episode("900", 30);
    auto m = client->next_on("actions/pad/set", 10s);
    ASSERT_TRUE(m) << "a valid episode after the flood must still act";
    EXPECT_NE(m->payload.find("\"id\":900"), std::string::npos);
    const auto c = daemon->counters();
    EXPECT_EQ(c.payloads_rejected, static_cast<std::uint64_t>(kBad + 1));
    EXPECT_EQ(c.payloads_oversized, 1u);
    EXPECT_EQ(c.episodes_accepted, 1u);
    EXPECT_EQ(c.rules_fired, 1u);
}

TEST_F(EpisodeFlow, BrokerRestartReconnectsResubscribesAndActsAgain) {
    broker.kill9();  // no persistence: the broker forgets our session
    std::this_thread::sleep_for(500ms);
    broker.start();
    client = std::make_unique<TestClient>(broker.uri());
    client->subscribe("bt/status");
    client->subscribe("actions/#");
    wait_online();  // retained "online" is gone with the old broker: this one is fresh
    publish_episode("\"after-restart\"", 25);
    auto m = client->next_on("actions/pad/set", 10s);
    ASSERT_TRUE(m) << "no action after the broker came back";
    EXPECT_NE(m->payload.find("after-restart"), std::string::npos);
    const auto c = daemon->counters();
    EXPECT_GE(c.connects, 2u);
    EXPECT_GE(c.disconnects, 1u);
}

// Whether bt/status said "online" within 15 s (`client` subscribes to it).
bool came_online(TestClient& client) {
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    while (std::chrono::steady_clock::now() < deadline) {
        auto m = client.next_on("bt/status", 1s);
        if (m && m->payload == "online") return true;
    }
    return false;
}

TEST(EpisodeFlowStartup, DaemonStartedBeforeTheBrokerConnectsWhenItAppears) {
    Mosquitto broker;
    broker.stop();
    DaemonHarness daemon(kConfig, broker.uri());
    std::this_thread::sleep_for(1500ms);
    broker.start();
    TestClient client(broker.uri());
    client.subscribe("bt/status");
    client.subscribe("actions/#");
    ASSERT_TRUE(came_online(client));
    client.publish("wearable/episode", R"({"id":"late","duration_s":12})");
    EXPECT_TRUE(client.next_on("actions/pad/set", 5s));
    EXPECT_GE(daemon.counters().connect_failures, 1u);
}

// The whole App on a ManualClock and a real mosquitto: an episode without a
// start is read once, on Paho's thread, with the App's clock; the row on disk
// and what the cramp log keeps (<base>/<sleeper>/stats, last_episode) carry
// that one start. Before, the intake stamped the system clock and the loop
// its own, so the two differed.
TEST(EpisodeOneReading, AnEpisodeWithoutStartHasTheSameStartOnDiskAndInTheCrampLog) {
    Mosquitto broker;
    const WallTime now = *parse_iso8601("2026-11-26T22:40:00Z");
    ManualClock clock{now};
    TestClient client(broker.uri());
    client.subscribe("bt/status");
    client.subscribe("bt/sam/stats");
    DaemonHarness daemon(R"(
mqtt: {client_id: bedtimed-one-reading, base_topic: bt}
wearables:
  - {name: band, topic: wearable/episode, qos: 1, fields: {id: id, duration: duration_s}}
sleepers:
  - {name: sam, timezone: UTC, bedtime: "22:30", wearable: band}
)",
                         broker.uri(), &clock);
    ASSERT_TRUE(came_online(client));
    client.publish("wearable/episode", R"({"id":"no-start","duration_s":20})", 1);
    std::string last_episode;
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    // Stamped first; only then does the App's clock move on past the state
    // topics' 50 ms window.
    while (daemon.counters().episodes_stored == 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(10ms);
    while (last_episode.empty() && std::chrono::steady_clock::now() < deadline) {
        daemon.advance(100ms);
        auto m = client.next_on("bt/sam/stats", 1s);
        if (!m) continue;
        const auto j = nlohmann::json::parse(m->payload);
        if (j["last_episode"].is_string()) last_episode = j["last_episode"].get<std::string>();
    }
    EXPECT_EQ(last_episode, format_iso8601(now))
        << "the cramp log keeps the start the intake gave it";
    EpisodeStore store(daemon.state_dir() + "/bedtimed.db", EpisodeStore::Mode::read_only);
    const auto row = store.find("band", "no-start");
    ASSERT_TRUE(row) << "committed before the PUBACK, so stored by now";
    EXPECT_EQ(row->start, now) << "stamped with the App's clock, once";
    EXPECT_EQ(row->received, now);
    EXPECT_EQ(row->sleeper, "sam");
}

}  // namespace
}  // namespace bedtimed::test
