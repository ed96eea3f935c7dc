// bedtimectl as a process (#6): the read-only log commands against a real
// SQLite file, the command protocol against a real mosquitto with a stand-in
// for the daemon's command handler, and the retained plan/status views.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
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

std::set<std::string> keys_of(const json& j) {
    std::set<std::string> k;
    for (const auto& [key, v] : j.items()) k.insert(key);
    return k;
}

// ---------------------------------------------------------------------------
// Read-only commands on a real log

class BedtimectlLog : public ::testing::Test {
protected:
    void SetUp() override {
        const auto now = std::chrono::system_clock::now();
        EpisodeStore store(dir_ + "/bedtimed.db");
        auto add = [&](const std::string& sleeper, const std::string& id, WallTime start, double duration,
                       std::optional<double> severity, EpisodeFlags flags = {}, const std::string& notes = {}) {
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
        store.record_decision({"alex", now - 24h, "moderate", "7-day rate 2.0/week >= 1.5 -> moderate"});
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
    for (std::vector<std::string> args :
         {std::vector<std::string>{"history", "--json"}, {"stats", "--json"}, {"why", "--json"},
          {"export", "--format", "csv"}, {"export", "--json"}, {"report", "--svg", dir_ + "/r.svg", "--json"}}) {
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
        EXPECT_NE(r.err.find("no episode log at " + dir + "/nowhere/bedtimed.db"), std::string::npos) << r.err;
    }
    std::ofstream(dir + "/bedtimed.db") << "this is not a database, and it is long enough to have a header....\n";
    auto bad = run_split({kCtl, "--state-dir", dir, "history"});
    EXPECT_EQ(bad.rc, 74) << bad.err;
    EXPECT_NE(bad.err.find("cannot read the episode log"), std::string::npos) << bad.err;
    std::filesystem::remove_all(dir);
}

TEST(Bedtimectl, UsageErrorsAre64AndHelpIsZero) {
    EXPECT_EQ(run_split({kCtl}).rc, 64);
    EXPECT_EQ(run_split({kCtl, "frobnicate"}).rc, 64);
    EXPECT_EQ(run_split({kCtl, "history", "--bogus"}).rc, 64);
    EXPECT_EQ(run_split({kCtl, "history", "--limit", "zero"}).rc, 64);
    EXPECT_EQ(run_split({kCtl, "log", "--side", "up", "--broker", "tcp://127.0.0.1:1"}).rc, 64);
    EXPECT_EQ(run_split({kCtl, "log", "--severity", "11", "--broker", "tcp://127.0.0.1:1"}).rc, 64);
    EXPECT_EQ(run_split({kCtl, "edit", "band", "1", "--broker", "tcp://127.0.0.1:1"}).rc, 64)
        << "nothing to change";
    EXPECT_EQ(run_split({kCtl, "confirm", "band"}).rc, 64) << "SOURCE and ID";
    auto help = run_split({kCtl, "--help"});
    EXPECT_EQ(help.rc, 0);
    EXPECT_NE(help.out.find("Exit codes:"), std::string::npos) << help.out;
    EXPECT_NE(help.out.find("pad-off"), std::string::npos) << help.out;
    auto log_help = run_split({kCtl, "log", "--help"});
    EXPECT_EQ(log_help.rc, 0);
    EXPECT_NE(log_help.out.find("--severity N"), std::string::npos) << log_help.out;
    EXPECT_EQ(run_split({kCtl, "help", "why"}).rc, 0);
}

// ---------------------------------------------------------------------------
// The command protocol, with the test standing in for bedtimed

class BedtimectlCommands : public ::testing::Test {
protected:
    BedtimectlCommands() { daemon_.subscribe("btp/cmd/#"); }

    std::unique_ptr<ChildProcess> start(std::vector<std::string> args, const std::string& timeout = "10") {
        args.insert(args.begin(), kCtl);
        for (const std::string& a : std::vector<std::string>{"--broker", broker_.uri(), "--base", "btp", "--timeout", timeout})
            args.push_back(a);
        ++runs_;
        out_ = dir_ + "/out" + std::to_string(runs_);
        err_ = dir_ + "/err" + std::to_string(runs_);
        return std::make_unique<ChildProcess>(std::move(args), std::vector<std::string>{}, out_, err_);
    }
    // The request the stand-in received, checked for the protocol's framing.
    json request(const std::string& verb) {
        auto m = daemon_.next(10s);
        EXPECT_TRUE(m) << "no command arrived";
        if (!m) return json();
        EXPECT_EQ(m->topic, "btp/cmd/" + verb);
        EXPECT_EQ(m->qos, 1);
        EXPECT_FALSE(m->retained);
        auto j = json::parse(m->payload);
        EXPECT_TRUE(std::regex_match(j.value("request_id", std::string()), std::regex("ctl-[0-9]+-[0-9]+")))
            << m->payload;
        return j;
    }
    void reply(const json& req, const json& body) {
        daemon_.publish("btp/reply/" + req["request_id"].get<std::string>(), body.dump(), 1, false);
    }
    int finish(ChildProcess& p) {
        auto rc = p.wait(20s);
        EXPECT_TRUE(rc) << "bedtimectl did not end";
        return rc.value_or(-1);
    }
    std::string out() const { return read_all(out_); }
    std::string err() const { return read_all(err_); }
    static json without_id(json j) {
        j.erase("request_id");
        return j;
    }

    std::string dir_ = make_temp_dir("bt-ctlc");
    Mosquitto broker_;
    TestClient daemon_{broker_.uri()};
    int runs_ = 0;
    std::string out_, err_;

    ~BedtimectlCommands() override { std::filesystem::remove_all(dir_); }
};

TEST_F(BedtimectlCommands, LogSendsEveryFieldAndPrintsTheReplyAsJson) {
    auto p = start({"log", "--sleeper", "alex", "--start", "2026-11-26T03:10:00+01:00", "--duration", "1m30s",
                    "--muscle", "calf", "--side", "left", "--severity", "6", "--swelling", "--numbness", "--notes",
                    "woke me", "--id", "mine-1", "--json"});
    const json req = request("log");
    EXPECT_EQ(without_id(req), json({{"sleeper", "alex"},
                                     {"start", "2026-11-26T02:10:00Z"},
                                     {"duration_s", 90},
                                     {"muscle", "calf"},
                                     {"side", "left"},
                                     {"severity", 6},
                                     {"swelling", true},
                                     {"numbness", true},
                                     {"notes", "woke me"},
                                     {"id", "mine-1"}}))
        << req.dump();
    const json answer = {{"ok", true}, {"source", "manual"}, {"source_id", "mine-1"}};
    reply(req, answer);
    EXPECT_EQ(finish(*p), 0) << err();
    EXPECT_EQ(json::parse(out()), answer);
}

TEST_F(BedtimectlCommands, LogWithoutOptionsSendsStartNowAndSaysWhatWasLogged) {
    const auto before = std::chrono::system_clock::now() - 1s;
    auto p = start({"log"});
    const json req = request("log");
    EXPECT_EQ(keys_of(req), (std::set<std::string>{"request_id", "start"})) << req.dump();
    const auto start = parse_iso8601(req.value("start", std::string()));
    ASSERT_TRUE(start) << req.dump();
    EXPECT_GE(*start, std::chrono::floor<std::chrono::seconds>(before));
    reply(req, {{"ok", true}, {"source", "manual"}, {"source_id", "ctl-7"}});
    EXPECT_EQ(finish(*p), 0) << err();
    EXPECT_EQ(out(), "logged manual ctl-7\n");
}

TEST_F(BedtimectlCommands, EpisodeAndHouseholdCommandsSendTheDocumentedFields) {
    struct Case {
        std::vector<std::string> args;
        std::string verb;
        json fields;  // without request_id
        json answer;
        std::string text;
    };
    const std::vector<Case> cases = {
        {{"edit", "band", "8812", "--duration", "45", "--side", "both", "--no-swelling", "--warmth"},
         "edit",
         {{"source", "band"}, {"source_id", "8812"}, {"duration_s", 45}, {"side", "both"}, {"swelling", false},
          {"warmth", true}},
         {{"ok", true}},
         "edited\n"},
        {{"confirm", "band", "8812"}, "confirm", {{"source", "band"}, {"source_id", "8812"}}, {{"ok", true}},
         "confirmed\n"},
        {{"false-positive", "band", "8812"}, "false_positive", {{"source", "band"}, {"source_id", "8812"}},
         {{"ok", true}}, "marked as a false positive\n"},
        {{"delete", "manual", "ctl-1-1"}, "delete", {{"source", "manual"}, {"source_id", "ctl-1-1"}}, {{"ok", true}},
         "deleted\n"},
        {{"travel", "--sleeper", "sam", "--ended", "2026-11-26T18:00:00+01:00"},
         "travel",
         {{"sleeper", "sam"}, {"ended", "2026-11-26T17:00:00Z"}},
         {{"ok", true}},
         "travel recorded\n"},
        {{"pad-off"}, "heat_off", json::object(), {{"ok", true}, {"pads", {"pad_left", "pad_right"}}},
         "all heat off: pad_left, pad_right\n"},
        {{"test-notify", "--sleeper", "alex"}, "test_notify", {{"sleeper", "alex"}}, {{"ok", true}, {"sent", 2}},
         "sent 2 test notifications\n"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.verb);
        auto p = start(c.args);
        const json req = request(c.verb);
        EXPECT_EQ(without_id(req), c.fields) << req.dump();
        reply(req, c.answer);
        EXPECT_EQ(finish(*p), 0) << err();
        EXPECT_EQ(out(), c.text);
    }
}

TEST_F(BedtimectlCommands, ARefusalExitsOneWithTheDaemonsError) {
    auto p = start({"confirm", "band", "nope", "--json"});
    const json req = request("confirm");
    const json answer = {{"ok", false}, {"error", "no episode band/nope"}};
    reply(req, answer);
    EXPECT_EQ(finish(*p), 1);
    EXPECT_NE(err().find("no episode band/nope"), std::string::npos) << err();
    EXPECT_EQ(json::parse(out()), answer) << "--json prints the reply either way";
}

TEST_F(BedtimectlCommands, AMalformedReplyExitsOne) {
    auto p = start({"pad-off"});
    const json req = request("heat_off");
    daemon_.publish("btp/reply/" + req["request_id"].get<std::string>(), "yes", 1, false);
    EXPECT_EQ(finish(*p), 1);
    EXPECT_NE(err().find("malformed reply"), std::string::npos) << err();
}

TEST_F(BedtimectlCommands, NoReplyWithinTheTimeoutExitsThree) {
    auto p = start({"pad-off"}, "1");
    const json req = request("heat_off");  // received, never answered
    EXPECT_EQ(finish(*p), 3);
    EXPECT_NE(err().find("no reply from bedtimed"), std::string::npos) << err();
}

TEST_F(BedtimectlCommands, AnOfflineDaemonGetsNoCommandAndExitsThree) {
    daemon_.publish("btp/status", "offline", 1, true);
    auto p = start({"pad-off"});
    EXPECT_EQ(finish(*p), 3);
    EXPECT_NE(err().find("bedtimed is offline"), std::string::npos) << err();
    // A later command still arrives first: the offline one was never sent.
    daemon_.publish("btp/status", "online", 1, true);
    auto q = start({"test-notify"});
    const json req = request("test_notify");
    reply(req, {{"ok", true}, {"sent", 1}});
    EXPECT_EQ(finish(*q), 0) << err();
    EXPECT_EQ(out(), "sent 1 test notification\n");
}

TEST_F(BedtimectlCommands, AnUnreachableBrokerExitsThree) {
    broker_.stop();
    auto p = start({"pad-off"}, "1");
    EXPECT_EQ(finish(*p), 3);
    EXPECT_NE(err().find("cannot reach the broker"), std::string::npos) << err();
}

TEST_F(BedtimectlCommands, BrokerAndBaseComeFromTheConfig) {
    const std::string config = dir_ + "/config.yaml";
    std::ofstream(config) << "mqtt:\n  uri: " << broker_.uri()
                          << "\n  base_topic: btp\n  username: ctl\n  password_env: BT_CTL_TEST_PW\n"
                             "sleepers:\n  - name: alex\n    bedtime: {weekdays: \"22:30\", weekends: \"23:00\"}\n";
    // mosquitto here allows anonymous clients and ignores the login; the
    // password must still be read from the configured variable.
    auto missing = run_split({kCtl, "travel", "--config", config, "--timeout", "5"});
    EXPECT_EQ(missing.rc, 78) << missing.err;
    EXPECT_NE(missing.err.find("BT_CTL_TEST_PW"), std::string::npos) << missing.err;

    ++runs_;
    out_ = dir_ + "/outc";
    err_ = dir_ + "/errc";
    ChildProcess p({kCtl, "travel", "--config", config, "--timeout", "10"}, {"BT_CTL_TEST_PW=secret"}, out_, err_);
    const json req = request("travel");
    EXPECT_EQ(req.value("sleeper", std::string()), "alex") << "the config's only sleeper";
    reply(req, {{"ok", true}});
    EXPECT_EQ(finish(p), 0) << err();

    std::ofstream(dir_ + "/bad.yaml") << "mqtt:\n  keepalive: 1s\n";
    EXPECT_EQ(run_split({kCtl, "status", "--config", dir_ + "/bad.yaml"}).rc, 78);
}

// ---------------------------------------------------------------------------
// Retained state: tonight and status

const char* kAlexPlan = R"({"night":"2026-11-26","bedtime":"2026-11-26T22:30:00Z","tier":"calm","steps":[
  {"id":"hydration","at":"2026-11-26T21:00:00Z","state":"done"},
  {"id":"stretch","at":"2026-11-26T22:10:00Z","state":"missed"},
  {"id":"prewarm","at":"2026-11-26T22:15:00Z","state":"pending"}]})";
