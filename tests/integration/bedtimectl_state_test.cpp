// bedtimectl as a process reading retained state: `tonight` and `status`
// from the daemon's retained plan, sleepers index and status topics on a
// real mosquitto (with and without a config), and what it says when nothing
// can be read.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "daemon_harness.hpp"
#include "daemon_process.hpp"
#include "episode_store.hpp"
#include "mosquitto_fixture.hpp"
#include "test_client.hpp"

namespace bedtimed::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

const std::string kCtl = std::string(BEDTIMED_BIN_DIR) + "/bedtimectl";

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
