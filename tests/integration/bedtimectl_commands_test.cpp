// bedtimectl's commands sent to the daemon, as a process against a real
// mosquitto with the test standing in for bedtimed's command handler: each
// is a row of the verb table (daemon/commands/verbs.hpp), named by it, and
// sends exactly the documented fields to <base>/cmd/<verb>.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "daemon_process.hpp"
#include "ingest.hpp"
#include "test_client.hpp"
#include "verbs.hpp"

namespace bedtimed::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

const std::string kCtl = std::string(BEDTIMED_BIN_DIR) + "/bedtimectl";

std::set<std::string> keys_of(const json& j) {
    std::set<std::string> k;
    for (const auto& [key, v] : j.items()) k.insert(key);
    return k;
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

// The lines of `bedtimectl --help` under "Commands sent to bedtimed", up to
// the next blank line: the first word of each.
std::set<std::string> sent_commands_in_help(const std::string& help) {
    std::set<std::string> names;
    const auto start = help.find("Commands sent to bedtimed");
    if (start == std::string::npos) return names;
    std::istringstream lines(help.substr(help.find('\n', start) + 1));
    for (std::string line; std::getline(lines, line) && !line.empty();) {
        std::istringstream words(line);
        std::string first;
        words >> first;
        names.insert(first);
    }
    return names;
}

TEST(Bedtimectl, HelpListsExactlyTheVerbTablesRowsAsCommandsSentToBedtimed) {
    const auto help = run_split({kCtl, "--help"});
    ASSERT_EQ(help.rc, 0) << help.err;
    std::set<std::string> rows;
    for (const auto& v : commands::kVerbs) rows.insert(commands::ctl_name(v));
    EXPECT_EQ(sent_commands_in_help(help.out), rows) << help.out;
    // Each one's own help names the topic it goes to (and the old name it replaces).
    for (const auto& v : commands::kVerbs) {
        SCOPED_TRACE(std::string(v.name));
        const auto one = run_split({kCtl, "help", commands::ctl_name(v)});
        EXPECT_EQ(one.rc, 0) << one.err;
        const std::string topic = "<base>/cmd/" + std::string(v.name);
        EXPECT_TRUE(one.out.find(topic + " ") != std::string::npos ||
                    one.out.find(topic + ".") != std::string::npos)
            << one.out;
        EXPECT_NE(one.out.find(std::string(v.summary)), std::string::npos) << one.out;
        if (!v.alias.empty()) {
            EXPECT_NE(one.out.find("cmd/" + std::string(v.alias)), std::string::npos) << one.out;
        }
    }
}

// ---------------------------------------------------------------------------
// The command protocol, with the test standing in for bedtimed

class BedtimectlCommands : public ::testing::Test {
protected:
    BedtimectlCommands() { daemon_.subscribe("btp/cmd/#"); }

    std::unique_ptr<ChildProcess> start(std::vector<std::string> args,
                                        const std::string& timeout = "10") {
        args.insert(args.begin(), kCtl);
        for (const std::string& a : std::vector<std::string>{"--broker", broker_.uri(), "--base",
                                                             "btp", "--timeout", timeout})
            args.push_back(a);
        ++runs_;
        out_ = dir_ + "/out" + std::to_string(runs_);
        err_ = dir_ + "/err" + std::to_string(runs_);
        return std::make_unique<ChildProcess>(std::move(args), std::vector<std::string>{}, out_,
                                              err_);
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
        EXPECT_TRUE(
            std::regex_match(j.value("request_id", std::string()), std::regex("ctl-[0-9]+-[0-9]+")))
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
    // One run of bedtimectl: what it sends to <base>/cmd/<verb> and prints for `answer`.
    struct Case {
        std::vector<std::string> args;
        std::string verb;
        json fields;  // without request_id
        json answer;
        std::string text;
    };
    void expect_each(const std::vector<Case>& cases) {
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

    std::string dir_ = make_temp_dir("bt-ctlc");
    Mosquitto broker_;
    TestClient daemon_{broker_.uri()};
    int runs_ = 0;
    std::string out_, err_;

    ~BedtimectlCommands() override { std::filesystem::remove_all(dir_); }
};

TEST_F(BedtimectlCommands, LogSendsEveryFieldAndPrintsTheReplyAsJson) {
    auto p =
        start({"log",        "--sleeper",  "alex",     "--start",    "2026-11-26T03:10:00+01:00",
               "--duration", "1m30s",      "--muscle", "calf",       "--side",
               "left",       "--severity", "6",        "--swelling", "--numbness",
               "--notes",    "woke me",    "--id",     "mine-1",     "--json"});
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
    const std::vector<Case> cases = {
        {{"edit", "band", "8812", "--duration", "45", "--side", "both", "--no-swelling",
          "--warmth"},
         "edit",
         {{"source", "band"},
          {"source_id", "8812"},
          {"duration_s", 45},
          {"side", "both"},
          {"swelling", false},
          {"warmth", true}},
         {{"ok", true}},
         "edited\n"},
        {{"confirm", "band", "8812"},
         "confirm",
         {{"source", "band"}, {"source_id", "8812"}},
         {{"ok", true}},
         "confirmed\n"},
        {{"false-positive", "band", "8812"},
         "false_positive",
         {{"source", "band"}, {"source_id", "8812"}},
         {{"ok", true}},
         "marked as a false positive\n"},
        {{"delete", "manual", "ctl-1-1"},
         "delete",
         {{"source", "manual"}, {"source_id", "ctl-1-1"}},
         {{"ok", true}},
         "deleted\n"},
        {{"travel", "--sleeper", "sam", "--ended", "2026-11-26T18:00:00+01:00"},
         "travel",
         {{"sleeper", "sam"}, {"ended", "2026-11-26T17:00:00Z"}},
         {{"ok", true}},
         "travel recorded\n"},
        {{"pad-off"},
         "pad_off",
         json::object(),
         {{"ok", true}, {"pads", {"pad_left", "pad_right"}}},
         "all heat off: pad_left, pad_right\n"},
        {{"test-notify", "--sleeper", "alex"},
         "test_notify",
         {{"sleeper", "alex"}},
         {{"ok", true}, {"sent", 2}},
         "sent 2 test notifications\n"},
    };
    expect_each(cases);
}

// The verbs Home Assistant's entities and the reminders' buttons send, from
// the command line.
TEST_F(BedtimectlCommands, HouseCommandsSendWhatHomeAssistantSends) {
    const std::vector<Case> cases = {
        {{"ack", "stretch", "--sleeper", "alex"},
         "ack",
         {{"sleeper", "alex"}, {"step", "stretch"}},
         {{"ok", true}},
         "done, for tonight's reminder\n"},
        {{"snooze", "stretch", "--sleeper", "alex"},
         "snooze",
         {{"sleeper", "alex"}, {"step", "stretch"}},
         {{"ok", true}, {"again_at", "2026-11-26T21:20:00Z"}},
         "snoozed until 2026-11-26T21:20:00Z\n"},
        {{"tier", "frequent", "--sleeper", "sam"},
         "tier",
         {{"sleeper", "sam"}, {"tier", "frequent"}},
         {{"ok", true}},
         "done\n"},
        {{"routine", "off"}, "routine", {{"enabled", false}}, {{"ok", true}}, "done\n"},
        {{"step", "prewarm", "on", "--sleeper", "alex"},
         "step",
         {{"sleeper", "alex"}, {"step", "prewarm"}, {"enabled", true}},
         {{"ok", true}},
         "done\n"},
        {{"start-routine", "--sleeper", "alex"},
         "start_routine",
         {{"sleeper", "alex"}},
         {{"ok", true}},
         "done\n"},
        {{"bedtime", "23:15"}, "bedtime", {{"bedtime", "23:15"}}, {{"ok", true}}, "done\n"},
        {{"resume"},
         "resume",
         json::object(),
         {{"ok", true}},
         "safe mode ended: the routine runs again\n"},
    };
    expect_each(cases);
    EXPECT_EQ(run_split({kCtl, "routine", "maybe", "--broker", "tcp://127.0.0.1:1"}).rc, 64);
    EXPECT_EQ(run_split({kCtl, "ack", "--broker", "tcp://127.0.0.1:1"}).rc, 64) << "STEP";
    EXPECT_EQ(run_split({kCtl, "ack", "stretch", "--broker", "tcp://127.0.0.1:1"}).rc, 64)
        << "whose";
}

// A bedtimed from before pad_off knew only heat_off: pad-off still works.
TEST_F(BedtimectlCommands, AnOlderDaemonGetsTheOldNameOfARenamedVerb) {
    auto p = start({"pad-off"});
    const json first = request("pad_off");
    reply(first, {{"ok", false}, {"error", "unknown command \"pad_off\""}});
    const json second = request("heat_off");
    EXPECT_EQ(without_id(second), json::object());
    reply(second, {{"ok", true}, {"pads", {"pad"}}});
    EXPECT_EQ(finish(*p), 0) << err();
    EXPECT_EQ(out(), "all heat off: pad\n");
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
    const json req = request("pad_off");
    daemon_.publish("btp/reply/" + req["request_id"].get<std::string>(), "yes", 1, false);
    EXPECT_EQ(finish(*p), 1);
    EXPECT_NE(err().find("malformed reply"), std::string::npos) << err();
}

TEST_F(BedtimectlCommands, NoReplyWithinTheTimeoutExitsThree) {
    auto p = start({"pad-off"}, "1");
    const json req = request("pad_off");  // received, never answered
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
    std::ofstream(config)
        << "mqtt:\n  uri: " << broker_.uri()
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
    ChildProcess p({kCtl, "travel", "--config", config, "--timeout", "10"},
                   {"BT_CTL_TEST_PW=secret"}, out_, err_);
    const json req = request("travel");
    EXPECT_EQ(req.value("sleeper", std::string()), "alex") << "the config's only sleeper";
    reply(req, {{"ok", true}});
    EXPECT_EQ(finish(p), 0) << err();

    std::ofstream(dir_ + "/bad.yaml") << "mqtt:\n  keepalive: 1s\n";
    EXPECT_EQ(run_split({kCtl, "status", "--config", dir_ + "/bad.yaml"}).rc, 78);
}

}  // namespace
}  // namespace bedtimed::test
