// bedtimectl as a process: the read-only log commands against a real SQLite
// file, and the retained plan/status views. The commands sent to the daemon
// are in bedtimectl_commands_test.cpp.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "child_process.hpp"
#include "daemon_harness.hpp"
#include "episode_store.hpp"
#include "ingest.hpp"
#include "mosquitto_fixture.hpp"
#include "test_client.hpp"

namespace bedtimed::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

const std::string kCtl = std::string(BEDTIMED_BIN_DIR) + "/bedtimectl";

std::string read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// ---------------------------------------------------------------------------
// Read-only commands on a real log

class BedtimectlLog : public ::testing::Test {
protected:
    void SetUp() override {
        const auto now = std::chrono::system_clock::now();
        EpisodeStore store(dir_ + "/bedtimed.db");
        auto add = [&](const std::string& sleeper, const std::string& id, WallTime start,
                       double duration, std::optional<double> severity, EpisodeFlags flags = {},
                       const std::string& notes = {}) {
            Episode e;
            e.source = "band";
            e.id_text = id;
            e.start = start;
            e.received = start;
            e.duration_s = duration;
            e.muscle = "calf";
            e.side = "left";
            e.severity = severity;
            store.insert(e, sleeper, flags, notes);
        };
        add("alex", "a1", now - 24h, 30, 4);
        add("alex", "a2", now - 48h, 50, 6);
        add("alex", "a3", now - 240h, 40, std::nullopt);
        add("alex", "fp", now - 72h, 20, 9);
        EpisodeEdit fp;
        fp.status = "false_positive";
        store.update("band", "fp", fp);
        EpisodeFlags flags;
        flags.numbness = true;
        add("sam", "s1", now - 12h, 90, 7, flags, "woke me up");
        store.record_decision({"alex", now - 96h, "calm", "start"});
        store.record_decision(
            {"alex", now - 24h, "moderate", "7-day rate 2.0/week >= 1.5 -> moderate"});
        store.save_tier("alex", TierRecord{"moderate", 2, "2026-11-26", ""});
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    SplitOutput ctl(std::vector<std::string> args) {
        args.insert(args.begin(), {kCtl, "--state-dir", dir_});
        return run_split(std::move(args));
    }

    std::string dir_ = make_temp_dir("bt-ctl");
};

TEST_F(BedtimectlLog, HistoryListsEpisodesNewestFirstWithFilters) {
    auto all = ctl({"history", "--json"});
    ASSERT_EQ(all.rc, 0) << all.err;
    const auto j = json::parse(all.out);
    ASSERT_EQ(j.size(), 5u);
    EXPECT_EQ(j[0]["source_id"], "s1") << "newest first";
    EXPECT_EQ(j[0]["sleeper"], "sam");
    EXPECT_EQ(j[0]["numbness"], true);
    EXPECT_EQ(j[0]["notes"], "woke me up");
    EXPECT_EQ(j[4]["source_id"], "a3");
    EXPECT_TRUE(j[4]["severity"].is_null());

    auto alex = ctl({"history", "--sleeper", "alex", "--limit", "2", "--json"});
    ASSERT_EQ(alex.rc, 0) << alex.err;
    const auto a = json::parse(alex.out);
    ASSERT_EQ(a.size(), 2u);
    EXPECT_EQ(a[0]["source_id"], "a1");
    EXPECT_EQ(a[1]["source_id"], "a2");

    auto future = ctl({"history", "--since", "2100-01-01", "--json"});
    ASSERT_EQ(future.rc, 0) << future.err;
    EXPECT_TRUE(json::parse(future.out).empty());

    auto text = ctl({"history", "--timezone", "UTC"});
    ASSERT_EQ(text.rc, 0) << text.err;
    EXPECT_NE(text.out.find("[band s1]"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("\"woke me up\""), std::string::npos) << text.out;
}

TEST_F(BedtimectlLog, StatsCountsWindowsAndLeavesFalsePositivesOut) {
    auto r = ctl({"stats", "--sleeper", "alex", "--timezone", "UTC", "--json"});
    ASSERT_EQ(r.rc, 0) << r.err;
    const auto j = json::parse(r.out);
    EXPECT_EQ(j["sleeper"], "alex");
    EXPECT_EQ(j["last_7_days"], 2);
    EXPECT_EQ(j["last_28_days"], 3);
    EXPECT_DOUBLE_EQ(j["rate_28d_per_week"].get<double>(), 0.75);
    EXPECT_DOUBLE_EQ(j["median_duration_s"].get<double>(), 40);
    EXPECT_DOUBLE_EQ(j["mean_severity"].get<double>(), 5);
    EXPECT_EQ(j["episodes"], 3);
    EXPECT_EQ(j["hourly_histogram"].size(), 24u);
    EXPECT_EQ(j["per_night"].size(), 28u);
    EXPECT_TRUE(j["trend"].is_string());

    auto text = ctl({"stats", "--timezone", "UTC"});
    ASSERT_EQ(text.rc, 0) << text.err;
    EXPECT_NE(text.out.find("last 28 nights     4"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("Time of night (4 episodes"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("#"), std::string::npos) << text.out;
}

TEST_F(BedtimectlLog, WhyShowsDecisionsNewestFirstAndTheTierInForce) {
    auto r = ctl({"why", "--json"});
    ASSERT_EQ(r.rc, 0) << r.err;
    const auto j = json::parse(r.out);
    ASSERT_EQ(j["decisions"].size(), 2u);
    EXPECT_EQ(j["decisions"][0]["tier"], "moderate");
    EXPECT_EQ(j["decisions"][0]["reason"], "7-day rate 2.0/week >= 1.5 -> moderate");
    EXPECT_EQ(j["decisions"][1]["tier"], "calm");
    ASSERT_EQ(j["tiers"].size(), 1u);
    EXPECT_EQ(j["tiers"][0]["sleeper"], "alex");
    EXPECT_EQ(j["tiers"][0]["tier"], "moderate");
    EXPECT_EQ(j["tiers"][0]["days_in_tier"], 2);

    auto text = ctl({"why", "--sleeper", "alex"});
    ASSERT_EQ(text.rc, 0) << text.err;
    EXPECT_NE(text.out.find("alex: tier moderate for 2 nights"), std::string::npos) << text.out;
    EXPECT_LT(text.out.find("moderate  7-day"), text.out.find("calm      start")) << text.out;
}

TEST_F(BedtimectlLog, ReadOnlyCommandsLeaveTheDatabaseUntouched) {
    const std::string db = dir_ + "/bedtimed.db";
    const std::string before = read_all(db);
    struct stat st_before {};
    ASSERT_EQ(::stat(db.c_str(), &st_before), 0);
    ::chmod(db.c_str(), 0444);  // a write attempt would fail loudly, too
    for (std::vector<std::string> args : {std::vector<std::string>{"history", "--json"},
                                          {"stats", "--json"},
                                          {"why", "--json"},
                                          {"export", "--format", "csv"},
                                          {"export", "--json"},
                                          {"report", "--svg", dir_ + "/r.svg", "--json"}}) {
        auto r = ctl(args);
        EXPECT_EQ(r.rc, 0) << args[0] << ": " << r.err;
        EXPECT_TRUE(r.err.empty()) << args[0] << ": " << r.err;
    }
    struct stat st_after {};
    ASSERT_EQ(::stat(db.c_str(), &st_after), 0);
    EXPECT_EQ(read_all(db), before);
    EXPECT_EQ(st_after.st_mtim.tv_sec, st_before.st_mtim.tv_sec);
    EXPECT_EQ(st_after.st_mtim.tv_nsec, st_before.st_mtim.tv_nsec);
    EXPECT_EQ(read_all(dir_ + "/r.svg").rfind("<svg", 0), 0u);
}

TEST(Bedtimectl, MissingLogIs69AndUnreadableLogIs74) {
    const std::string dir = make_temp_dir("bt-ctl");
    for (const char* cmd : {"history", "stats", "why", "export"}) {
        auto r = run_split({kCtl, cmd, "--state-dir", dir + "/nowhere"});
        EXPECT_EQ(r.rc, 69) << cmd;
        EXPECT_NE(r.err.find("no episode log at " + dir + "/nowhere/bedtimed.db"),
                  std::string::npos)
            << r.err;
    }
    std::ofstream(dir + "/bedtimed.db")
        << "this is not a database, and it is long enough to have a header....\n";
    auto bad = run_split({kCtl, "--state-dir", dir, "history"});
    EXPECT_EQ(bad.rc, 74) << bad.err;
    EXPECT_NE(bad.err.find("cannot read the episode log"), std::string::npos) << bad.err;
    std::filesystem::remove_all(dir);
}

// ---------------------------------------------------------------------------
// Retained state: tonight and status

const char* kAlexPlan =
    R"({"night":"2026-11-26","bedtime":"2026-11-26T22:30:00Z","tier":"calm","steps":[
  {"id":"hydration","at":"2026-11-26T21:00:00Z","state":"done"},
  {"id":"stretch","at":"2026-11-26T22:10:00Z","state":"missed"},
  {"id":"prewarm","at":"2026-11-26T22:15:00Z","state":"pending"}]})";
const char* kSamPlan =
    R"({"night":"2026-11-26","bedtime":"2026-11-26T23:00:00Z","tier":"frequent","steps":[]})";

TEST(Bedtimectl, TonightShowsEachSleepersRetainedPlan) {
    Mosquitto broker;
    TestClient daemon(broker.uri());
    daemon.publish("btp/status", "online", 1, true);
    daemon.publish("btp/alex/plan", kAlexPlan, 1, true);
    daemon.publish("btp/sam/plan", kSamPlan, 1, true);
    const std::vector<std::string> common = {"--broker", broker.uri(), "--base",
                                             "btp",      "--timezone", "UTC"};

    std::vector<std::string> args = {kCtl, "tonight", "--json"};
    args.insert(args.end(), common.begin(), common.end());
    auto r = run_split(args);
    ASSERT_EQ(r.rc, 0) << r.err;
    const auto j = json::parse(r.out);
    EXPECT_EQ(j["status"], "online");
    ASSERT_EQ(j["plans"].size(), 2u);
    EXPECT_EQ(j["plans"][0]["sleeper"], "alex");
    EXPECT_EQ(j["plans"][0]["plan"], json::parse(kAlexPlan));
    EXPECT_EQ(j["plans"][1]["plan"]["tier"], "frequent");

    args = {kCtl, "tonight", "--sleeper", "alex"};
    args.insert(args.end(), common.begin(), common.end());
    auto text = run_split(args);
    ASSERT_EQ(text.rc, 0) << text.err;
    EXPECT_NE(text.out.find("alex: night of 2026-11-26, bedtime 22:30, tier calm: 1 of 3 done"),
              std::string::npos)
        << text.out;
    EXPECT_NE(text.out.find("22:10  stretch        missed"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("22:15  prewarm        pending"), std::string::npos) << text.out;
    EXPECT_EQ(text.out.find("sam"), std::string::npos) << text.out;

    daemon.publish("btp/status", "offline", 1, true);
    auto offline = run_split({kCtl, "tonight", "--broker", broker.uri(), "--base", "btp"});
    EXPECT_EQ(offline.rc, 3);
    EXPECT_NE(offline.out.find("alex: night of"), std::string::npos)
        << "still shown, with a warning";
    EXPECT_NE(offline.err.find("bedtimed is offline"), std::string::npos) << offline.err;
}

// Without --config or --timezone, times are the sleeper's local times, from
// the zone the daemon puts in the plan, not the machine's.
TEST(Bedtimectl, TonightWithoutAConfigShowsTimesInTheZoneThePlanNames) {
    Mosquitto broker;
    TestClient daemon(broker.uri());
    daemon.publish("btp/status", "online", 1, true);
    // 21:30Z is 10:30 the next morning in Auckland (+13:00 in November), far from any machine's
    // zone here.
    daemon.publish("btp/kim/plan",
                   R"({"night":"2026-11-26","bedtime":"2026-11-26T21:30:00Z","tier":"calm",
        "timezone":"Pacific/Auckland","utc_offset":"+13:00",
        "steps":[{"id":"stretch","at":"2026-11-26T21:10:00Z","state":"pending"}]})",
                   1, true);
    auto r = run_split({kCtl, "tonight", "--broker", broker.uri(), "--base", "btp"});
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_NE(r.out.find("kim: night of 2026-11-26, bedtime 10:30"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("10:10  stretch"), std::string::npos) << r.out;
    // --timezone still wins.
    auto utc = run_split(
        {kCtl, "tonight", "--broker", broker.uri(), "--base", "btp", "--timezone", "UTC"});
    EXPECT_NE(utc.out.find("bedtime 21:30"), std::string::npos) << utc.out;
}

// Some brokers (RabbitMQ) send no retained message to a wildcard
// subscription, so bedtimectl must read the sleepers' topics by name. On
// mosquitto a wildcard would get them too, so what is checked is what
// bedtimectl subscribed to, in mosquitto's log.
// Whether a bedtimectl client (its id is bedtimectl-<pid>) subscribed to exactly `filter`.
bool subscribed_to(const Mosquitto& broker, const std::string& filter) {
    std::istringstream log(read_all(broker.log_path()));
    bool in_ctl_subscribe = false;
    for (std::string line; std::getline(log, line);) {
        if (line.find("Received SUBSCRIBE from ") != std::string::npos)
            in_ctl_subscribe =
                line.find("Received SUBSCRIBE from bedtimectl-") != std::string::npos;
        else if (line.find(": \t") == std::string::npos)
            in_ctl_subscribe = false;  // the filters are the tab-indented lines right after it
        else if (in_ctl_subscribe && line.find(": \t" + filter + " (QoS") != std::string::npos)
            return true;
    }
    return false;
}

TEST(Bedtimectl, TonightReadsTheSleepersNamedInTheDaemonsIndexByName) {
    Mosquitto::Options opts;
    opts.verbose_log = true;
    Mosquitto broker(opts);
    TestClient daemon(broker.uri());
    daemon.publish("btp/status", "online", 1, true);
    daemon.publish("btp/sleepers", R"(["alex","bad/+"])", 1, true);
    daemon.publish("btp/alex/plan", kAlexPlan, 1, true);
    auto r = run_split(
        {kCtl, "tonight", "--broker", broker.uri(), "--base", "btp", "--timezone", "UTC"});
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_NE(r.out.find("alex: night of 2026-11-26, bedtime 22:30"), std::string::npos) << r.out;
    EXPECT_TRUE(subscribed_to(broker, "btp/sleepers"));
    EXPECT_TRUE(subscribed_to(broker, "btp/alex/plan"));
    EXPECT_TRUE(subscribed_to(broker, "btp/alex/stats"));
    EXPECT_FALSE(subscribed_to(broker, "btp/bad/+/plan"))
        << "a name from the index is never a wildcard";
}

TEST(Bedtimectl, StatusReadsTheConfigsSleepersByName) {
    Mosquitto::Options opts;
    opts.verbose_log = true;
    Mosquitto broker(opts);
    TestClient daemon(broker.uri());
    daemon.publish("btp/status", "online", 1, true);
    daemon.publish("btp/sam/plan", kSamPlan, 1, true);
    const std::string dir = make_temp_dir("bt-ctl-byname");
    {
        std::ofstream c(dir + "/config.yaml");
        c << "mqtt:\n  uri: " << broker.uri() << "\n  base_topic: btp\nsleepers:\n"
          << "  - {name: sam, timezone: UTC, bedtime: \"23:00\"}\n";
    }
    auto r = run_split({kCtl, "status", "--config", dir + "/config.yaml", "--state-dir", dir});
    EXPECT_EQ(r.rc, 0) << r.err;
    EXPECT_NE(r.out.find("tonight: night of 2026-11-26, bedtime 23:00"), std::string::npos)
        << r.out;
    EXPECT_TRUE(subscribed_to(broker, "btp/sam/plan"));
    EXPECT_TRUE(subscribed_to(broker, "btp/sam/stats"));
    std::filesystem::remove_all(dir);
}

TEST(Bedtimectl, WhenNothingAtAllCanBeReadItSaysSoAndExitsThree) {
    Mosquitto broker;
    for (const std::string cmd : {"tonight", "status"}) {
        SCOPED_TRACE(cmd);
        auto r = run_split(
            {kCtl, cmd, "--broker", broker.uri(), "--base", "nothing-here", "--timeout", "2"});
        EXPECT_EQ(r.rc, 3);
        EXPECT_EQ(r.out.find("no plan published"), std::string::npos) << r.out;
        EXPECT_NE(r.err.find("could not read anything"), std::string::npos) << r.err;
    }
    auto j = run_split({kCtl, "tonight", "--json", "--broker", broker.uri(), "--base",
                        "nothing-here", "--timeout", "2"});
    EXPECT_EQ(j.rc, 3);
    EXPECT_EQ(json::parse(j.out)["read_nothing"], true);
}

TEST(Bedtimectl, TheDaemonsSleepersIndexIsRetainedAndLeadsToItsPlan) {
    Mosquitto::Options opts;
    opts.verbose_log = true;
    Mosquitto broker(opts);
    DaemonHarness daemon(
        "mqtt:\n  base_topic: btidx\nsleepers:\n  - {name: robin, timezone: UTC, bedtime: "
        "\"22:30\"}\n",
        broker.uri());
    // Each waits (at most 20 s) for the first message there, retained or not yet.
    const auto index = retained_payload(broker.uri(), "btidx/sleepers", std::chrono::seconds(20));
    ASSERT_TRUE(index) << "no index of sleepers published";
    EXPECT_EQ(json::parse(*index), json::array({"robin"}));
    ASSERT_TRUE(retained_payload(broker.uri(), "btidx/robin/plan", std::chrono::seconds(20)));
    auto r = run_split({kCtl, "tonight", "--broker", broker.uri(), "--base", "btidx"});
    EXPECT_EQ(r.rc, 0) << r.err;
    EXPECT_NE(r.out.find("robin: night of"), std::string::npos) << r.out;
    EXPECT_TRUE(subscribed_to(broker, "btidx/robin/plan"));
}

TEST(Bedtimectl, StatusCombinesRetainedStateAndTheLog) {
    Mosquitto broker;
    TestClient daemon(broker.uri());
    daemon.publish("btp/status", "online", 1, true);
    daemon.publish("btp/counters", R"({"connects":1,"episodes_accepted":3,"payloads_rejected":0})",
                   1, true);
    daemon.publish("btp/alex/plan", kAlexPlan, 1, true);
    daemon.publish(
        "btp/alex/stats",
        R"({"tonight":0,"last_7_days":2,"rate_28d_per_week":1.25,"tier":"moderate","last_episode":null})",
        1, true);
    const std::string dir = make_temp_dir("bt-ctls");
    {
        EpisodeStore store(dir + "/bedtimed.db");
        Episode e;
        e.source = "band";
        e.id_text = "b1";
        e.start = e.received = std::chrono::system_clock::now() - 2h;
        e.duration_s = 45;
        store.insert(e, "alex");
    }
    auto r = run_split(
        {kCtl, "status", "--json", "--broker", broker.uri(), "--base", "btp", "--state-dir", dir});
    ASSERT_EQ(r.rc, 0) << r.err;
    const auto j = json::parse(r.out);
    EXPECT_EQ(j["status"], "online");
    EXPECT_EQ(j["counters"]["episodes_accepted"], 3);
    ASSERT_EQ(j["sleepers"].size(), 1u);
    EXPECT_EQ(j["sleepers"][0]["sleeper"], "alex");
    EXPECT_EQ(j["sleepers"][0]["stats"]["tier"], "moderate");
    EXPECT_EQ(j["sleepers"][0]["plan"]["night"], "2026-11-26");
    ASSERT_EQ(j["last_episodes"].size(), 1u);
    EXPECT_EQ(j["last_episodes"][0]["source_id"], "b1");

    auto text = run_split({kCtl, "status", "--broker", broker.uri(), "--base", "btp", "--state-dir",
                           dir, "--timezone", "UTC"});
    ASSERT_EQ(text.rc, 0) << text.err;
    EXPECT_NE(text.out.find("bedtimed:  online"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("alex: tier moderate; tonight 0, last 7 nights 2"), std::string::npos)
        << text.out;
    EXPECT_NE(text.out.find("1 of 3 steps done; next prewarm at 22:15"), std::string::npos)
        << text.out;
    EXPECT_NE(text.out.find("[band b1]"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("counters:  connects=1 episodes_accepted=3\n"), std::string::npos)
        << text.out;

    daemon.publish("btp/status", "offline", 1, true);
    EXPECT_EQ(
        run_split({kCtl, "status", "--broker", broker.uri(), "--base", "btp", "--state-dir", dir})
            .rc,
        3);
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace bedtimed::test
