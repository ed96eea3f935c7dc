// The cramp log's morning check-ins and experiments on a real SQLite file and
// a manual clock: the question goes out once in the morning with its answer
// buttons, an answer through the command path counts once with the episodes,
// the question goes out at the sleeper's set time without a bed sensor, a
// restart neither asks twice nor forgets "no answer by noon", and an
// experiment's assignment withholds the step and survives a restart.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "commands.hpp"
#include "cramp_log.hpp"
#include "episode_store.hpp"
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
    std::vector<std::string> timeline;

    void SetUp() override {
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
    }
    void TearDown() override { std::filesystem::remove_all(dir); }

    std::unique_ptr<CrampLog> open() {
        auto log = std::make_unique<CrampLog>(
            clock, counters, cfg, CrampLog::Options{dir + "/bedtimed.db", false, {}, {}});
        log->set_sender([this](const integrations::Reminder& r) { sent.push_back(r); });
        log->set_timeline(
            [this](const std::string&, const std::string& text) { timeline.push_back(text); });
        log->start();
        return log;
    }
    std::size_t said(const std::string& text) const {
        return static_cast<std::size_t>(std::count(timeline.begin(), timeline.end(), text));
    }
    // The question's row for the night of the 26th, read back from the file.
    std::vector<CheckinPromptRecord> prompts() const {
        return EpisodeStore(dir + "/bedtimed.db", EpisodeStore::Mode::read_only)
            .checkin_prompts("sam", "2026-11-26");
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

TEST_F(CrampLogCheckinTest, WithoutABedSensorTheQuestionGoesOutAtTheSetTime) {
    // The set time wins over the end of quiet hours (07:00).
    cfg = std::make_shared<const config::Config>(config::parse_config(
        std::string(kConfig) +
            "    quiet_hours: {from: bedtime, to: \"07:00\"}\n    checkin: {at: \"06:15\"}\n",
        "test.yaml"));
    ASSERT_EQ(cfg->sleepers[0].checkin.at, 6 * 60 + 15);
    auto log = open();
    clock.advance(std::chrono::hours(12) + std::chrono::minutes(14));  // 06:14
    EXPECT_TRUE(sent.empty());
    clock.advance(std::chrono::minutes(2));  // 06:16
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].step, "checkin");
    EXPECT_EQ(sent[0].at, *parse_iso8601("2026-11-27T06:15:00+01:00"));
    clock.advance(std::chrono::hours(3));
    EXPECT_EQ(sent.size(), 1u);
}

TEST_F(CrampLogCheckinTest, ARestartInTheMorningNeitherAsksTwiceNorForgetsNoAnswer) {
    auto log = open();
    clock.advance(std::chrono::hours(13) + std::chrono::minutes(40));  // 07:40: asked at 07:30
    ASSERT_EQ(sent.size(), 1u);
    log.reset();  // a restart at 07:40
    log = open();
    clock.advance(std::chrono::hours(4));  // 11:40
    EXPECT_EQ(sent.size(), 1u);            // not asked again
    EXPECT_EQ(said("check-in for the night of 2026-11-26: no answer by noon"), 0u);
    clock.advance(std::chrono::minutes(30));  // 12:10: the night has ended unanswered
    EXPECT_EQ(said("check-in for the night of 2026-11-26: no answer by noon"), 1u);
    const auto rows = prompts();
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].asked, *parse_iso8601("2026-11-27T07:30:00+01:00"));  // the 5-minute tick
    ASSERT_TRUE(rows[0].no_answer.has_value());
    log.reset();  // a later restart notes it only once
    log = open();
    clock.advance(std::chrono::minutes(30));
    EXPECT_EQ(said("check-in for the night of 2026-11-26: no answer by noon"), 1u);
}

TEST_F(CrampLogCheckinTest, DownOverNoonTheNoAnswerIsNotedAtTheRestart) {
    auto log = open();
    clock.advance(std::chrono::hours(13) + std::chrono::minutes(40));  // 07:40: asked at 07:30
    ASSERT_EQ(sent.size(), 1u);
    log.reset();  // down from 07:40 to 13:00
    clock.advance(std::chrono::hours(5) + std::chrono::minutes(20));
    ASSERT_FALSE(prompts().at(0).no_answer.has_value());
    log = open();
    EXPECT_EQ(said("check-in for the night of 2026-11-26: no answer by noon"), 1u);
    EXPECT_EQ(prompts().at(0).no_answer, *parse_iso8601("2026-11-27T13:00:00+01:00"));
    EXPECT_EQ(sent.size(), 1u);  // the new night is not asked in the afternoon
    // An answered question is not "no answer".
    clock.advance(std::chrono::hours(19));  // 08:00 the next morning: asked for the 27th
    ASSERT_EQ(sent.size(), 2u);
    ASSERT_TRUE(log->checkin(button("none")).ok);
    clock.advance(std::chrono::hours(5));
    EXPECT_EQ(said("check-in for the night of 2026-11-27: no answer by noon"), 0u);
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
