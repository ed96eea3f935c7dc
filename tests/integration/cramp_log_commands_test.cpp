// bedtimectl and the MQTT command topic against the running daemon: the
// real bedtimed and bedtimectl binaries on a real mosquitto, the log read
// back read-only (rig: tests/support/cramp_log_rig.hpp). Log, confirm, mark
// a false positive, edit, delete, pad off, the tier by hand, and a malformed
// command refused on the reply topic.
//
// No assertion depends on timing: every wait is a bounded poll with a timeout
// far above what the step needs on a loaded 2-core machine.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "child_process.hpp"
#include "cramp_log_rig.hpp"
#include "mosquitto_fixture.hpp"
#include "test_client.hpp"

namespace bedtimed::test {
namespace {

using namespace cramp_log;

// ---------------------------------------------------------------------------
// 3. bedtimectl against the running daemon

class CrampLogCommands : public ::testing::Test {
protected:
    void SetUp() override {
        watcher_.subscribe(kBase + "/reply/#");
        watcher_.subscribe(kBase + "/alex/#");
        watcher_.subscribe("z2m/pad_plug/set");
        daemon_.start();
        ASSERT_TRUE(wait_status(broker_.uri(), "online", 20s)) << daemon_.output();
    }

    SplitOutput ctl(std::vector<std::string> args) {
        args.insert(args.begin(), kCtl);
        for (const std::string& a : {std::string("--broker"), broker_.uri(), std::string("--base"),
                                     kBase, std::string("--state-dir"), daemon_.state_dir(),
                                     std::string("--timeout"), std::string("15")})
            args.push_back(a);
        return run_split(std::move(args), 30s);
    }

    // A command published by hand (the verbs bedtimectl has no subcommand
    // for); returns the daemon's reply.
    json command(const std::string& verb, json body, const std::string& request_id) {
        body["request_id"] = request_id;
        watcher_.publish(kBase + "/cmd/" + verb, body.dump(), 1, false);
        auto m = watcher_.next_on(kBase + "/reply/" + request_id, 15s);
        if (!m) {
            ADD_FAILURE() << "no reply to " << verb << "\n" << daemon_.output();
            return json();
        }
        return json::parse(m->payload);
    }

