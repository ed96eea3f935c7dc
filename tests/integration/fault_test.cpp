// Faults the real bedtimed survives: the broker restarting with and
// without persistence in the middle of traffic, the daemon killed with the
// heating pad on, and a full disk under the cramp log. The real binary, a
// real mosquitto on loopback, the SQLite log read back read-only.
//
// No assertion depends on timing: every wait is a bounded poll with a timeout
// far above what the step needs on a loaded 2-core machine.
#include <gtest/gtest.h>
#include <mqtt/async_client.h>
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <ctime>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "child_process.hpp"
#include "daemon_process.hpp"
#include "episode_store.hpp"
#include "mosquitto_fixture.hpp"
#include "test_client.hpp"

namespace bedtimed::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

const std::string kBase = "flt";
const std::string kEpisodeTopic = "flt/band/episode";
const std::string kPlugSet = "z2m/pad_plug/set";

// Bedtime is now (UTC), so an episode is "at night" and heats the pad for
// `heat_minutes`; the Zigbee2MQTT plug gets its own on_time cap.
// `heat_minutes` 0: episodes do not heat (the pad stays off). `with_bed`
// adds an ESPHome bed (no routine moves it: it is only there to be stopped).
std::string config(int heat_minutes = 10, bool with_bed = false, bool with_discovery = false) {
    const std::string bedtime = utc_hhmm();
    return std::string(with_discovery ? "home_assistant: {discovery: true}\n" : "") + R"(
mqtt:
  client_id: bedtimed-faults
  base_topic: )" + kBase + R"(
  reconnect: {min: 1s, max: 2s}
wearables:
  - name: band
    topic: )" + kEpisodeTopic + R"(
    qos: 1
    fields: {id: id, duration: duration_s, muscle: muscle}
actuators:
  - name: pad
    kind: heating_pad
    integration: zigbee2mqtt
    max_on: 30m
    confirm_timeout: 5m
    device: pad_plug
    base_topic: z2m
)" + (with_bed ? "  - {name: bed, kind: bed, integration: esphome, node: bed, object_id: legs, presets: {flat: 0}}\n"
               : "") + R"(
sleepers:
  - name: alex
    timezone: UTC
    bedtime: {weekdays: ")" + bedtime + R"(", weekends: ")" + bedtime + R"("}
    wearable: band
    heating_pad: pad
)" + (with_bed ? "    bed: bed\n" : "") + R"(
    routine:
      prewarm: {enabled: false}
    on_episode: )" + (heat_minutes > 0 ? "{heat: true, heat_minutes: " + std::to_string(heat_minutes) +
                                         ", max_heats_per_night: 5}"
                                       : std::string("{heat: false}")) + R"(
)";
}

std::string episode(const std::string& id) {
    return json{{"id", id}, {"duration_s", 40}, {"muscle", "calf"}}.dump();
}

bool wait_status(const std::string& uri, const std::string& want, std::chrono::seconds timeout) {
    TestClient c(uri);
    c.subscribe(kBase + "/status");
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        auto m = c.next_on(kBase + "/status", 500ms);
        if (m && m->payload == want) return true;
    }
    return false;
}

std::int64_t stored_count(const std::string& db) {
    if (!std::filesystem::exists(db)) return 0;
    EpisodeStore store(db, EpisodeStore::Mode::read_only);
    return store.count();
}

bool is_stored(const std::string& db, const std::string& id) {
    if (!std::filesystem::exists(db)) return false;
    EpisodeStore store(db, EpisodeStore::Mode::read_only);
    return store.find("band", id).has_value();
}

// The next command to the plug whose "state" is `state`, as JSON.
std::optional<json> next_plug_command(TestClient& c, const std::string& state, std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        auto m = c.next_on(kPlugSet, 500ms);
        if (!m) continue;
        const json j = json::parse(m->payload, nullptr, false);
        if (j.is_object() && j.value("state", std::string()) == state) return j;
    }
    return std::nullopt;
}

