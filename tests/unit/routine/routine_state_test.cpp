// routine.json holds three entries per sleeper and a save rebuilds only the
// entries of the sleepers changed since the last one; a reading goes only to
// the sleepers whose evening reads that sensor. Both are shortcuts for a
// house of 500 (bench/house.py): these tests hold them to what the long way
// did, on a real state directory and the manual clock.
#include <gtest/gtest.h>

#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "household_fixture.hpp"

namespace bedtimed::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

const char* kSensorsAndPads = R"(
sensors:
  - {name: stage_sam, topic: s/stage_sam, type: enum, options: [awake, light, deep, rem], stale_after: 20m}
  - {name: stage_kim, topic: s/stage_kim, type: enum, options: [awake, light, deep, rem], stale_after: 20m}
  - {name: band_sam, topic: s/band_sam, type: enum, options: [awake, light, deep, rem], stale_after: 20m}
actuators:
  - {name: pad_sam, kind: heating_pad, integration: zigbee2mqtt, device: pad_sam, max_on: 30m}
  - {name: pad_kim, kind: heating_pad, integration: zigbee2mqtt, device: pad_kim, max_on: 30m}
sleepers:
)";

const char* kSam = R"(
  - name: sam
    timezone: Europe/Berlin
    bedtime: "22:30"
    sleep_sensor: stage_sam
    asleep_values: [light, deep, rem]
    heating_pad: pad_sam
)";

const char* kKim = R"(
  - name: kim
    timezone: Europe/Berlin
    bedtime: "23:00"
    sleep_sensor: stage_kim
    asleep_values: [light, deep, rem]
    heating_pad: pad_kim
)";

const WallTime kEvening = *parse_iso8601("2026-11-26T18:00:00+01:00");

std::string fresh_dir(const std::string& name) {
    const std::string dir =
        ::testing::TempDir() + "bt-state-" + name + "-" + std::to_string(::getpid());
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir;
}

json routine_json(const std::string& dir) {
    std::ifstream in(dir + "/routine.json");
    return json::parse(in, nullptr, /*allow_exceptions=*/false);
}

bool pad_is_on(Household& h, const std::string& pad) { return h.actuators->pad_on(pad); }

TEST(RoutineState, ASaveAfterOneSleepersChangeKeepsEveryOtherSleepersEntries) {
    const std::string dir = fresh_dir("keep");
    const std::string both = std::string(kSensorsAndPads) + kSam + kKim;
    {
        Household h(both, kEvening, dir);
        ASSERT_EQ(h.runner->set_bedtime("kim", 23 * 60 + 15), "");
        h.advance(10s);  // past the save window: kim's change is on disk
        ASSERT_EQ(h.runner->set_step_enabled("sam", "stretch", false), "");
        h.advance(10s);  // this save rebuilds only sam's entries
        const json doc = routine_json(dir);
        ASSERT_TRUE(doc.is_object());
        for (const char* section : {"sleepers", "controls", "life"}) {
            EXPECT_TRUE(doc[section].contains("sam")) << section;
            EXPECT_TRUE(doc[section].contains("kim")) << section;
        }
        EXPECT_EQ(doc["controls"]["kim"]["bedtime"], 23 * 60 + 15);
        EXPECT_EQ(doc["controls"]["sam"]["disabled_steps"], json::array({"stretch"}));
        EXPECT_TRUE(doc["controls"]["sam"]["bedtime"].is_null());
    }
    {
        Household h(both, kEvening + 1min, dir);
        EXPECT_EQ(h.runner->plan_json("kim")["bedtime_local"], "23:15");
        EXPECT_EQ(h.runner->plan_json("sam")["steps_enabled"]["stretch"], false)
            << h.runner->plan_json("sam").dump();
    }
    std::filesystem::remove_all(dir);
}