    Mosquitto broker_;
    TestClient watcher_{broker_.uri()};
    Daemon daemon_{broker_.uri()};
};

TEST_F(CrampLogCommands, LogConfirmFalsePositiveEditAndDeleteChangeTheLog) {
    auto logged = ctl({"log", "--sleeper", "alex", "--muscle", "calf", "--swelling", "--json"});
    ASSERT_EQ(logged.rc, 0) << logged.err << daemon_.output();
    const json reply = json::parse(logged.out);
    EXPECT_EQ(reply["ok"], true);
    EXPECT_EQ(reply["source"], "manual");
    const std::string id = reply.value("source_id", std::string());
    ASSERT_FALSE(id.empty()) << logged.out;

    auto row = stored(daemon_.db(), "manual", id);
    ASSERT_TRUE(row) << "the reply came after the commit";
    EXPECT_EQ(row->sleeper, "alex");
    EXPECT_EQ(row->muscle, "calf");
    EXPECT_TRUE(row->flags.swelling);
    EXPECT_FALSE(row->flags.numbness);
    EXPECT_EQ(row->status, "unconfirmed");

    auto confirmed = ctl({"confirm", "manual", id});
    ASSERT_EQ(confirmed.rc, 0) << confirmed.err;
    EXPECT_EQ(confirmed.out, "confirmed\n");
    EXPECT_EQ(stored(daemon_.db(), "manual", id)->status, "confirmed");

    auto fp = ctl({"false-positive", "manual", id});
    ASSERT_EQ(fp.rc, 0) << fp.err;
    EXPECT_EQ(stored(daemon_.db(), "manual", id)->status, "false_positive");

    auto edited =
        ctl({"edit", "manual", id, "--duration", "1m30s", "--no-swelling", "--severity", "7"});
    ASSERT_EQ(edited.rc, 0) << edited.err;
    EXPECT_EQ(edited.out, "edited\n");
    row = stored(daemon_.db(), "manual", id);
    ASSERT_TRUE(row);
    EXPECT_DOUBLE_EQ(row->duration_s, 90);
    EXPECT_FALSE(row->flags.swelling);
    EXPECT_EQ(row->severity, 7);
    EXPECT_EQ(row->status, "false_positive") << "an edit leaves the status alone";

    // history reads the same row read-only, with what the daemon wrote.
    auto history = ctl({"history", "--json"});
    ASSERT_EQ(history.rc, 0) << history.err;
    const json h = json::parse(history.out);
    ASSERT_EQ(h.size(), 1u) << history.out;
    EXPECT_EQ(h[0]["source_id"], id);

    auto deleted = ctl({"delete", "manual", id});
    ASSERT_EQ(deleted.rc, 0) << deleted.err;
    EXPECT_EQ(deleted.out, "deleted\n");
    EXPECT_FALSE(stored(daemon_.db(), "manual", id));

    // Gone means gone: a second delete is the daemon's refusal, exit 1.
    auto again = ctl({"delete", "manual", id});
    EXPECT_EQ(again.rc, 1);
    EXPECT_NE(again.err.find("no episode manual/" + id), std::string::npos) << again.err;
}

TEST_F(CrampLogCommands, AnUnknownSleeperIsRefusedWithTheDaemonsError) {
    auto r = ctl({"log", "--sleeper", "nobody", "--muscle", "calf"});
    EXPECT_EQ(r.rc, 1) << r.out << r.err;
    EXPECT_NE(r.err.find("unknown sleeper \"nobody\""), std::string::npos) << r.err;
    EXPECT_EQ(stored_count(daemon_.db()), 0);
    EXPECT_TRUE(daemon_.alive());
}

TEST_F(CrampLogCommands, PadOffSendsTheOffCommandToThePlug) {
    // A fence: every message the daemon published before this reply (the
    // start-up OFFs among them) reaches us before it, because one client's
    // QoS 1 messages are forwarded in order.
    ASSERT_EQ(command("test_notify", json::object(), "fence-1").value("ok", false), true);
    auto r = ctl({"pad-off"});
    ASSERT_EQ(r.rc, 0) << r.err << daemon_.output();
    EXPECT_EQ(r.out, "all heat off: pad\n");
    bool off_seen = false;
    while (auto m = watcher_.next(15s)) {
        if (m->topic == "z2m/pad_plug/set") {
            const json j = json::parse(m->payload);
            if (j.value("state", std::string()) == "OFF") off_seen = true;
        }
        // The pad-off's own reply comes after the OFF it sent.
        if (m->topic.rfind(kBase + "/reply/ctl-", 0) == 0) break;
    }
    EXPECT_TRUE(off_seen) << daemon_.output();
    EXPECT_TRUE(daemon_.wait_for_output("all heat off", 10s)) << daemon_.output();
}

TEST_F(CrampLogCommands, ATierSetByHandShowsInWhyPlanAndStats) {
    // Before: the retained state topics exist, parse, and say the tier is calm.
    {
        TestClient late(broker_.uri());
        late.subscribe(kBase + "/alex/+");
        std::optional<json> plan, stats;
        ASSERT_TRUE(wait_until(
            [&] {
                while (auto m = late.next(100ms)) {
                    EXPECT_TRUE(m->retained) << m->topic;
                    if (m->topic == kBase + "/alex/plan") plan = json::parse(m->payload);
                    if (m->topic == kBase + "/alex/stats") stats = json::parse(m->payload);
                }
                return plan && stats;
            },
            15s))
            << daemon_.output();
        for (const char* k : {"night", "bedtime", "tier", "steps"})
            EXPECT_TRUE(plan->contains(k)) << k;
        for (const char* k :
             {"tonight", "last_7_days", "rate_28d_per_week", "tier", "trend", "last_episode"})
            EXPECT_TRUE(stats->contains(k)) << k;
        EXPECT_EQ((*stats)["tier"], "calm");
    }

    const json reply = command("tier", {{"sleeper", "alex"}, {"tier", "frequent"}}, "tier-1");
    EXPECT_EQ(reply.value("ok", false), true) << reply.dump();

    auto why = ctl({"why", "--json"});
    ASSERT_EQ(why.rc, 0) << why.err;
    const json w = json::parse(why.out);
    ASSERT_FALSE(w["decisions"].empty()) << why.out;
    EXPECT_EQ(w["decisions"][0]["sleeper"], "alex") << why.out;
    EXPECT_EQ(w["decisions"][0]["tier"], "frequent") << why.out;
    EXPECT_EQ(w["decisions"][0]["reason"], "tier set by hand to frequent") << why.out;
    auto why_text = ctl({"why", "--sleeper", "alex"});
    ASSERT_EQ(why_text.rc, 0) << why_text.err;
    EXPECT_NE(why_text.out.find("tier set by hand to frequent"), std::string::npos) << why_text.out;

    // After: the retained stats and plan follow.
    TestClient late(broker_.uri());
    late.subscribe(kBase + "/alex/+");
    std::optional<json> plan, stats;
    ASSERT_TRUE(wait_until(
        [&] {
            while (auto m = late.next(100ms)) {
                if (m->topic == kBase + "/alex/plan") plan = json::parse(m->payload);
                if (m->topic == kBase + "/alex/stats") stats = json::parse(m->payload);
            }
            return plan && stats;
        },
        15s));
    EXPECT_EQ((*stats)["tier"], "frequent") << stats->dump();
    EXPECT_EQ((*plan)["tier"], "frequent") << plan->dump();
}

// ---------------------------------------------------------------------------
// 4. Malformed and retained commands

TEST_F(CrampLogCommands, AMalformedCommandIsRefusedOnTheReplyTopicAndTheDaemonRunsOn) {
    const json refused = command("log", {{"severity", "x"}}, "bad-1");
    EXPECT_EQ(refused.value("ok", true), false) << refused.dump();
    ASSERT_TRUE(refused.contains("error")) << refused.dump();
    EXPECT_TRUE(refused["error"].is_string());
    EXPECT_NE(refused["error"].get<std::string>().find("severity"), std::string::npos)
        << refused.dump();

    // Still serving: the next command is answered, and only then is the
    // daemon's log read (the refusal was logged before its reply went out).
    EXPECT_EQ(command("test_notify", json::object(), "after-1").value("ok", false), true);
    EXPECT_TRUE(daemon_.alive());
    const std::string out = daemon_.output();
    EXPECT_EQ(count_of(out, "command refused"), 1u) << out;
    EXPECT_NE(out.find("command refused on " + kBase + "/cmd/log"), std::string::npos) << out;
    EXPECT_EQ(stored_count(daemon_.db()), 0);
}

}  // namespace
}  // namespace bedtimed::test