// A wearable with a persistent session (clean_session=false) and Paho's
// automatic reconnect: what a real device bridge does. publish() retries the
// same episode until the broker PUBACKs it, and says whether it ever did.
class PersistentPublisher {
public:
    explicit PersistentPublisher(const std::string& uri) : client_(uri, "flt-wearable") {
        client_.connect(mqtt::connect_options_builder()
                            .clean_session(false)
                            .automatic_reconnect(100ms, 500ms)
                            .connect_timeout(5s)
                            .finalize())
            ->wait();
    }
    ~PersistentPublisher() {
        try {
            if (client_.is_connected()) client_.disconnect()->wait_for(2s);
        } catch (...) {
        }
    }
    bool publish(const std::string& topic, const std::string& payload, std::chrono::seconds give_up) {
        const auto deadline = std::chrono::steady_clock::now() + give_up;
        while (std::chrono::steady_clock::now() < deadline) {
            try {
                if (client_.publish(mqtt::make_message(topic, payload, 1, false))->wait_for(5s)) return true;
            } catch (const mqtt::exception&) {
                // Not connected (the broker is restarting): try again shortly.
            }
            std::this_thread::sleep_for(50ms);
        }
        return false;
    }

private:
    mqtt::async_client client_;
};

// ---------------------------------------------------------------------------
// Broker restart with persistence, mid-burst

TEST(Faults, BrokerRestartWithPersistenceMidBurstLosesNoAcknowledgedEpisodeAndStoresNoneTwice) {
    Mosquitto::Options opts;
    opts.persistence = true;  // persistence_location is the fixture's temp dir
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
    ASSERT_EQ(accepted.size(), static_cast<std::size_t>(kTotal)) << "the wearable gave up on some episodes";

    ASSERT_TRUE(wait_until([&] { return stored_count(daemon.db()) >= kTotal; }, 90s, 200ms))
        << stored_count(daemon.db()) << " of " << kTotal << " stored\n"
        << daemon.output();
    EXPECT_TRUE(daemon.alive()) << daemon.output();
    EpisodeStore store(daemon.db(), EpisodeStore::Mode::read_only);
    std::map<std::string, int> times;
    for (const auto& r : store.since(WallTime{})) ++times[r.source_id];
    EXPECT_EQ(store.count(), kTotal);
    for (const auto& id : accepted) EXPECT_EQ(times[id], 1) << id;
    EXPECT_TRUE(daemon.wait_for_output("lost the broker connection", 10s)) << "the restart was not noticed";
}

// ---------------------------------------------------------------------------
// Broker restart without persistence

TEST(Faults, BrokerRestartWithoutPersistenceResubscribesRepublishesOnlineAndDiscoveryAndTurnsPlugsOff) {
    Mosquitto broker;  // persistence off: the restart forgets sessions, subscriptions and retained messages
    // The pad's desired state is OFF; Home Assistant discovery is on.
    DaemonProcess daemon(broker.uri(), config(0, false, true));
    daemon.start();
    ASSERT_TRUE(wait_status(broker.uri(), "online", 20s)) << daemon.output();
    {
        TestClient wearable(broker.uri());
        wearable.publish(kEpisodeTopic, episode("before-1"));
        ASSERT_TRUE(wait_until([&] { return is_stored(daemon.db(), "before-1"); }, 20s)) << daemon.output();
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
                if (m->topic == kPlugSet && m->payload.find("\"OFF\"") != std::string::npos) off = online;
                if (m->topic == hub_discovery && json::parse(m->payload, nullptr, false).contains("components"))
                    discovery = true;
            }
            return online && off && discovery;
        },
        30s))
        << "online " << online << ", OFF " << off << ", discovery " << discovery << "\n"
        << daemon.output();
    EXPECT_TRUE(retained_payload(broker.uri(), hub_discovery)) << "discovery is published retained again";

    // Subscribed again: the next episodes reach the log.
    TestClient wearable(broker.uri());
    for (const char* id : {"after-1", "after-2", "after-3"}) wearable.publish(kEpisodeTopic, episode(id));
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

// ---------------------------------------------------------------------------
// Files are the service user's alone