TEST(RoutineState, TheFirstSaveAfterAStartDropsASleeperNoLongerConfigured) {
    const std::string dir = fresh_dir("drop");
    {
        Household h(std::string(kSensorsAndPads) + kSam + kKim, kEvening, dir);
        ASSERT_EQ(h.runner->set_bedtime("kim", 23 * 60 + 15), "");
        h.advance(10s);
        ASSERT_TRUE(routine_json(dir)["controls"].contains("kim"));
    }
    {
        Household h(std::string(kSensorsAndPads) + kSam, kEvening + 1min, dir);
        ASSERT_EQ(h.runner->set_step_enabled("sam", "stretch", false), "");
        h.advance(10s);
        const json doc = routine_json(dir);
        for (const char* section : {"sleepers", "controls", "life"}) {
            EXPECT_TRUE(doc[section].contains("sam")) << section;
            EXPECT_FALSE(doc[section].contains("kim")) << section;
        }
        // Later saves, which rebuild only what changed, keep sam.
        ASSERT_EQ(h.runner->set_step_enabled("sam", "stretch", true), "");
        h.advance(10s);
        EXPECT_EQ(routine_json(dir)["controls"]["sam"]["disabled_steps"], json::array());
    }
    std::filesystem::remove_all(dir);
}

TEST(RoutineState, AReadingReachesOnlyTheSleepersWhoseEveningReadsIt) {
    Household h(std::string(kSensorsAndPads) + kSam + kKim, kEvening);
    ASSERT_GT(h.actuators->heat_on("pad_sam", 20min, "test").count(), 0);
    ASSERT_GT(h.actuators->heat_on("pad_kim", 20min, "test").count(), 0);
    h.bus.inject("s/stage_kim", "deep");
    h.run_posted();
    EXPECT_FALSE(pad_is_on(h, "pad_kim")) << "kim is asleep: her pad goes off";
    EXPECT_TRUE(pad_is_on(h, "pad_sam")) << "kim's sensor says nothing about sam";
    h.bus.inject("s/band_sam", "deep");  // a sensor no evening reads
    h.run_posted();
    EXPECT_TRUE(pad_is_on(h, "pad_sam"));
    h.bus.inject("s/stage_sam", "deep");
    h.run_posted();
    EXPECT_FALSE(pad_is_on(h, "pad_sam"));
}

// The evening a sleeper runs may read other sensors than the config's (an
// adapted evening, a profile): the reading index follows it.
TEST(RoutineState, AnEveningThatReadsAnotherSensorIsListenedToAtOnce) {
    Household h(std::string(kSensorsAndPads) + kSam + kKim, kEvening);
    config::SleeperSpec evening = h.cfg->sleepers.at(0);
    evening.sleep_sensor = "band_sam";
    evening.revision = 1;
    h.runner->set_evening_source([&](const std::string& who, WallTime) -> const config::SleeperSpec& {
        return who == "sam" ? evening : h.cfg->sleepers.at(1);
    });
    h.runner->reevaluate();
    ASSERT_GT(h.actuators->heat_on("pad_sam", 20min, "test").count(), 0);
    h.bus.inject("s/stage_sam", "deep");
    h.run_posted();
    EXPECT_TRUE(pad_is_on(h, "pad_sam")) << "tonight sam's sleep comes from the band";
    h.bus.inject("s/band_sam", "deep");
    h.run_posted();
    EXPECT_FALSE(pad_is_on(h, "pad_sam"));
}

// The property behind both shortcuts, on random sequences: whatever the
// controls, profiles, readings and hours do to three sleepers, a restart
// (a new process on the same state directory, at the same instant) shows
// every sleeper as the old process last did, once the broker has handed it
// the retained readings. A change that a save forgot
// to carry would show here as a sleeper who lost it.
const char* kThree = R"(
sensors:
  - {name: bed_a, topic: s/bed_a, type: bool}
  - {name: stage_a, topic: s/stage_a, type: enum, options: [awake, light, deep, rem]}
  - {name: stage_b, topic: s/stage_b, type: enum, options: [awake, light, deep, rem]}
  - {name: home_c, topic: s/home_c, type: enum, options: [home, not_home]}
actuators:
  - {name: pad_a, kind: heating_pad, integration: zigbee2mqtt, device: pad_a, max_on: 30m}
  - {name: pad_b, kind: heating_pad, integration: zigbee2mqtt, device: pad_b, max_on: 30m}
sleepers:
  - name: ada
    timezone: Europe/Berlin
    bedtime: "22:30"
    occupancy_sensor: bed_a
    sleep_sensor: stage_a
    asleep_values: [light, deep, rem]
    heating_pad: pad_a
    routine:
      prewarm: {minutes: 20}
      stretch: {at: -20m}
    profiles:
      guest: {heat: false}
      late: {bedtime_shift: +1h}
  - name: bo
    timezone: Europe/Berlin
    bedtime: "23:00"
    sleep_sensor: stage_b
    asleep_values: [light, deep, rem]
    heating_pad: pad_b
    routine:
      prewarm: {minutes: 15}
    profiles:
      guest: {heat: false}
  - name: cy
    timezone: America/New_York
    bedtime: "21:45"
    away: {presence_sensor: home_c}
    profiles:
      travel: {reminders: false}
)";

