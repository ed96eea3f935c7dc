// `bedtimed simulate` drives the nights that follow life (docs/life.md):
// examples/life.scenario.yaml on examples/life.yaml moves a bedtime with the
// alarm, chooses a guest profile by command, reports a wall switch and goes
// away; the timeline explains each.
#include <gtest/gtest.h>

#include <algorithm>

#include "simulate.hpp"

namespace bedtimed {
namespace {

const std::string kRoot = BEDTIMED_SOURCE_DIR;

TEST(LifeSimulate, TheScenarioDrivesProfilesPresenceAlarmsAndHandOffs) {
    const auto r =
        run_simulation(kRoot + "/examples/life.yaml", kRoot + "/examples/life.scenario.yaml");
    const std::string text = format_timeline(r, false);
    auto has = [&](const std::string& line) { return text.find(line) != std::string::npos; };
    EXPECT_TRUE(has("20:00 CET  alex      re-planned: bedtime 21:30 from 'alex_alarm'")) << text;
    EXPECT_TRUE(has("21:10 CET  alex      stretch reminder, T-20 before bedtime 21:30"));
    EXPECT_TRUE(has("profile guest chosen until 2026-11-28 12:00 CET"));
    EXPECT_TRUE(has("alex_pad switched on by other means: left alone"));
    EXPECT_TRUE(has("OFF (its 30 min cap is reached)")) << "a hand-switched pad is still capped";
    EXPECT_TRUE(has("away (presence sensor 'alex_home' says away)"));
    EXPECT_TRUE(has("profile guest over"));
    // Friday night under the guest profile: no heat from bedtimed at all.
    const auto friday =
        text.substr(text.find("profile guest chosen"),
                    text.find("2026-11-28 10:00") - text.find("profile guest chosen"));
    EXPECT_EQ(friday.find("ON for"), std::string::npos) << friday;
    // Saturday, away from 10:00: no reminder and no heat until the end.
    const auto saturday = text.substr(text.find("2026-11-28 10:00"));
    EXPECT_EQ(saturday.find("reminder,"), std::string::npos) << saturday;
    EXPECT_EQ(saturday.find("ON for"), std::string::npos) << saturday;
}

}  // namespace
}  // namespace bedtimed
