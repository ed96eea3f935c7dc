// Experiments over simulated nights, through the daemon's household on the
// manual clock (tests/support/household_fixture.hpp): the routine's runs are
// what tells a night "ran as assigned" (experiment.hpp, step_ran_as). The
// elevation leaves a run when the bed is raised on getting into bed, so a
// "with" night on which the bed stayed flat is left out; the stretch
// reminder's "with" nights count from its sent reminders, and a night it was
// switched off by hand is left out. The morning check-in gives the counts.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cramp_log.hpp"
#include "experiment.hpp"
#include "household_fixture.hpp"
#include "night.hpp"

namespace bedtimed::test {
namespace {

using namespace std::chrono_literals;
using namespace date;
using nlohmann::json;

const char* kHousehold = R"(
sensors:
  - {name: in_bed, topic: s/bed, type: bool, stale_after: 12h}
actuators:
  - {name: bed, kind: bed, integration: esphome, node: bed, object_id: legs, min_move_interval: 1m,
     presets: {flat: 0, legs_raised: 15}}
notifiers:
  - {name: phone, type: mqtt, topic: "notify/{sleeper}"}
sleepers:
  - name: sam
    timezone: UTC
    bedtime: "22:30"
    occupancy_sensor: in_bed
    bed: bed
    notify: [phone]
    routine:
      stretch: {at: -20m}
)";

// Thursday 2026-11-26 18:00 UTC; the experiment's first night is the 27th.
const WallTime kEvening = *parse_iso8601("2026-11-26T18:00:00Z");
constexpr local_days kFirstNight{2026_y / November / 27};
constexpr std::uint64_t kSeed = 7;
constexpr int kNights = 8;  // 1 week, rounded up to whole pairs

cramplog::Arm arm_of(const std::string& step, int night) {
    const cramplog::ExperimentDesign d{"sam", step, kFirstNight, kNights, kSeed};
    return *cramplog::assigned_arm(d, kFirstNight + days(night));
}

// The first "with" night among the first `n`.
int first_with(const std::string& step, int n) {
    for (int i = 0; i < n; ++i)
        if (arm_of(step, i) == cramplog::Arm::with_step) return i;
    return -1;
}

class ExperimentNights : public ::testing::Test {
protected:
    Household h{kHousehold, kEvening};

    void command(const std::string& verb, const json& body) {
        h.bus.inject("bedtimed/cmd/" + verb, body.dump());
        h.run_posted();
    }
    void start(const std::string& step) {
        h.bus.inject("s/bed", "OFF");  // the first reading is a state, not a movement
        command("experiment", {{"sleeper", "sam"},
                               {"action", "start"},
                               {"step", step},
                               {"weeks", 1},
                               {"seed", kSeed}});
        ASSERT_TRUE(h.said("experiment on " + step + " started: 8 nights from 2026-11-27"))
            << h.timeline.back();
        h.advance(24h);  // to the first night's evening, the 27th at 18:00
    }
    // Night `i` from 18:00: to bed at 22:20 (or 03:30, outside the evening
    // window: the bed stays flat), up at 07:00, the check-in's answer at
    // 07:10 (no cramps with the step, one without), on to 18:00.
    void night(const std::string& step, int i, bool late_to_bed = false) {
        h.advance(4h + 20min);
        if (late_to_bed) h.advance(5h + 10min);
        h.bus.inject("s/bed", "ON");
        h.advance(late_to_bed ? 3h + 30min : 8h + 40min);
        h.bus.inject("s/bed", "OFF");
        h.advance(10min);
        command("checkin",
                {{"sleeper", "sam"},
                 {"answer", arm_of(step, i) == cramplog::Arm::with_step ? "none" : "one"},
                 {"channel", "ctl"}});
        h.advance(10h + 50min);
    }
    json experiment() { return h.house->cramp_log().experiment_json("sam"); }
};

TEST_F(ExperimentNights, TheElevationCountsTheNightsTheBedWasRaised) {
    start("elevation");
    // 7 nights, so that the experiment still runs when it is read (the 8th
    // is not over before the next noon).
    const int flat = first_with("elevation", 7);
    ASSERT_GE(flat, 0);
    int with = 0, without = 0;
    for (int i = 0; i < 7; ++i) {
        const bool with_step = arm_of("elevation", i) == cramplog::Arm::with_step;
        // Tonight's evening follows the arm: the elevation only on "with" nights.
        EXPECT_EQ(h.house->cramp_log().evening("sam", h.clock.wall_now() + 4h).elevation.enabled,
                  with_step)
            << "night " << i;
        night("elevation", i, i == flat);
        (with_step ? with : without) += 1;
    }
    h.advance(1h);  // 13:00 after the 7th night: it is over
    const json x = experiment();
    ASSERT_TRUE(x.is_object());
    EXPECT_EQ(x["nights_done"], 7);
    // The flat "with" night is left out: the bed was not raised as assigned.
    EXPECT_EQ(x["with"]["nights"], with - 1) << x.dump();
    EXPECT_EQ(x["without"]["nights"], without) << "no run on a night without it";
    ASSERT_EQ(x["excluded"].size(), 1u) << x.dump();
    const std::string flat_night = cramplog::night_text(kFirstNight + days(flat));
    EXPECT_EQ(x["excluded"][0], flat_night +
                                    ": the step did not run (switched off, away, pad "
                                    "unavailable or no routine)");
    EXPECT_EQ(x["with"]["cramps"], 0);
    EXPECT_EQ(x["without"]["cramps"], without);
    EXPECT_TRUE(h.said("into bed outside the evening window: bed stays"));
}

TEST_F(ExperimentNights, TheStretchReminderCountsTheNightsItWasSent) {
    start("stretch");
    const int off = first_with("stretch", 7);
    ASSERT_GE(off, 0);
    int with = 0, without = 0;
    for (int i = 0; i < 7; ++i) {
        const bool with_step = arm_of("stretch", i) == cramplog::Arm::with_step;
        // Switched off by hand for one "with" night: not as assigned.
        if (i == off)
            command("step", {{"sleeper", "sam"}, {"step", "stretch"}, {"enabled", false}});
        night("stretch", i);
        if (i == off) command("step", {{"sleeper", "sam"}, {"step", "stretch"}, {"enabled", true}});
        (with_step ? with : without) += 1;
    }
    h.advance(1h);
    const json x = experiment();
    ASSERT_TRUE(x.is_object());
    EXPECT_EQ(x["with"]["nights"], with - 1) << x.dump();
    EXPECT_EQ(x["without"]["nights"], without) << x.dump();
    ASSERT_EQ(x["excluded"].size(), 1u) << x.dump();
    EXPECT_EQ(x["excluded"][0].get<std::string>().substr(0, 10),
              cramplog::night_text(kFirstNight + days(off)));
    EXPECT_EQ(x["with"]["cramps"], 0);
    EXPECT_EQ(x["without"]["cramps"], without);
}

}  // namespace
}  // namespace bedtimed::test
