// The morning check-in and an experiment through the MQTT command topic, as
// Home Assistant sends them: the real bedtimed on a real mosquitto, the log
// read back read-only from SQLite (rig: tests/support/cramp_log_rig.hpp). An
// answer is stored as the night's self-report, a bad answer is refused and
// changes nothing, and an experiment's seed and every night's arm are stored
// as the pure assignment draws them.
//
// No assertion depends on timing: every wait is a bounded poll with a timeout
// far above what the step needs on a loaded 2-core machine.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "cramp_log_rig.hpp"
#include "experiment.hpp"
#include "mosquitto_fixture.hpp"
#include "night.hpp"
#include "test_client.hpp"

namespace bedtimed::test {
namespace {

using namespace cramp_log;

class CheckinExperimentCommands : public ::testing::Test {
protected:
    void SetUp() override {
        watcher_.subscribe(kBase + "/reply/#");
        daemon_.start();
        ASSERT_TRUE(wait_status(broker_.uri(), "online", 20s)) << daemon_.output();
    }

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

TEST_F(CheckinExperimentCommands, AnAnswerOnTheCommandTopicIsStoredAsTheNightsCheckin) {
    const json reply = command(
        "checkin", {{"sleeper", "alex"}, {"answer", "one"}, {"channel", "home_assistant"}}, "ci-1");
    ASSERT_EQ(reply.value("ok", false), true) << reply.dump() << daemon_.output();
    const std::string night = reply.value("night", std::string());
    ASSERT_TRUE(cramplog::parse_night(night)) << reply.dump();
    {
        EpisodeStore store(daemon_.db(), EpisodeStore::Mode::read_only);
        const auto row = store.checkin("alex", night);
        ASSERT_TRUE(row) << "the reply came after the commit";
        EXPECT_EQ(row->answer, "one");
        EXPECT_EQ(row->channel, "home_assistant");
    }
    // Details later keep the answer; a bad answer is refused and changes nothing.
    const json details =
        command("checkin", {{"sleeper", "alex"}, {"answer", "one"}, {"muscle", "calf"}}, "ci-2");
    ASSERT_EQ(details.value("ok", false), true) << details.dump();
    const json refused = command("checkin", {{"sleeper", "alex"}, {"answer", "three"}}, "ci-3");
    EXPECT_EQ(refused.value("ok", true), false) << refused.dump();
    EpisodeStore store(daemon_.db(), EpisodeStore::Mode::read_only);
    const auto row = store.checkin("alex", night);
    ASSERT_TRUE(row);
    EXPECT_EQ(row->answer, "one");
    EXPECT_EQ(row->muscle, "calf");
    EXPECT_EQ(store.checkins("alex", "").size(), 1u);
}

TEST_F(CheckinExperimentCommands, AnExperimentStartedOnTheCommandTopicStoresEveryNightsArm) {
    const json reply = command(
        "experiment",
        {{"action", "start"}, {"sleeper", "alex"}, {"step", "stretch"}, {"weeks", 2}, {"seed", 42}},
        "x-1");
    ASSERT_EQ(reply.value("ok", false), true) << reply.dump() << daemon_.output();
    EXPECT_EQ(reply.value("nights", 0), 14);
    // The rig's pre-warm is off in the config: nothing to withhold, refused.
    const json off = command(
        "experiment", {{"action", "start"}, {"sleeper", "alex"}, {"step", "prewarm"}}, "x-2");
    EXPECT_EQ(off.value("ok", true), false) << off.dump();

    EpisodeStore store(daemon_.db(), EpisodeStore::Mode::read_only);
    const auto all = store.experiments("alex");
    ASSERT_EQ(all.size(), 1u);
    const auto& e = all.front();
    EXPECT_EQ(e.step, "stretch");
    EXPECT_EQ(e.seed, 42u);
    EXPECT_EQ(e.nights, 14);
    EXPECT_FALSE(e.stopped);
    const auto first = cramplog::parse_night(e.first_night);
    ASSERT_TRUE(first);
    const auto arms =
        cramplog::all_assignments(cramplog::ExperimentDesign{"alex", "stretch", *first, 14, 42});
    const auto nights = store.experiment_nights(e.id);
    ASSERT_EQ(nights.size(), 14u);
    for (std::size_t i = 0; i < nights.size(); ++i) {
        EXPECT_EQ(nights[i].night, cramplog::night_text(*first + date::days(static_cast<int>(i))));
        EXPECT_EQ(nights[i].arm, cramplog::arm_name(arms[i])) << nights[i].night;
    }
    EXPECT_EQ(std::count_if(nights.begin(), nights.end(),
                            [](const ExperimentNightRecord& n) { return n.arm == "with"; }),
              7);

    const json stop = command("experiment", {{"action", "stop"}, {"sleeper", "alex"}}, "x-3");
    ASSERT_EQ(stop.value("ok", false), true) << stop.dump();
    const auto after = store.experiments("alex");
    ASSERT_EQ(after.size(), 1u);
    EXPECT_TRUE(after.front().stopped);
    EXPECT_EQ(after.front().stop_reason, "stopped");
}

}  // namespace
}  // namespace bedtimed::test
