// The morning check-in's reconciliation (daemon/cramplog/checkin.hpp): a
// night is counted once, a disagreement is kept, an unanswered night without
// a wearable is "no answer" (never "no cramps"), and the stats of a sleeper
// without a wearable come from the check-ins alone; when the question goes
// out (a set time, or getting up with a bed sensor); the page offers the
// answers while the night's check-in is open.
#include <gtest/gtest.h>

#include "checkin.hpp"
#include "local_time.hpp"
#include "night.hpp"

namespace bedtimed::cramplog {
namespace {

using namespace date;

const date::time_zone* berlin() { return zone_named("Europe/Berlin"); }
constexpr local_days kNight{2026_y / November / 26};

StoredEpisode episode(local_days night, int hour, const std::string& status = "unconfirmed") {
    StoredEpisode e;
    e.start = at_local(berlin(), night + days(hour < 12 ? 1 : 0), hour * 60);
    e.status = status;
    e.source = "band";
    return e;
}

CheckinRecord checkin(local_days night, const std::string& answer) {
    CheckinRecord c;
    c.sleeper = "alex";
    c.night = night_text(night);
    c.answer = answer;
    return c;
}

TEST(CramplogCheckin, AnswersReadTheirShortForms) {
    EXPECT_EQ(answer_from("0"), CheckinAnswer::none);
    EXPECT_EQ(answer_from("1"), CheckinAnswer::one);
    EXPECT_EQ(answer_from("2+"), CheckinAnswer::two_or_more);
    EXPECT_EQ(answer_from("two_or_more"), CheckinAnswer::two_or_more);
    EXPECT_FALSE(answer_from("three"));
    EXPECT_STREQ(answer_label(CheckinAnswer::two_or_more), "2 or more");
}

// The page's answer buttons: from the question, or 04:00 at the latest, until noon.
TEST(CramplogCheckin, TheCheckinIsOpenFromTheQuestionOrTheSmallHoursUntilNoon) {
    EXPECT_FALSE(checkin_open(2 * 60, false)) << "02:00, nobody asked: the night goes on";
    EXPECT_TRUE(checkin_open(2 * 60, true)) << "asked early: open from then";
    EXPECT_TRUE(checkin_open(kGetUpFromMinutes, false));
    EXPECT_TRUE(checkin_open(11 * 60 + 59, false));
    EXPECT_FALSE(checkin_open(12 * 60, true)) << "noon: the night has ended";
    EXPECT_FALSE(checkin_open(22 * 60, false)) << "the evening: a new night has begun";
}

TEST(CramplogCheckin, ACrampSeenByBothIsCountedOnce) {
    const std::vector<StoredEpisode> eps{episode(kNight, 3)};
    const std::vector<CheckinRecord> cks{checkin(kNight, "one")};
    const auto nights = reconcile(eps, cks, berlin(), kNight, kNight, true);
    ASSERT_EQ(nights.size(), 1u);
    EXPECT_EQ(nights[0].count, 1);
    EXPECT_EQ(nights[0].source, CountSource::both);
    EXPECT_FALSE(nights[0].disagree);
}

TEST(CramplogCheckin, ADisagreementIsKeptAndFlagged) {
    // The wearable saw nothing, the sleeper reports two or more.
    const auto nights =
        reconcile({}, {checkin(kNight, "two_or_more")}, berlin(), kNight, kNight, true);
    EXPECT_EQ(nights[0].episodes, 0);
    EXPECT_EQ(nights[0].checkin, CheckinAnswer::two_or_more);
    EXPECT_EQ(nights[0].count, 2);
    EXPECT_TRUE(nights[0].disagree);
    // Three episodes and "2 or more" agree; a false positive is not an episode.
    const std::vector<StoredEpisode> eps{episode(kNight, 1), episode(kNight, 2), episode(kNight, 4),
                                         episode(kNight, 5, "false_positive")};
    const auto agree =
        reconcile(eps, {checkin(kNight, "two_or_more")}, berlin(), kNight, kNight, true);
    EXPECT_EQ(agree[0].count, 3);
    EXPECT_FALSE(agree[0].disagree);
}

TEST(CramplogCheckin, NoAnswerIsNotNoCramps) {
    const auto without_wearable = reconcile({}, {}, berlin(), kNight, kNight, false);
    EXPECT_FALSE(without_wearable[0].known);
    const auto with_wearable = reconcile({}, {}, berlin(), kNight, kNight, true);
    EXPECT_TRUE(with_wearable[0].known);
    EXPECT_EQ(with_wearable[0].count, 0);
}

TEST(CramplogCheckin, StatsFromCheckinsAlone) {
    // 28 nights ending with the current one, no wearable: an answer on 20 of
    // the 27 finished nights ("1 cramp" on 5, "2 or more" on 2), none tonight yet.
    const local_days first = kNight - days(27);
    std::vector<CheckinRecord> cks;
    for (int i = 0; i < 20; ++i)
        cks.push_back(checkin(first + days(i), i < 5 ? "one" : i < 7 ? "two_or_more" : "none"));
    const auto nights = reconcile({}, cks, berlin(), first, kNight, false);
    const WallTime now = at_local(berlin(), kNight + days(1), 9 * 60);
    Stats stats = compute_stats({}, berlin(), now, {std::nullopt, 28});
    apply_checkins(stats, nights);
    EXPECT_EQ(stats.last_28_days, 5 + 2 * 2);
    EXPECT_EQ(stats.nights_no_answer, 7);  // 27 finished nights, 20 answered
    EXPECT_EQ(stats.count_source, "episodes+checkins");
    EXPECT_NEAR(stats.rate_28d_per_week, 7.0 * 9 / 20, 1e-12);  // over the 20 known nights
    EXPECT_EQ(stats.per_night.front().count, 1);
    EXPECT_EQ(stats.per_night[5].count, 2);
    EXPECT_EQ(stats.last_7_days, 0);
}

TEST(CramplogCheckin, TheSetTimeWinsOverQuietHoursAndIsTheBedSensorsLatest) {
    EXPECT_EQ(prompt_minutes(std::nullopt, false, 0), 7 * 60 + 30);
    EXPECT_EQ(prompt_minutes(std::nullopt, true, 6 * 60 + 45), 6 * 60 + 45);
    EXPECT_EQ(prompt_minutes(6 * 60 + 15, true, 6 * 60 + 45), 6 * 60 + 15);
    EXPECT_EQ(latest_minutes(std::nullopt), kFallbackMinutes);
    PromptInput bed;
    bed.has_bed_sensor = true;
    bed.in_bed = true;
    bed.latest_at = latest_minutes(8 * 60);
    bed.local_minutes = 8 * 60 - 1;
    EXPECT_FALSE(should_prompt(bed));  // still in bed before the set time
    bed.local_minutes = 8 * 60;
    EXPECT_TRUE(should_prompt(bed));  // the set time is the latest
    bed.prompted = true;
    EXPECT_FALSE(should_prompt(bed));
}

TEST(CramplogCheckin, AnUnansweredQuestionIsNoAnswerOnceItsNightEnds) {
    EXPECT_FALSE(unanswered_by_noon(kNight, kNight, false));  // before noon: still open
    EXPECT_TRUE(unanswered_by_noon(kNight, kNight + days(1), false));
    EXPECT_FALSE(unanswered_by_noon(kNight, kNight + days(1), true));
}

}  // namespace
}  // namespace bedtimed::cramplog
