// The nights that follow life, the pure part (daemon/routine/life.hpp,
// daemon/rules/clock_reading.hpp): profiles, away, what they make of the
// evening, and tonight's bedtime from a reading, on fixed instants.
#include <gtest/gtest.h>

#include <set>

#include "ingest.hpp"
#include "life.hpp"
#include "loader.hpp"
#include "local_time.hpp"

namespace bedtimed::routine {
namespace {

using namespace std::chrono_literals;

const date::time_zone* berlin() { return zone_named("Europe/Berlin"); }
WallTime at(const char* iso) { return *parse_iso8601(iso); }

config::SleeperSpec sleeper_with_profiles() {
    config::SleeperSpec s;
    s.name = "sam";
    s.bedtime.fill(23 * 60);
    s.heating_pad = "pad";
    config::ProfileSpec guest;
    guest.name = "guest";
    guest.heat = false;
    guest.elevation = false;
    config::ProfileSpec late;
    late.name = "vacation";
    late.bedtime_shift = 90min;
    s.profiles = {guest, late};
    return s;
}

TEST(ClockReading, ReadsTheHousesTimeFormats) {
    const auto hhmm = parse_clock_reading("05:30");
    ASSERT_TRUE(hhmm);
    EXPECT_EQ(hhmm->kind, ClockReading::Kind::local_time);
    EXPECT_EQ(hhmm->minutes, 5 * 60 + 30);
    EXPECT_EQ(parse_clock_reading("05:30:00")->minutes, 330);  // input_datetime, time only
    const auto local = parse_clock_reading("2026-11-27 05:30:00");
    ASSERT_TRUE(local);
    EXPECT_EQ(local->kind, ClockReading::Kind::local_date);
    const auto iso = parse_clock_reading("2026-11-27T04:30:00+00:00");  // companion app
    ASSERT_TRUE(iso);
    EXPECT_EQ(iso->kind, ClockReading::Kind::instant);
    EXPECT_EQ(iso->instant, at("2026-11-27T05:30:00+01:00"));
    const auto ms = parse_clock_reading("1795753800000");  // Sleep as Android: epoch ms
    ASSERT_TRUE(ms);
    EXPECT_EQ(ms->instant, WallTime(std::chrono::seconds(1795753800)));
    EXPECT_EQ(parse_clock_reading("1795753800")->instant, ms->instant);
    for (const char* bad : {"", "unknown", "unavailable", "25:00", "7:3", "2026-13-01 05:30"})
        EXPECT_FALSE(parse_clock_reading(bad)) << bad;
}

TEST(Profiles, InForceUntilTheirEndThenNormal) {
    const auto s = sleeper_with_profiles();
    const WallTime now = at("2026-11-26T18:00:00+01:00");
    EXPECT_EQ(profile_in_force(s, std::nullopt, berlin(), now).name, "normal");
    ProfileChoice guest{"guest", now + 48h, now};
    const auto p = profile_in_force(s, guest, berlin(), now + 1h);
    EXPECT_EQ(p.name, "guest");
    ASSERT_NE(p.spec, nullptr);
    EXPECT_NE(p.why.find("until 2026-11-28 18:00"), std::string::npos) << p.why;
    const auto over = profile_in_force(s, guest, berlin(), now + 48h);
    EXPECT_EQ(over.name, "normal");
    EXPECT_TRUE(over.expired);
    EXPECT_TRUE(profile_in_force(s, ProfileChoice{"gone", {}, now}, berlin(), now).expired);
}

TEST(Profiles, ShapeTheEveningWithoutTouchingTheConfig) {
    const auto s = sleeper_with_profiles();
    const WallTime now = at("2026-11-26T18:00:00+01:00");
    const auto guest = profile_in_force(s, ProfileChoice{"guest", {}, now}, berlin(), now);
    ASSERT_TRUE(shapes_evening(guest, false));
    const auto shaped = shape_evening(s, guest, false);
    EXPECT_FALSE(shaped.prewarm.enabled);
    EXPECT_FALSE(shaped.episode.heat);
    EXPECT_FALSE(shaped.elevation.enabled);
    EXPECT_TRUE(shaped.stretch.enabled) << "reminders stay on";
    EXPECT_TRUE(s.prewarm.enabled);
    // 23:00 and 90 minutes later is the next plan night's 00:30.
    const auto late = profile_in_force(s, ProfileChoice{"vacation", {}, now}, berlin(), now);
    const auto moved = shape_evening(s, late, false);
    EXPECT_EQ(moved.bedtime[4], 30);  // Thursday's entry: Wednesday's 23:00 moved past midnight
    const auto away = shape_evening(s, profile_in_force(s, {}, berlin(), now), true);
    EXPECT_FALSE(away.prewarm.enabled);
    EXPECT_FALSE(away.stretch.enabled);
    EXPECT_FALSE(away.hydration.enabled);
    EXPECT_FALSE(away.elevation.enabled);
}

TEST(Away, PresenceOrAnUnusedBedAndNeverInBed) {
    auto s = sleeper_with_profiles();
    s.occupancy_sensor = "bed";
    s.away = config::AwayRule{};
    s.away->presence_sensor = "home";
    const WallTime t0 = at("2026-11-26T08:00:00+01:00");
    AwayInputs in{std::nullopt, std::nullopt, t0, false};
    EXPECT_FALSE(decide_away(s, in, t0 + 35h).away);
    const auto unused = decide_away(s, in, t0 + 36h);
    EXPECT_TRUE(unused.away);
    EXPECT_EQ(unused.why, "bed not used for 36 h");
    in.in_bed = true;
    EXPECT_FALSE(decide_away(s, in, t0 + 40h).away) << "getting into bed ends it";
    in.in_bed = false;
    in.presence_away = true;
    in.presence_change = t0 + 1h;
    EXPECT_TRUE(decide_away(s, in, t0 + 2h).away);
    in.last_bed_use = t0 + 3h;  // in bed after the tracker said away
    EXPECT_FALSE(decide_away(s, in, t0 + 4h).away);
    // Back home after 40 h away: the count starts again from the return.
    in = AwayInputs{false, t0 + 40h, t0, false};
    EXPECT_FALSE(decide_away(s, in, t0 + 41h).away);
    EXPECT_TRUE(decide_away(s, in, t0 + 76h).away);
    config::AwayRule rule;
    EXPECT_EQ(presence_says_away(rule, Value(std::string("not_home"))), true);
    EXPECT_EQ(presence_says_away(rule, Value(std::string("home"))), false);
    EXPECT_EQ(presence_says_away(rule, Value(false)), true);
}

// Tonight's plan by the schedule: bedtime 23:00 on Thursday 26 November.
NightPlan scheduled_plan(const config::SleeperSpec& s) {
    return *plan_night(s, berlin(), PlanNight{date::local_days(date::year(2026) / 11 / 26)});
}

TEST(HouseBedtime, AlarmMinusOffsetWithinBoundsElseTheSchedule) {
    auto s = sleeper_with_profiles();
    config::BedtimeSource src;
    src.sensor = "alarm";
    src.earliest = 21 * 60;
    src.latest = 30;
    const auto plan = scheduled_plan(s);
    const WallTime eight = at("2026-11-26T20:00:00+01:00");
    auto d = decide_house_bedtime(src, plan, parse_clock_reading("05:30"), {}, berlin(), eight);
    ASSERT_TRUE(d.bedtime);
    EXPECT_EQ(*d.bedtime, at("2026-11-26T21:30:00+01:00"));
    EXPECT_NE(d.why.find("from 'alarm' (05:30 - 480 min)"), std::string::npos) << d.why;
    d = decide_house_bedtime(src, plan, parse_clock_reading("04:00"), {}, berlin(), eight);
    EXPECT_EQ(*d.bedtime, at("2026-11-26T21:00:00+01:00")) << d.why;
    EXPECT_NE(d.why.find("raised to the earliest 21:00"), std::string::npos);
    d = decide_house_bedtime(src, plan, parse_clock_reading("2026-11-27T10:00:00+01:00"), {},
                             berlin(), eight);
    EXPECT_EQ(*d.bedtime, at("2026-11-27T00:30:00+01:00")) << d.why;
    d = decide_house_bedtime(src, plan, std::nullopt, {}, berlin(), eight);
    EXPECT_FALSE(d.bedtime);
    EXPECT_NE(d.why.find("the schedule's bedtime 23:00"), std::string::npos) << d.why;
    // The alarm switched off: the companion app's sensor reads "unavailable".
    EXPECT_TRUE(names_no_time("unavailable"));
    EXPECT_TRUE(names_no_time("unknown"));
    EXPECT_TRUE(names_no_time(""));
    EXPECT_FALSE(names_no_time("05:30"));
    EXPECT_FALSE(names_no_time("soon"));
    d = decide_house_bedtime(src, plan, parse_clock_reading("unavailable"), {}, berlin(), eight,
                             true);
    EXPECT_FALSE(d.bedtime);
    EXPECT_NE(d.why.find("'alarm' says there is none (no alarm set): the schedule's bedtime 23:00"),
              std::string::npos)
        << d.why;
    // An alarm three days away is not tonight's.
    d = decide_house_bedtime(src, plan, parse_clock_reading("2026-11-30 07:00"), {}, berlin(),
                             eight);
    EXPECT_FALSE(d.bedtime) << d.why;
    // From an hour before the bedtime in force, the plan is fixed.
    const WallTime applied = at("2026-11-26T21:30:00+01:00");
    d = decide_house_bedtime(src, plan, parse_clock_reading("07:30"), applied, berlin(),
                             applied - 59min);
    EXPECT_EQ(d.bedtime, applied);
    EXPECT_NE(d.why.find("fixed"), std::string::npos);
}

TEST(HouseBedtime, ReplanningMovesEveryStepAndKeepsTheNight) {
    auto s = sleeper_with_profiles();
    const auto plan = scheduled_plan(s);
    const WallTime earlier = plan.bedtime - 90min;
    const auto moved = replan_at(s, plan, earlier);
    EXPECT_EQ(moved.night, plan.night);
    ASSERT_EQ(moved.steps.size(), plan.steps.size());
    for (std::size_t i = 0; i < plan.steps.size(); ++i)
        EXPECT_EQ(plan.bedtime - plan.steps[i].at, moved.bedtime - moved.steps[i].at);
}

// The loader's list of switchable steps (config/life_loader.cpp) is the catalogue's.
TEST(Profiles, StepsOffNamesTheCataloguesSwitches) {
    std::set<std::string> switches;
    for (const auto& row : kSteps)
        if (row.switched_by == row.id) switches.insert(std::string(row.id));
    EXPECT_EQ(switches, (std::set<std::string>{"hydration", "supplement", "stretch", "active_day",
                                               "prewarm"}));
}

}  // namespace
}  // namespace bedtimed::routine