// A crash loop (systemd restarting a daemon that keeps dying) must not mean
// heat resumed over and over: after more than 5 starts in 10 minutes bedtimed
// starts in safe mode, every pad off, heat refused, until a person resumes it.
TEST(Faults, ACrashLoopStartsInSafeModeUntilAPersonResumes) {
    Mosquitto broker;
    TestClient watcher(broker.uri());
    watcher.subscribe(kPlugSet);
    DaemonProcess daemon(broker.uri(), config(10));
    for (int i = 0; i < 5; ++i) {
        daemon.start();
        ASSERT_TRUE(wait_status(broker.uri(), "online", 20s)) << daemon.output();
        ASSERT_TRUE(daemon.kill9());
    }
    EXPECT_EQ(daemon.output().find("safe mode"), std::string::npos) << "5 starts are not a loop yet";
    daemon.start();  // the 6th start in a few seconds
    ASSERT_TRUE(daemon.wait_for_output("so it is in safe mode", 20s)) << daemon.output();
    ASSERT_TRUE(wait_status(broker.uri(), "online", 20s)) << daemon.output();
    const auto safe = retained_payload(broker.uri(), kBase + "/safe_mode");
    ASSERT_TRUE(safe);
    EXPECT_TRUE(json::parse(*safe).value("active", false)) << *safe;
    watcher.drain(300ms);

    TestClient wearable(broker.uri());
    wearable.publish(kEpisodeTopic, episode("safe-1"));
    ASSERT_TRUE(daemon.wait_for_output("heat refused: safe mode", 20s)) << daemon.output();
    EXPECT_FALSE(next_plug_command(watcher, "ON", 2s)) << "no heat in safe mode";

    wearable.publish(kBase + "/cmd/resume", "{}");
    ASSERT_TRUE(daemon.wait_for_output("safe mode ended", 20s)) << daemon.output();
    ASSERT_TRUE(wait_until(
        [&] {
            const auto now = retained_payload(broker.uri(), kBase + "/safe_mode", 2s);
            return now && !json::parse(*now).value("active", true);
        },
        20s));
    wearable.publish(kEpisodeTopic, episode("safe-2"));
    EXPECT_TRUE(next_plug_command(watcher, "ON", 20s)) << daemon.output();
    EXPECT_TRUE(daemon.alive());
}

TEST(Faults, TheDatabaseAndStateFilesAreCreatedOwnerOnly) {
    Mosquitto broker;
    DaemonProcess daemon(broker.uri(), config());
    daemon.start();
    ASSERT_TRUE(wait_status(broker.uri(), "online", 20s)) << daemon.output();
    TestClient wearable(broker.uri());
    wearable.publish(kEpisodeTopic, episode("mode-1"));  // heats the pad: the state file is written
    ASSERT_TRUE(wait_until([&] { return is_stored(daemon.db(), "mode-1"); }, 20s)) << daemon.output();
    ASSERT_TRUE(daemon.wait_for_output("pad: ON for", 10s)) << daemon.output();

    std::set<std::string> seen;
    for (const auto& e : std::filesystem::directory_iterator(daemon.state_dir())) {
        struct stat st {};
        ASSERT_EQ(::stat(e.path().c_str(), &st), 0);
        const std::string name = e.path().filename().string();
        seen.insert(name);
        if (S_ISREG(st.st_mode)) EXPECT_EQ(st.st_mode & 0777, 0600u) << name;
        else EXPECT_EQ(st.st_mode & 0077, 0u) << name;
    }
    for (const char* must : {"bedtimed.db", "bedtimed.db-wal"}) EXPECT_TRUE(seen.count(must)) << must;
    EXPECT_TRUE(std::any_of(seen.begin(), seen.end(),
                            [](const std::string& n) { return n.size() > 5 && n.substr(n.size() - 5) == ".json"; }))
        << "no state file was written";
    struct stat dir {};
    ASSERT_EQ(::stat(daemon.state_dir().c_str(), &dir), 0);
    EXPECT_EQ(dir.st_mode & 0077, 0u) << "the state directory is the service user's alone";
}

// ---------------------------------------------------------------------------
// Storage trouble: writes fail (a file-size limit of 0, as a full disk)

