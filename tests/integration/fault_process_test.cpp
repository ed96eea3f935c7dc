// Faults the real bedtimed survives, at the process: a crash loop (safe
// mode), owner-only files, and a full disk under the cramp log (rig:
// tests/support/fault_rig.hpp).
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
    EXPECT_EQ(daemon.output().find("safe mode"), std::string::npos)
        << "5 starts are not a loop yet";
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
    ASSERT_TRUE(wait_until([&] { return is_stored(daemon.db(), "mode-1"); }, 20s))
        << daemon.output();
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
    for (const char* must : {"bedtimed.db", "bedtimed.db-wal"})
        EXPECT_TRUE(seen.count(must)) << must;
    EXPECT_TRUE(std::any_of(seen.begin(), seen.end(), [](const std::string& n) {
        return n.size() > 5 && n.substr(n.size() - 5) == ".json";
    })) << "no state file was written";
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
    EXPECT_TRUE(next_plug_command(watcher, "OFF", 90s)) << "the heat cap did not hold\n"
                                                        << daemon.output();
    EXPECT_TRUE(daemon.wait_for_output("pad: OFF (session over)", 10s)) << daemon.output();
    EXPECT_FALSE(is_stored(daemon.db(), "full-1"));
    EXPECT_TRUE(daemon.alive()) << daemon.output();

    // Space returns: the next episode is stored, and the log says so.
    std::tie(rc, out) = run_to_completion({"/usr/bin/prlimit", "--pid", pid, "--fsize=unlimited:"});
    ASSERT_EQ(rc, 0) << out;
    wearable.publish(kEpisodeTopic, episode("after-1"));
    ASSERT_TRUE(wait_until([&] { return is_stored(daemon.db(), "after-1"); }, 20s))
        << daemon.output();
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
