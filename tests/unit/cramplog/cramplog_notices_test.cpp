// "When to worry" notices and "what helps": every threshold from both sides,
// the 7-day rate limit, the urgent flag and the wording rules (docs/cramp-log.md).
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>

#include "cramplog/notices.hpp"
#include "local_time.hpp"

namespace bedtimed::cramplog {
namespace {

using namespace std::chrono_literals;

const date::time_zone* berlin() { return zone_named("Europe/Berlin"); }

// Tonight is the night of 26 November 2026; "now" is 08:00 the next morning.
const date::local_days kTonight = date::local_days{date::year{2026} / 11 / 26};

WallTime now_time() { return at_local(berlin(), kTonight + date::days(1), 8 * 60); }

// An episode at 23:00 on the evening `nights_ago` nights before tonight.
WallTime evening(int nights_ago) {
    return at_local(berlin(), kTonight - date::days(nights_ago), 23 * 60);
}

class Log {
public:
    Log() {
        in_.zone = berlin();
        in_.now = now_time();
    }
    std::int64_t add(int nights_ago, double duration_s = 60, std::string status = "confirmed") {
        return add_at(evening(nights_ago), duration_s, std::move(status));
    }
    std::int64_t add_at(WallTime t, double duration_s = 60, std::string status = "confirmed") {
        StoredEpisode e;
        e.row = ++next_row_;
        e.start = t;
        e.duration_s = duration_s;
        e.side = "left";
        e.status = std::move(status);
        in_.episodes.push_back(e);
        return e.row;
    }
    void add_n(int n, int nights_ago) {
        for (int i = 0; i < n; ++i) add(nights_ago);
    }
    NoticeInput& in() { return in_; }
    std::vector<Notice> due() const { return due_notices(in_); }
    bool fires(std::string_view id) const {
        const auto n = due();
        return std::any_of(n.begin(), n.end(), [&](const Notice& x) { return x.condition == id; });
    }

private:
    NoticeInput in_;
    std::int64_t next_row_ = 0;
};

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// ---- new_onset ----

TEST(CramplogNotices, NewOnsetFiresAtThreeInSevenNightsWithNoneBefore) {
    Log log;
    log.add(0);
    log.add(3);
    log.add(6);
    EXPECT_TRUE(log.fires(kNewOnset));
    EXPECT_FALSE(log.fires(kEscalation));  // zero baseline is new_onset's case
}

TEST(CramplogNotices, NewOnsetQuietAtTwo) {
    Log log;
    log.add(0);
    log.add(6);
    EXPECT_TRUE(log.due().empty());
}

TEST(CramplogNotices, NewOnsetQuietWithOneEpisodeInThePriorFourWeeks) {
    Log log;
    log.add_n(3, 1);
    log.add(34);  // the earliest of the prior 28 nights
    EXPECT_FALSE(log.fires(kNewOnset));
}

TEST(CramplogNotices, NewOnsetIgnoresEpisodesBeforeThePriorFourWeeks) {
    Log log;
    log.add_n(3, 1);
    log.add(35);
    EXPECT_TRUE(log.fires(kNewOnset));
}

TEST(CramplogNotices, NightSevenAgoBelongsToThePriorWindow) {
    Log log;
    log.add(1);
    log.add(2);
    log.add(7);
    EXPECT_FALSE(log.fires(kNewOnset));
}

TEST(CramplogNotices, NewOnsetQuietWhenTheLogIsYoungerThanTheBaseline) {
    Log log;
    log.add_n(3, 1);
    log.in().log_started = evening(20);
    EXPECT_FALSE(log.fires(kNewOnset));
    log.in().log_started = evening(34);
    EXPECT_TRUE(log.fires(kNewOnset));
}

TEST(CramplogNotices, FalsePositivesAreNotCounted) {
    Log log;
    log.add(0);
    log.add(1);
    log.add(2, 60, "false_positive");
    EXPECT_FALSE(log.fires(kNewOnset));
}

// ---- escalation ----

TEST(CramplogNotices, EscalationFiresAtTwiceThePriorWeeklyRate) {
    Log log;
    log.add_n(8, 10);  // 2 a week before
    log.add_n(4, 1);   // 4 ≥ 2 × 2
    EXPECT_TRUE(log.fires(kEscalation));
    EXPECT_FALSE(log.fires(kNewOnset));
}

TEST(CramplogNotices, EscalationQuietJustBelowTwiceTheRate) {
    Log log;
    log.add_n(9, 10);  // 2.25 a week → needs 4.5
    log.add_n(4, 1);
    EXPECT_FALSE(log.fires(kEscalation));
    log.add(0);  // 5
    EXPECT_TRUE(log.fires(kEscalation));
}

TEST(CramplogNotices, EscalationNeedsFourInSevenNights) {
    Log log;
    log.add(20);      // 0.25 a week
    log.add_n(3, 2);  // far above twice the rate, but only 3
    EXPECT_FALSE(log.fires(kEscalation));
    log.add(0);
    EXPECT_TRUE(log.fires(kEscalation));
}

TEST(CramplogNotices, EscalationQuietWhenTheLogIsYoungerThanTheBaseline) {
    Log log;
    log.add(20);
    log.add_n(4, 2);
    log.in().log_started = evening(25);
    EXPECT_FALSE(log.fires(kEscalation));
}

// ---- one_leg_swelling ----

TEST(CramplogNotices, SwellingRednessOrWarmthFlagFiresUrgent) {
    for (int which = 0; which < 3; ++which) {
        Log log;
        const auto row = log.add(5);
        EpisodeFlags f;
        (which == 0 ? f.swelling : which == 1 ? f.redness : f.warmth) = true;
        log.in().flags[row] = f;
        const auto n = log.due();
        ASSERT_EQ(n.size(), 1u) << which;
        EXPECT_EQ(n[0].condition, kOneLegSwelling);
        EXPECT_TRUE(n[0].urgent);
        EXPECT_NE(n[0].text.find("seek care promptly"), std::string::npos);
        EXPECT_NE(n[0].text.find("blood clot (DVT)"), std::string::npos);
        EXPECT_NE(n[0].text.find("breathlessness or chest pain needs emergency care"),
                  std::string::npos);
    }
}

TEST(CramplogNotices, SwellingFlagOnAnOldEpisodeOrOtherFlagsDoNotFire) {
    Log log;
    const auto old_row = log.add(7);
    log.in().flags[old_row].swelling = true;
    const auto row = log.add(0);
    log.in().flags[row].numbness = true;
    EXPECT_FALSE(log.fires(kOneLegSwelling));
}

TEST(CramplogNotices, CrampWithin48HoursAfterTravelFiresUrgent) {
    Log log;
    const auto cramp = evening(1);
    log.add_at(cramp);
    log.in().travel_ended = {cramp - 48h};
    EXPECT_TRUE(log.fires(kOneLegSwelling));
    log.in().travel_ended = {cramp - 48h - 1min};
    EXPECT_FALSE(log.fires(kOneLegSwelling));
    log.in().travel_ended = {cramp + 1min};  // the cramp came before the trip ended
    EXPECT_FALSE(log.fires(kOneLegSwelling));
}

// ---- numbness_or_back_pain ----

TEST(CramplogNotices, NumbnessOnTwoEpisodesInFourteenNightsFires) {
    Log log;
    log.in().flags[log.add(0)].numbness = true;
    EXPECT_FALSE(log.fires(kNumbnessOrBackPain));
    log.in().flags[log.add(13)].numbness = true;
    EXPECT_TRUE(log.fires(kNumbnessOrBackPain));
}

TEST(CramplogNotices, NumbnessFifteenNightsAgoDoesNotCount) {
    Log log;
    log.in().flags[log.add(0)].numbness = true;
    log.in().flags[log.add(14)].numbness = true;
    EXPECT_FALSE(log.fires(kNumbnessOrBackPain));
}

TEST(CramplogNotices, AnyBackPainFires) {
    Log log;
    log.in().flags[log.add(10)].back_pain = true;
    const auto n = log.due();
    ASSERT_EQ(n.size(), 1u);
    EXPECT_EQ(n[0].condition, kNumbnessOrBackPain);
    EXPECT_FALSE(n[0].urgent);
}

// ---- long_cramp ----

TEST(CramplogNotices, LongCrampFiresAboveTenMinutes) {
    Log log;
    log.add(3, 600);
    EXPECT_FALSE(log.fires(kLongCramp));
    log.add(6, 601);
    EXPECT_TRUE(log.fires(kLongCramp));
}

TEST(CramplogNotices, LongCrampOlderThanSevenNightsIsQuiet) {
    Log log;
    log.add(7, 1800);
    EXPECT_FALSE(log.fires(kLongCramp));
}

// ---- rate limit ----

TEST(CramplogNotices, EachConditionAtMostOncePerSevenDays) {
    Log log;
    log.add(2, 900);
    log.in().sent = {{std::string(kLongCramp), now_time() - 7 * 24h + 1min}};
    EXPECT_FALSE(log.fires(kLongCramp));
    log.in().sent = {{std::string(kLongCramp), now_time() - 7 * 24h}};
    EXPECT_TRUE(log.fires(kLongCramp));
}

TEST(CramplogNotices, RateLimitIsPerCondition) {
    Log log;
    log.add(2, 900);
    log.in().sent = {{std::string(kNewOnset), now_time() - 1h},
                     {std::string(kOneLegSwelling), now_time() - 1h}};
    EXPECT_TRUE(log.fires(kLongCramp));
}

// ---- urgency and wording ----

// Every condition at once (escalation separately: it excludes new_onset).
std::vector<Notice> all_notices() {
    std::vector<Notice> all;
    {
        Log log;
        log.add(0, 900);
        log.add(1);
        log.in().flags[log.add(2)] = EpisodeFlags{true, true, true, true, true};
        auto n = log.due();
        all.insert(all.end(), n.begin(), n.end());
    }
    {
        Log log;
        log.add(20);
        log.add_n(4, 1);
        auto n = log.due();
        all.insert(all.end(), n.begin(), n.end());
    }
    return all;
}

TEST(CramplogNotices, EveryConditionFiresAndOnlyTheClotOneIsUrgent) {
    const auto all = all_notices();
    std::set<std::string> ids;
    for (const auto& n : all) {
        ids.insert(n.condition);
        EXPECT_EQ(n.urgent, n.condition == kOneLegSwelling) << n.condition;
    }
    EXPECT_EQ(ids,
              (std::set<std::string>{std::string(kNewOnset), std::string(kEscalation),
                                     std::string(kOneLegSwelling), std::string(kNumbnessOrBackPain),
                                     std::string(kLongCramp)}));
}

TEST(CramplogNotices, WordingNeverDiagnosesOrRecommendsRemedies) {
    for (const auto& n : all_notices()) {
        const auto t = lower(n.title + " " + n.text);
        for (const char* banned : {"diagnos", "treat", "quinine", "magnesium", "prevent", "cure"}) {
            EXPECT_EQ(t.find(banned), std::string::npos) << n.condition << ": " << banned;
        }
        EXPECT_FALSE(n.title.empty());
        if (!n.urgent) {
            EXPECT_NE(t.find("doctor"), std::string::npos) << n.condition;
        }
    }
}

TEST(CramplogNotices, TextsCarryTheRequiredPhrases) {
    for (const auto& n : all_notices()) {
        if (n.condition == kNewOnset) {
            EXPECT_NE(n.text.find("new medication"), std::string::npos);
            EXPECT_NE(n.text.find("worth discussing with a doctor"), std::string::npos);
        } else if (n.condition == kLongCramp) {
            EXPECT_NE(
                n.text.find("more than 10 minutes that does not ease is worth getting checked"),
                std::string::npos);
        } else if (n.condition == kNumbnessOrBackPain || n.condition == kEscalation) {
            EXPECT_NE(n.text.find("worth discussing with a doctor"), std::string::npos);
        }
    }
}

// ---- what helps ----

std::vector<NightRecord> stretch_nights(int with, int cramps_with, int without,
                                        int cramps_without) {
    // Cramps are spread as evenly as they go over each side's nights.
    const auto share = [](int cramps, int nights, int i) {
        return cramps / nights + (i < cramps % nights ? 1 : 0);
    };
    std::vector<NightRecord> out;
    for (int i = 0; i < with; ++i)
        out.push_back({"w" + std::to_string(i), share(cramps_with, with, i), {"stretch"}});
    for (int i = 0; i < without; ++i)
        out.push_back({"o" + std::to_string(i), share(cramps_without, without, i), {}});
    return out;
}

TEST(CramplogWhatHelps, CountsNightsAndRatesOnEachSide) {
    auto nights = stretch_nights(10, 4, 8, 6);
    nights.push_back({"x", 3, {"stretch", "socks"}});
    const auto r = what_helps(nights);
    ASSERT_EQ(r.size(), 2u);
    EXPECT_EQ(r[0].step, "socks");
    EXPECT_EQ(r[0].nights_with, 1);
    EXPECT_EQ(r[0].nights_without, 18);
    EXPECT_TRUE(r[0].caution);

    const auto& s = r[1];
    EXPECT_EQ(s.step, "stretch");
    EXPECT_EQ(s.nights_with, 11);
    EXPECT_EQ(s.cramps_with, 7);
    EXPECT_EQ(s.nights_without, 8);
    EXPECT_EQ(s.cramps_without, 6);
    EXPECT_DOUBLE_EQ(s.rate_with, 7.0 / 11);
    EXPECT_DOUBLE_EQ(s.rate_without, 0.75);
    EXPECT_FALSE(s.caution);
}

TEST(CramplogWhatHelps, CautionBelowSevenNightsOnEitherSide) {
    EXPECT_FALSE(what_helps(stretch_nights(7, 0, 7, 0))[0].caution);
    EXPECT_TRUE(what_helps(stretch_nights(6, 0, 7, 0))[0].caution);
    EXPECT_TRUE(what_helps(stretch_nights(7, 0, 6, 0))[0].caution);
}

TEST(CramplogWhatHelps, DescribesTheUsersOwnNights) {
    // 12 nights with 5 cramps (0.4), 9 without 10 (1.1).
    const auto r = what_helps(stretch_nights(12, 5, 9, 10));
    const auto text = describe_what_helps(r);
    EXPECT_NE(text.find("On the 12 nights you did the stretch, you logged 0.4 cramps a night; "
                        "on the 9 nights you did not, 1.1."),
              std::string::npos)
        << text;
    EXPECT_EQ(text.find("read with care"), std::string::npos);
    const auto t = lower(text);
    for (const char* banned :
         {"diagnos", "treat", "quinine", "magnesium", "prevent", "helps", "cure"}) {
        EXPECT_EQ(t.find(banned), std::string::npos) << banned;
    }
}

TEST(CramplogWhatHelps, CautiousTextAndNothingToCompare) {
    const auto few = describe_what_helps(what_helps(stretch_nights(3, 1, 8, 2)));
    EXPECT_NE(few.find("On the 3 nights you did the stretch"), std::string::npos) << few;
    EXPECT_NE(lower(few).find("few nights so far, read with care"), std::string::npos) << few;

    const auto none = describe_what_helps(what_helps(stretch_nights(2, 0, 0, 0)));
    EXPECT_NE(none.find("no nights without it to compare yet"), std::string::npos) << none;
    EXPECT_EQ(describe_what_helps({}), "");
}

}  // namespace
}  // namespace bedtimed::cramplog
