// The two nights: the cramp log's (noon to noon, named by its evening) and
// the routine's plan night (named by its bedtime's date, until 12 h after
// bedtime), and the one way from the first to the second.
#include <gtest/gtest.h>

#include "loader.hpp"
#include "local_time.hpp"
#include "night.hpp"
#include "routine.hpp"

namespace bedtimed {
namespace {

config::Config with_bedtime(const std::string& bedtime) {
    return config::parse_config(R"(
sleepers:
  - {name: sam, bedtime: ")" + bedtime +
                                    R"(", timezone: Europe/Berlin}
)",
                                "test.yaml");
}

const date::local_days kNov26 = date::local_days(date::year(2026) / 11 / 26);

TEST(Nights, AnEveningBedtimeHasTheSameNameInBothNights) {
    const auto cfg = with_bedtime("22:30");
    const auto* zone = zone_named("Europe/Berlin");
    const auto plan = routine::plan_in_log_night(cfg.sleepers.at(0), zone, kNov26);
    ASSERT_TRUE(plan);
    EXPECT_EQ(routine::plan_night_text(plan->night), "2026-11-26");
    EXPECT_EQ(cramplog::night_of(zone, plan->bedtime), kNov26);
}

TEST(Nights, ABedtimeAfterMidnightIsTheNextDaysPlanNightInsideTheSameLogNight) {
    const auto cfg = with_bedtime("00:30");
    const auto* zone = zone_named("Europe/Berlin");
    const auto plan = routine::plan_in_log_night(cfg.sleepers.at(0), zone, kNov26);
    ASSERT_TRUE(plan);
    EXPECT_EQ(routine::plan_night_text(plan->night), "2026-11-27") << "named by the bedtime's date";
    EXPECT_EQ(local_text(zone, plan->bedtime).substr(0, 16), "2026-11-27 00:30");
    EXPECT_EQ(cramplog::night_of(zone, plan->bedtime), kNov26)
        << "inside the log night it was asked for";
    // By name alone the plan night of the 26th is a night earlier: the mix-up the type prevents.
    const auto by_name = routine::plan_night(cfg.sleepers.at(0), zone, routine::PlanNight{kNov26});
    ASSERT_TRUE(by_name);
    EXPECT_EQ(cramplog::night_of(zone, by_name->bedtime), kNov26 - date::days(1));
}

TEST(Nights, APlanNightEndsTwelveHoursAfterBedtimeAndEpisodesCountFromThreeBefore) {
    const auto cfg = with_bedtime("22:30");
    const auto* zone = zone_named("Europe/Berlin");
    const auto plan = routine::plan_night(cfg.sleepers.at(0), zone, routine::PlanNight{kNov26});
    ASSERT_TRUE(plan);
    EXPECT_EQ(plan->ends(), plan->bedtime + std::chrono::hours(12));
    EXPECT_TRUE(plan->episode_at_night(plan->bedtime - std::chrono::hours(3)));
    EXPECT_FALSE(
        plan->episode_at_night(plan->bedtime - std::chrono::hours(3) - std::chrono::seconds(1)));
    EXPECT_TRUE(plan->episode_at_night(plan->ends() - std::chrono::seconds(1)));
    EXPECT_FALSE(plan->episode_at_night(plan->ends()));
    // current_plan() hands over to the next night exactly when this one ends.
    const auto before =
        routine::current_plan(cfg.sleepers.at(0), zone, plan->ends() - std::chrono::seconds(1));
    const auto after = routine::current_plan(cfg.sleepers.at(0), zone, plan->ends());
    ASSERT_TRUE(before && after);
    EXPECT_EQ(before->night, plan->night);
    EXPECT_EQ(routine::plan_night_text(after->night), "2026-11-27");
}

}  // namespace
}  // namespace bedtimed
