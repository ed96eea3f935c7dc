// The cramp log end to end: the real bedtimed and bedtimectl binaries
// against a real mosquitto, with the episode log read back read-only from
// <state>/bedtimed.db, as bedtimectl reads it.
//
// What is proved here that the in-process tests cannot: that the PUBACK a
// broker sees from the daemon comes after the SQLite commit, that a kill -9
// in the middle of a burst loses nothing and duplicates nothing (broker
// redelivery into a persistent session plus UNIQUE(source, source_id)), and
// that a retained command is never acted on. bedtimectl's commands against
// the running daemon: cramp_log_commands_test.cpp.
//
// No assertion depends on timing: every wait is a bounded poll with a timeout
// far above what the step needs on a loaded 2-core machine.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <regex>
#include <set>
#include <string>
#include <thread>

#include "cramp_log_rig.hpp"
#include "test_client.hpp"

namespace bedtimed::test {
namespace {

using namespace cramp_log;

// ---------------------------------------------------------------------------
// 1. Acknowledged means on disk

TEST(CrampLogProcess, AnEpisodeTheDaemonAcknowledgedIsOnDiskWhenItIsKilled) {
    Mosquitto::Options opts;
    opts.verbose_log = true;
    Mosquitto broker(opts);
    Daemon daemon(broker.uri());
    daemon.start();
    ASSERT_TRUE(wait_status(broker.uri(), "online", 20s)) << daemon.output();
    // "online" is published from the connected handler after the SUBSCRIBEs,
    // on the same connection: once the broker has it, the wearable's
    // subscription is in place.
    const std::string log = broker.log_path();

    TestClient wearable(broker.uri());
    wearable.publish(kEpisodeTopic, R"({"id":"acked-1","duration_s":45,"muscle":"calf"})", 1,
                     false);

    // mosquitto logs "Sending PUBLISH to <id> (d0, q1, r0, m<MID>, '<topic>', ...)"
    // when it forwards the episode, and "Received PUBACK from <id> (Mid: <MID>, RC:0)"
    // when the daemon acknowledges it. Both are written (and flushed) as
    // they happen, so polling the file sees the PUBACK moments after it.
    const std::regex sent("Sending PUBLISH to " + kClientId + R"( \(d\d, q1, r\d, m(\d+), ')" +
                          kEpisodeTopic + "'");
    std::string mid;
    ASSERT_TRUE(wait_until(
        [&] {
            std::smatch m;
            const std::string text = read_all(log);
            if (!std::regex_search(text, m, sent)) return false;
            mid = m[1];
            return true;
        },
        20s))
        << read_all(log);
    const std::string puback = "Received PUBACK from " + kClientId + " (Mid: " + mid + ",";
    ASSERT_TRUE(
        wait_until([&] { return read_all(log).find(puback) != std::string::npos; }, 20s, 1ms))
        << read_all(log);
    // At once: no graceful stop, no chance to write anything after the ack.
    daemon.kill9();

    auto row = stored(daemon.db(), "band", "acked-1");
    ASSERT_TRUE(row) << "acknowledged to the broker but not in the log\n" << daemon.output();
    EXPECT_EQ(row->sleeper, "alex");
    EXPECT_EQ(row->muscle, "calf");
    EXPECT_DOUBLE_EQ(row->duration_s, 45);
}

// ---------------------------------------------------------------------------
// 2. kill -9 in the middle of a burst

TEST(CrampLogProcess, KillNineMidBurstLosesNoEpisodeAndStoresNoneTwice) {
    Mosquitto::Options opts;
    opts.verbose_log = true;  // only to report how many episodes were redelivered
    Mosquitto broker(opts);   // keeps running: it holds the daemon's session and queue
    Daemon daemon(broker.uri());
    daemon.start();
    ASSERT_TRUE(wait_status(broker.uri(), "online", 20s)) << daemon.output();

    constexpr int kTotal = 400, kKillAfter = 150, kRestartAfter = 250;
    TestClient wearable(broker.uri());
    int sent = 0;
    auto publish_up_to = [&](int last) {
        for (; sent < last; ++sent) {
            wearable.publish(kEpisodeTopic, episode(sent), 1,
                             false);           // waits for the broker's PUBACK
            std::this_thread::sleep_for(5ms);  // about 200 a second
        }
    };
    publish_up_to(kKillAfter);
    // Some of these are committed, some in flight to the daemon, some still
    // queued at the broker: the kill lands wherever it lands.
    daemon.kill9();
    ASSERT_FALSE(HasFailure());
    // While it is down the broker queues for the persistent session (the
    // fixture's max_queued_messages is 100000).
    publish_up_to(kRestartAfter);
    daemon.start();  // same config, state dir and client id; clean_session=false
    publish_up_to(kTotal);
    ASSERT_EQ(sent, kTotal);

    ASSERT_TRUE(wait_until([&] { return stored_count(daemon.db()) >= kTotal; }, 60s, 200ms))
        << stored_count(daemon.db()) << " of " << kTotal << " stored\n"
        << daemon.output();
    EXPECT_TRUE(daemon.alive()) << daemon.output();

    EpisodeStore store(daemon.db(), EpisodeStore::Mode::read_only);
    const auto rows = store.since(WallTime{});
    std::multiset<std::string> ids;
    for (const auto& r : rows) {
        EXPECT_EQ(r.source, "band");
        ids.insert(r.source_id);
    }
    EXPECT_EQ(static_cast<int>(rows.size()), sent);
    EXPECT_EQ(store.count(), sent);
    // Where the kill lands varies: sometimes an episode was in flight to the
    // daemon and comes again with DUP set, sometimes none was. Recorded (in
    // the XML report), not asserted.
    RecordProperty("redelivered",
                   static_cast<int>(count_of(read_all(broker.log_path()),
                                             "Sending PUBLISH to " + kClientId + " (d1")));
    for (int n = 0; n < kTotal; ++n)
        EXPECT_EQ(ids.count("ep-" + std::to_string(n)), 1u) << "ep-" << n;
}

TEST(CrampLogProcess, ARetainedCommandIsIgnored) {
    Mosquitto broker;
    TestClient client(broker.uri());
    client.subscribe(kBase + "/reply/#");
    // Left retained before the daemon starts: its subscription replays it
    // with the retain flag set, as on every reconnect.
    client.publish(kBase + "/cmd/log",
                   R"({"sleeper":"alex","id":"retained-1","request_id":"ret-1"})", 1, true);
    Daemon daemon(broker.uri());
    daemon.start();
    ASSERT_TRUE(wait_status(broker.uri(), "online", 20s)) << daemon.output();
    ASSERT_TRUE(daemon.wait_for_output("retained commands are ignored", 20s)) << daemon.output();

    // Published after the retained one on the same topic, so answered after it.
    client.publish(kBase + "/cmd/log", R"({"sleeper":"alex","id":"live-1","request_id":"live-1"})",
                   1, false);
    std::vector<std::string> replies;
    while (auto m = client.next(15s)) {
        replies.push_back(m->topic);
        if (m->topic == kBase + "/reply/live-1") break;
    }
    ASSERT_FALSE(replies.empty());
    EXPECT_EQ(replies.back(), kBase + "/reply/live-1");
    EXPECT_EQ(std::count(replies.begin(), replies.end(), kBase + "/reply/ret-1"), 0)
        << "a retained command gets no answer";
    EXPECT_FALSE(stored(daemon.db(), "manual", "retained-1"));
    EXPECT_TRUE(stored(daemon.db(), "manual", "live-1"));
    EXPECT_TRUE(daemon.alive());
}

}  // namespace
}  // namespace bedtimed::test