const char* kSamPlan = R"({"night":"2026-11-26","bedtime":"2026-11-26T23:00:00Z","tier":"frequent","steps":[]})";

TEST(Bedtimectl, TonightShowsEachSleepersRetainedPlan) {
    Mosquitto broker;
    TestClient daemon(broker.uri());
    daemon.publish("btp/status", "online", 1, true);
    daemon.publish("btp/alex/plan", kAlexPlan, 1, true);
    daemon.publish("btp/sam/plan", kSamPlan, 1, true);
    const std::vector<std::string> common = {"--broker", broker.uri(), "--base", "btp", "--timezone", "UTC"};

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
    EXPECT_NE(text.out.find("alex: night of 2026-11-26, bedtime 22:30, tier calm: 1 of 3 done"), std::string::npos)
        << text.out;
    EXPECT_NE(text.out.find("22:10  stretch        missed"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("22:15  prewarm        pending"), std::string::npos) << text.out;
    EXPECT_EQ(text.out.find("sam"), std::string::npos) << text.out;

    daemon.publish("btp/status", "offline", 1, true);
    auto offline = run_split({kCtl, "tonight", "--broker", broker.uri(), "--base", "btp"});
    EXPECT_EQ(offline.rc, 3);
    EXPECT_NE(offline.out.find("alex: night of"), std::string::npos) << "still shown, with a warning";
    EXPECT_NE(offline.err.find("bedtimed is offline"), std::string::npos) << offline.err;
}

// Without --config or --timezone, times are the sleeper's local times, from
// the zone the daemon puts in the plan, not the machine's (#17).
TEST(Bedtimectl, TonightWithoutAConfigShowsTimesInTheZoneThePlanNames) {
    Mosquitto broker;
    TestClient daemon(broker.uri());
    daemon.publish("btp/status", "online", 1, true);
    // 21:30Z is 10:30 the next morning in Auckland (+13:00 in November), far from any machine's zone here.
    daemon.publish("btp/kim/plan", R"({"night":"2026-11-26","bedtime":"2026-11-26T21:30:00Z","tier":"calm",
        "timezone":"Pacific/Auckland","utc_offset":"+13:00",
        "steps":[{"id":"stretch","at":"2026-11-26T21:10:00Z","state":"pending"}]})", 1, true);
    auto r = run_split({kCtl, "tonight", "--broker", broker.uri(), "--base", "btp"});
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_NE(r.out.find("kim: night of 2026-11-26, bedtime 10:30"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("10:10  stretch"), std::string::npos) << r.out;
    // --timezone still wins.
    auto utc = run_split({kCtl, "tonight", "--broker", broker.uri(), "--base", "btp", "--timezone", "UTC"});
    EXPECT_NE(utc.out.find("bedtime 21:30"), std::string::npos) << utc.out;
}

// Some brokers (RabbitMQ) send no retained message to a wildcard
// subscription, so bedtimectl must read the sleepers' topics by name. On
// mosquitto a wildcard would get them too, so what is checked is what
// bedtimectl subscribed to, in mosquitto's log (#17).
// Whether a bedtimectl client (its id is bedtimectl-<pid>) subscribed to exactly `filter`.
bool subscribed_to(const Mosquitto& broker, const std::string& filter) {
    std::istringstream log(read_all(broker.log_path()));
    bool in_ctl_subscribe = false;
    for (std::string line; std::getline(log, line);) {
        if (line.find("Received SUBSCRIBE from ") != std::string::npos)
            in_ctl_subscribe = line.find("Received SUBSCRIBE from bedtimectl-") != std::string::npos;
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
    auto r = run_split({kCtl, "tonight", "--broker", broker.uri(), "--base", "btp", "--timezone", "UTC"});
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_NE(r.out.find("alex: night of 2026-11-26, bedtime 22:30"), std::string::npos) << r.out;
    EXPECT_TRUE(subscribed_to(broker, "btp/sleepers"));
    EXPECT_TRUE(subscribed_to(broker, "btp/alex/plan"));
    EXPECT_TRUE(subscribed_to(broker, "btp/alex/stats"));
    EXPECT_FALSE(subscribed_to(broker, "btp/bad/+/plan")) << "a name from the index is never a wildcard";
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
    EXPECT_NE(r.out.find("tonight: night of 2026-11-26, bedtime 23:00"), std::string::npos) << r.out;
    EXPECT_TRUE(subscribed_to(broker, "btp/sam/plan"));
    EXPECT_TRUE(subscribed_to(broker, "btp/sam/stats"));
    std::filesystem::remove_all(dir);
}

TEST(Bedtimectl, WhenNothingAtAllCanBeReadItSaysSoAndExitsThree) {
    Mosquitto broker;
    for (const std::string cmd : {"tonight", "status"}) {
        SCOPED_TRACE(cmd);
        auto r = run_split({kCtl, cmd, "--broker", broker.uri(), "--base", "nothing-here", "--timeout", "2"});
        EXPECT_EQ(r.rc, 3);
        EXPECT_EQ(r.out.find("no plan published"), std::string::npos) << r.out;
        EXPECT_NE(r.err.find("could not read anything"), std::string::npos) << r.err;
    }
    auto j = run_split({kCtl, "tonight", "--json", "--broker", broker.uri(), "--base", "nothing-here", "--timeout", "2"});
    EXPECT_EQ(j.rc, 3);
    EXPECT_EQ(json::parse(j.out)["read_nothing"], true);
}

TEST(Bedtimectl, TheDaemonsSleepersIndexIsRetainedAndLeadsToItsPlan) {
    Mosquitto::Options opts;
    opts.verbose_log = true;
    Mosquitto broker(opts);
    DaemonHarness daemon("mqtt:\n  base_topic: btidx\nsleepers:\n  - {name: robin, timezone: UTC, bedtime: \"22:30\"}\n",
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
    daemon.publish("btp/counters", R"({"connects":1,"episodes_accepted":3,"payloads_rejected":0})", 1, true);
    daemon.publish("btp/alex/plan", kAlexPlan, 1, true);
    daemon.publish("btp/alex/stats",
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
    auto r = run_split({kCtl, "status", "--json", "--broker", broker.uri(), "--base", "btp", "--state-dir", dir});
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

    auto text = run_split({kCtl, "status", "--broker", broker.uri(), "--base", "btp", "--state-dir", dir,
                           "--timezone", "UTC"});
    ASSERT_EQ(text.rc, 0) << text.err;
    EXPECT_NE(text.out.find("bedtimed:  online"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("alex: tier moderate; tonight 0, last 7 nights 2"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("1 of 3 steps done; next prewarm at 22:15"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("[band b1]"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("counters:  connects=1 episodes_accepted=3\n"), std::string::npos) << text.out;

    daemon.publish("btp/status", "offline", 1, true);
    EXPECT_EQ(run_split({kCtl, "status", "--broker", broker.uri(), "--base", "btp", "--state-dir", dir}).rc, 3);
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace bedtimed::test