TEST(Faults, WhenTheDiskIsFullTheLogFailsLoudlyTheHeatCapStillHoldsAndStorageRecovers) {
    Mosquitto broker;
    TestClient watcher(broker.uri());
    watcher.subscribe(kPlugSet);
    watcher.subscribe(kBase + "/counters");
    DaemonProcess::Options opts;
    opts.log_through_pipe = true;  // the limit must not hit the daemon's own log
    DaemonProcess daemon(broker.uri(), config(1, true), opts);  // a 1 min heat session
    daemon.start();
    ASSERT_TRUE(wait_status(broker.uri(), "online", 20s)) << daemon.output();
    TestClient wearable(broker.uri());
    ASSERT_TRUE(std::filesystem::exists(daemon.db()));
    // Every write to a regular file now fails with EFBIG (SIGXFSZ is ignored
    // by the daemon): the database, its WAL, the state files.
    const std::string pid = std::to_string(daemon.pid());
    auto [rc, out] = run_to_completion({"/usr/bin/prlimit", "--pid", pid, "--fsize=0:"});
    ASSERT_EQ(rc, 0) << out;

    wearable.publish(kEpisodeTopic, episode("full-1"));
    ASSERT_TRUE(daemon.wait_for_output("episode not saved", 20s)) << daemon.output();
    // The safety functions go on: the episode still heats the pad, the plug
    // gets its own cap, and the daemon's cap turns it off after a minute.
    auto on = next_plug_command(watcher, "ON", 20s);
    ASSERT_TRUE(on) << daemon.output();
    EXPECT_LE((*on)["on_time"].get<int>(), 60 + 60) << on->dump();
    // The counter (published retained every 10 s when it changes).
    ASSERT_TRUE(wait_until(
        [&] {
            while (auto m = watcher.next(100ms)) {
                if (m->topic != kBase + "/counters") continue;
                const json j = json::parse(m->payload, nullptr, false);
                if (j.is_object() && j.value("store_failures", 0) >= 1) return true;
            }
            return false;
        },
        40s))
        << daemon.output();
    EXPECT_TRUE(next_plug_command(watcher, "OFF", 90s)) << "the heat cap did not hold\n" << daemon.output();
    EXPECT_TRUE(daemon.wait_for_output("pad: OFF (session over)", 10s)) << daemon.output();
    EXPECT_FALSE(is_stored(daemon.db(), "full-1"));
    EXPECT_TRUE(daemon.alive()) << daemon.output();

    // Space returns: the next episode is stored, and the log says so.
    std::tie(rc, out) = run_to_completion({"/usr/bin/prlimit", "--pid", pid, "--fsize=unlimited:"});
    ASSERT_EQ(rc, 0) << out;
    wearable.publish(kEpisodeTopic, episode("after-1"));
    ASSERT_TRUE(wait_until([&] { return is_stored(daemon.db(), "after-1"); }, 20s)) << daemon.output();
    EXPECT_TRUE(daemon.wait_for_output("episode store writable again", 10s)) << daemon.output();
    const std::string log = daemon.output();
    EXPECT_EQ(count_of(log, "episode not saved"), 1u) << "one error per failure streak\n" << log;
    EXPECT_TRUE(daemon.alive());

    // Stopped while the disk is full again: the pad is told OFF, the bed
    // STOP, and the daemon still exits cleanly.
    std::tie(rc, out) = run_to_completion({"/usr/bin/prlimit", "--pid", pid, "--fsize=0:"});
    ASSERT_EQ(rc, 0) << out;
    watcher.subscribe("bed/cover/legs/command");
    watcher.drain(300ms);
    daemon.signal(SIGTERM);
    ASSERT_TRUE(daemon.wait_for_output("bedtimed exit status", 20s)) << daemon.output();
    EXPECT_TRUE(daemon.wait_for_output("bedtimed exit status 0", 1s)) << daemon.output();
    bool off = false, stop = false;
    for (const auto& m : watcher.drain(1000ms)) {
        off = off || (m.topic == kPlugSet && m.payload.find("\"OFF\"") != std::string::npos);
        stop = stop || (m.topic == "bed/cover/legs/command" && m.payload == "STOP");
    }
    EXPECT_TRUE(off) << daemon.output();
    EXPECT_TRUE(stop) << daemon.output();
}

}  // namespace
}  // namespace bedtimed::test