// What a sleeper looks like from outside, less what a restart rightly
// forgets: whether the pad is on (plugs are off at start).
json seen(Household& h, const std::string& sleeper) {
    json plan = h.runner->plan_json(sleeper);
    plan.erase("heat_on");
    return plan;
}

TEST(RoutineStateProperty, ARestartAtAnyMomentShowsEverySleeperAsBefore) {
    const std::vector<std::string> names{"ada", "bo", "cy"};
    const std::vector<std::string> steps{"hydration", "stretch", "prewarm"};
    for (std::uint32_t seed = 1; seed <= 12; ++seed) {
        const std::string dir = fresh_dir("property-" + std::to_string(seed));
        std::mt19937 rng(seed);
        auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };
        std::vector<std::string> trace;
        WallTime now = kEvening;
        auto h = std::make_unique<Household>(kThree, now, dir);
        std::map<std::string, std::string> retained;  // topic -> the last reading
        auto inject = [&](const std::string& topic, const std::string& payload) {
            h->bus.inject(topic, payload);
            retained[topic] = payload;
        };
        for (int action = 0; action < 150; ++action) {
            const std::string& who = names[pick(3)];
            switch (pick(9)) {
            case 0: {
                const int minutes = pick(3) == 0 ? -1 : (20 * 60 + pick(5 * 60)) % (24 * 60);
                h->runner->set_bedtime(who, minutes < 0 ? std::nullopt : std::optional(minutes));
                trace.push_back("bedtime " + who + " " + std::to_string(minutes));
                break;
            }
            case 1: {
                const bool on = pick(2);
                h->runner->set_step_enabled(who, steps[pick(3)], on);
                trace.push_back("step " + who + (on ? " on" : " off"));
                break;
            }
            case 2: {
                const bool on = pick(3) != 0;
                h->runner->set_routine_enabled(who, on);
                trace.push_back("routine " + who + (on ? " on" : " off"));
                break;
            }
            case 3: {
                const char* profile = who == "cy" ? (pick(2) ? "travel" : "normal")
                                                  : (pick(3) == 0 ? "late" : pick(2) ? "guest" : "normal");
                h->runner->set_profile(who, profile, "");
                trace.push_back("profile " + who + " " + profile);
                break;
            }
            case 4: {
                static const char* kStages[] = {"awake", "light", "deep", "rem"};
                const char* stage = kStages[pick(4)];
                inject(pick(2) ? "s/stage_a" : "s/stage_b", stage);
                trace.push_back(std::string("stage ") + stage);
                break;
            }
            case 5:
                inject("s/bed_a", pick(2) ? "true" : "false");
                trace.push_back("bed_a");
                break;
            case 6:
                inject("s/home_c", pick(2) ? "home" : "not_home");
                trace.push_back("home_c");
                break;
            case 7: {
                const auto step = std::chrono::minutes(1 + pick(120));
                h->advance(step);
                now += step;
                trace.push_back("advance " + std::to_string(step.count()) + "m");
                break;
            }
            default: {
                h->run_posted();
                std::map<std::string, json> before;
                for (const auto& n : names) before[n] = seen(*h, n);
                const auto said = h->timeline;
                h.reset();  // the old process saves what is pending as it goes
                h = std::make_unique<Household>(kThree, now, dir);
                for (const auto& [topic, payload] : retained) h->bus.inject(topic, payload);
                h->run_posted();
                trace.push_back("restart at " + format_iso8601(now));
                for (const auto& n : names) {
                    const json after = seen(*h, n);
                    if (after == before[n]) continue;
                    std::string actions;
                    for (const auto& t : trace) actions += "  " + t + "\n";
                    for (std::size_t i = said.size() > 12 ? said.size() - 12 : 0; i < said.size(); ++i)
                        actions += "  said: " + said[i] + "\n";
                    FAIL() << "seed " << seed << ": " << n << " before the restart\n"
                           << before[n].dump() << "\nafter\n"
                           << after.dump() << "\nactions:\n"
                           << actions;
                }
            }
            }
        }
        h.reset();
        std::filesystem::remove_all(dir);
    }
}

}  // namespace
}  // namespace bedtimed::test
