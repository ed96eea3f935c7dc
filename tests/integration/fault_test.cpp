// Faults the real bedtimed survives: the broker restarting with and
// without persistence in the middle of traffic, and the daemon killed with
// the heating pad on. The real binary, a real mosquitto on loopback, the
// SQLite log read back read-only (rig: tests/support/fault_rig.hpp).
//
// No assertion depends on timing: every wait is a bounded poll with a timeout
// far above what the step needs on a loaded 2-core machine.
#include <gtest/gtest.h>

#include "fault_rig.hpp"

namespace bedtimed::test {
namespace {

using namespace std::chrono_literals;
using namespace fault;
using nlohmann::json;

// ---------------------------------------------------------------------------
// Broker restart with persistence, mid-burst

TEST(Faults, BrokerRestartWithPersistenceMidBurstLosesNoAcknowledgedEpisodeAndStoresNoneTwice) {
    Mosquitto::Options opts;
    opts.persistence = true;  // persistence_location is the fixture's temp dir
    // Every packet in the broker's log: under load this test has seen the
    // daemon's reconnects refused as "malformed packet" again and again after
    // the restart (a Paho resend?); the log then shows the packet before it.
    opts.verbose_log = true;
    Mosquitto broker(opts);
    DaemonProcess daemon(broker.uri(), config());
    daemon.start();
    ASSERT_TRUE(wait_status(broker.uri(), "online", 20s)) << daemon.output();

    constexpr int kTotal = 300, kRestartAfter = 120;
    std::set<std::string> accepted;  // PUBACKed by the broker to the wearable
    std::atomic<int> sent{0};
    std::thread wearable([&] {
        PersistentPublisher pub(broker.uri());
        for (int n = 0; n < kTotal; ++n) {
            const std::string id = "burst-" + std::to_string(n);
            if (pub.publish(kEpisodeTopic, episode(id), 60s)) accepted.insert(id);
            sent = n + 1;
            std::this_thread::sleep_for(2ms);
        }
    });
    // Mid-burst: the daemon is still working through what the broker queued
    // for it when the broker stops (SIGTERM: it writes its persistence file)
    // and comes back on the same port with the sessions and queues it saved.
    ASSERT_TRUE(wait_until([&] { return sent >= kRestartAfter; }, 60s));
    broker.stop();
    broker.start();
    wearable.join();
    ASSERT_EQ(accepted.size(), static_cast<std::size_t>(kTotal))
        << "the wearable gave up on some episodes";

    ASSERT_TRUE(wait_until([&] { return stored_count(daemon.db()) >= kTotal; }, 90s, 200ms))
        << stored_count(daemon.db()) << " of " << kTotal << " stored\n"
        << daemon.output() << "\n--- mosquitto's log ---\n"
        << read_all(broker.log_path());
    EXPECT_TRUE(daemon.alive()) << daemon.output();
    EpisodeStore store(daemon.db(), EpisodeStore::Mode::read_only);
    std::map<std::string, int> times;
    for (const auto& r : store.since(WallTime{})) ++times[r.source_id];
    EXPECT_EQ(store.count(), kTotal);
    for (const auto& id : accepted) EXPECT_EQ(times[id], 1) << id;
    EXPECT_TRUE(daemon.wait_for_output("lost the broker connection", 10s))
        << "the restart was not noticed";
}

// ---------------------------------------------------------------------------
// Broker restart without persistence

TEST(Faults,
     BrokerRestartWithoutPersistenceResubscribesRepublishesOnlineAndDiscoveryAndTurnsPlugsOff) {
    Mosquitto broker;  // persistence off: the restart forgets sessions, subscriptions and retained
                       // messages
    // The pad's desired state is OFF; Home Assistant discovery is on.
    DaemonProcess daemon(broker.uri(), config(0, false, true));
    daemon.start();
    ASSERT_TRUE(wait_status(broker.uri(), "online", 20s)) << daemon.output();
    {
        TestClient wearable(broker.uri());
        wearable.publish(kEpisodeTopic, episode("before-1"));
        ASSERT_TRUE(wait_until([&] { return is_stored(daemon.db(), "before-1"); }, 20s))
            << daemon.output();
    }

    broker.stop();
    broker.start();
    TestClient watcher(broker.uri());
    watcher.subscribe(kPlugSet);
    watcher.subscribe(kBase + "/status");
    const std::string hub_discovery = "homeassistant/device/bedtimed-faults/config";
    watcher.subscribe(hub_discovery);
    // Nothing retained survived, so "online" and the discovery config here
    // were published again after the reconnect; the actuators' desired state
    // is re-asserted after it: the plug is told OFF.
    bool online = false, off = false, discovery = false;
    ASSERT_TRUE(wait_until(
        [&] {
            while (auto m = watcher.next(100ms)) {
                if (m->topic == kBase + "/status" && m->payload == "online") online = true;
                if (m->topic == kPlugSet && m->payload.find("\"OFF\"") != std::string::npos)
                    off = online;
                if (m->topic == hub_discovery &&
                    json::parse(m->payload, nullptr, false).contains("components"))
                    discovery = true;
            }
            return online && off && discovery;
        },
        30s))
        << "online " << online << ", OFF " << off << ", discovery " << discovery << "\n"
        << daemon.output();
    EXPECT_TRUE(retained_payload(broker.uri(), hub_discovery))
        << "discovery is published retained again";

    // Subscribed again: the next episodes reach the log.
    TestClient wearable(broker.uri());
    for (const char* id : {"after-1", "after-2", "after-3"})
        wearable.publish(kEpisodeTopic, episode(id));
    ASSERT_TRUE(wait_until(
        [&] {
            return is_stored(daemon.db(), "after-1") && is_stored(daemon.db(), "after-2") &&
                   is_stored(daemon.db(), "after-3");
        },
        30s))
        << daemon.output();
    EXPECT_EQ(stored_count(daemon.db()), 4);
    EXPECT_TRUE(daemon.alive());
}

// ---------------------------------------------------------------------------
// The daemon killed with the heating pad on

TEST(Faults, APadOnWhenTheDaemonIsKilledIsNeverOnPastItsCapAfterTheRestart) {
    Mosquitto broker;
    TestClient watcher(broker.uri());
    watcher.subscribe(kPlugSet);
    DaemonProcess daemon(broker.uri(), config(10));
    daemon.start();
    ASSERT_TRUE(wait_status(broker.uri(), "online", 20s)) << daemon.output();

    TestClient wearable(broker.uri());
    wearable.publish(kEpisodeTopic, episode("heat-1"));
    auto on = next_plug_command(watcher, "ON", 20s);
    ASSERT_TRUE(on) << daemon.output();
    // The plug carries its own cap (Zigbee OnWithTimedOff): it turns itself
    // off even if bedtimed never speaks again. 10 min + the 60 s margin.
    ASSERT_TRUE(on->contains("on_time")) << on->dump();
    EXPECT_GT((*on)["on_time"].get<int>(), 0);
    EXPECT_LE((*on)["on_time"].get<int>(), 10 * 60 + 60) << on->dump();
    ASSERT_TRUE(daemon.wait_for_output("pad: ON for 600 s", 10s)) << daemon.output();

    ASSERT_TRUE(daemon.kill9());
    watcher.drain(300ms);
    daemon.start();
    ASSERT_TRUE(daemon.wait_for_output("interrupted heat session", 20s)) << daemon.output();
    // At start-up the plug is first turned off; the session then gets only
    // the time it had left, with a plug cap no later than the original one.
    EXPECT_TRUE(next_plug_command(watcher, "OFF", 15s)) << daemon.output();
    const std::string out = daemon.output();
    const std::string resumed = "resumed the interrupted heat session: ";
    const auto at = out.find(resumed);
    if (at != std::string::npos) {
        const int left = std::atoi(out.c_str() + at + resumed.size());
        EXPECT_GT(left, 0);
        EXPECT_LE(left, 600) << "never more than what was left";
        auto again = next_plug_command(watcher, "ON", 15s);
        ASSERT_TRUE(again) << out;
        EXPECT_LE((*again)["on_time"].get<int>(), 10 * 60 + 60) << again->dump();
    } else {
        EXPECT_NE(out.find("not resuming the interrupted heat session"), std::string::npos) << out;
    }
    EXPECT_TRUE(daemon.alive());
}

}  // namespace
}  // namespace bedtimed::test
