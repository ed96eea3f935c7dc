// bedtimectl as a process: the read-only log commands against a real SQLite
// file. The retained plan/status views are in bedtimectl_state_test.cpp, the
// commands sent to the daemon in bedtimectl_commands_test.cpp.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "child_process.hpp"
#include "daemon_harness.hpp"
#include "daemon_process.hpp"
#include "episode_store.hpp"
#include "ingest.hpp"
#include "mosquitto_fixture.hpp"
#include "test_client.hpp"

namespace bedtimed::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

const std::string kCtl = std::string(BEDTIMED_BIN_DIR) + "/bedtimectl";

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

}  // namespace
}  // namespace bedtimed::test
