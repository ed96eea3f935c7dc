// The cramp log's morning check-ins and experiments on a real SQLite file and
// a manual clock: the question goes out once in the morning with its answer
// buttons, an answer through the command path counts once with the episodes,
// and an experiment's assignment withholds the step and survives a restart.
#include <gtest/gtest.h>

#include <filesystem>

#include "commands.hpp"
#include "cramp_log.hpp"
#include "experiment.hpp"
#include "loader.hpp"
#include "manual_clock.hpp"
#include "night.hpp"

namespace bedtimed {
namespace {

const char* kConfig = R"(
actuators:
  - {name: pad, kind: heating_pad, integration: zigbee2mqtt, device: pad, max_on: 30m}
sleepers:
  - name: sam
    timezone: Europe/Berlin
    bedtime: "22:30"
    heating_pad: pad
)";

const WallTime kEvening = *parse_iso8601("2026-11-26T18:00:00+01:00");

class CrampLogCheckinTest : public ::testing::Test {
protected:
    std::string dir = ::testing::TempDir() + "bt-checkin-" +
                      ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::shared_ptr<const config::Config> cfg =
        std::make_shared<const config::Config>(config::parse_config(kConfig, "test.yaml"));
    ManualClock clock{kEvening};
    Counters counters;
    std::vector<integrations::Reminder> sent;

    void SetUp() override {
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
    }
    void TearDown() override { std::filesystem::remove_all(dir); }

    std::unique_ptr<CrampLog> open() {
        auto log = std::make_unique<CrampLog>(
            clock, counters, cfg, CrampLog::Options{dir + "/bedtimed.db", false, {}, {}});
        log->set_sender([this](const integrations::Reminder& r) { sent.push_back(r); });
        log->start();
        return log;
    }
    // An answer as a phone button sends it, through the verb table's parser.
    commands::CheckIn button(const std::string& answer) {
        const auto r =
            commands::parse_command("checkin", "BEDTIMED_CHECKIN:sam:" + answer, clock.wall_now());
        return std::get<commands::CheckIn>(std::get<commands::Command>(r.command));
    }
};

TEST_F(CrampLogCheckinTest, TheQuestionGoesOutOnceInTheMorningWithItsAnswers) {
    auto log = open();
    clock.advance(std::chrono::hours(13));  // 07:00: before the set time (07:30, no bed sensor)
    EXPECT_TRUE(sent.empty());
    clock.advance(std::chrono::minutes(40));
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].step, "checkin");
    ASSERT_EQ(sent[0].answers.size(), 3u);
    EXPECT_EQ(sent[0].answers[2].label, "2 or more");
    EXPECT_EQ(sent[0].answers[1].action_id, "BEDTIMED_CHECKIN:sam:one");
    clock.advance(std::chrono::hours(2));
    EXPECT_EQ(sent.size(), 1u);  // once a night
}

TEST_F(CrampLogCheckinTest, AnAnswerCountsOnceWithTheNightsEpisodes) {
    auto log = open();
    commands::LogEpisode hand;
    hand.start = clock.wall_now() + std::chrono::hours(8);  // 02:00, the night of the 26th
    clock.advance(std::chrono::hours(14));                  // 08:00 next morning
    ASSERT_TRUE(log->log(hand).ok);
    const auto c = button("one");
    EXPECT_EQ(c.channel, "phone");
    const auto r = log->checkin(c);
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.reply["night"], "2026-11-26");
    auto st = log->stats("sam");
    EXPECT_EQ(st.last_7_days, 1);  // the hand-logged cramp and "1 cramp" are the same one
    EXPECT_EQ(st.count_source, "episodes+checkins");
    // Details later: the answer stays, the muscle is added.
    commands::CheckIn details = button("one");
    details.muscle = "calf";
    ASSERT_TRUE(log->checkin(details).ok);
    // The next night: no wearable, no answer by noon → "no answer", not "no cramps".
    clock.advance(std::chrono::hours(24 + 5));  // 13:00 two days on
    st = log->stats("sam");
    EXPECT_EQ(st.last_7_days, 1);
    EXPECT_GE(st.nights_no_answer, 1);
    // A restart reads the answers back.
    log.reset();
    log = open();
    EXPECT_EQ(log->stats("sam").last_7_days, 1);
}

TEST_F(CrampLogCheckinTest, AnExperimentWithholdsTheStepAndSurvivesARestart) {
    auto log = open();
    commands::Experiment start{true, "sam", "prewarm", 2, 42};
    const auto r = log->experiment(start);
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.reply["first_night"], "2026-11-27");
    EXPECT_EQ(r.reply["nights"], 14);
    EXPECT_FALSE(log->experiment(start).ok);  // one at a time
    const cramplog::ExperimentDesign d{"sam", "prewarm",
                                       date::local_days{date::year{2026} / 11 / 27}, 14, 42};
    std::vector<bool> before;
    for (int i = 0; i < 14; ++i) {
        clock.advance(std::chrono::hours(24));
        const bool on = log->evening("sam", clock.wall_now()).prewarm.enabled;
        EXPECT_EQ(on, *cramplog::assigned_arm(d, d.first_night + date::days(i)) ==
                          cramplog::Arm::with_step)
            << "night " << i;
        before.push_back(on);
        if (i == 5) {  // a restart in the middle changes nothing
            log.reset();
            log = open();
            EXPECT_EQ(log->evening("sam", clock.wall_now()).prewarm.enabled, on);
        }
    }
    EXPECT_EQ(std::count(before.begin(), before.end(), true), 7);
    clock.advance(std::chrono::hours(24));  // past the planned nights: completed, pre-warm back
    EXPECT_TRUE(log->evening("sam", clock.wall_now()).prewarm.enabled);
    EXPECT_TRUE(log->experiment_json("sam").is_null());
    // A step switched off in the config cannot be experimented on (nothing to withhold).
    commands::Experiment bad{true, "sam", "supplement", 2, 1};
    EXPECT_FALSE(log->experiment(bad).ok);
}

}  // namespace
}  // namespace bedtimed
