// The step catalogue (daemon/routine/steps.hpp) is the only list of steps,
// read by its consumers: its config accessors reach the sleeper's config, a
// full evening plans every row once, HA discovery offers a switch for every
// switchable row and the digest names steps by their labels. The rows
// themselves: routine_catalogue_test.cpp (bedtimed_routine_pure alone).
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "adaptation.hpp"
#include "ha_discovery/ha_discovery.hpp"
#include "loader.hpp"
#include "notices.hpp"
#include "routine.hpp"
#include "steps.hpp"

namespace bedtimed::routine {
namespace {

// A sleeper with every step of the catalogue on.
std::string full_evening(const std::string& routine_extra = "") {
    return R"(
mqtt: {client_id: bedtimed, base_topic: bedtimed}
sensors:
  - {name: room, topic: s/room, type: number, stale_after: 30m}
  - {name: steps, topic: s/steps, type: number}
  - {name: in_bed, topic: s/bed, type: bool}
actuators:
  - {name: pad, kind: heating_pad, integration: zigbee2mqtt, device: pad, max_on: 30m}
sleepers:
  - name: alex
    timezone: Europe/Berlin
    bedtime: "22:30"
    heating_pad: pad
    occupancy_sensor: in_bed
    routine:
      supplement: {enabled: true}
      prewarm: {minutes: 15, cold_sensor: room, cold_below: 18, cold_minutes: 30}
      active_day: {sensor: steps, above: 12000}
)" + routine_extra;
}

config::SleeperSpec full_sleeper(const config::Config& cfg) {
    // The extra stretch is the adaptive "frequent" tier's.
    const auto& base = cfg.sleepers.at(0);
    return cramplog::adapted_spec(
        base, cramplog::adjustments_for(cramplog::Tier::frequent, base, std::chrono::minutes(30)));
}

std::set<std::string> planned_ids(const config::SleeperSpec& s) {
    const auto plan = plan_night(s, date::locate_zone("Europe/Berlin"),
                                 PlanNight{date::local_days(date::year(2026) / 3 / 2)});
    std::set<std::string> ids;
    if (plan)
        for (const auto& step : plan->steps) ids.insert(step.id);
    return ids;
}

TEST(StepCatalogue, AFullEveningPlansEveryRowOnce) {
    const auto cfg = config::parse_config(full_evening(), "test.yaml");
    const auto sleeper = full_sleeper(cfg);
    const auto plan = plan_night(sleeper, date::locate_zone("Europe/Berlin"),
                                 PlanNight{date::local_days(date::year(2026) / 3 / 2)});
    ASSERT_TRUE(plan);
    ASSERT_EQ(plan->steps.size(), kSteps.size());
    for (const auto& row : kSteps) {
        EXPECT_TRUE(row.configured(sleeper)) << row.id;
        const auto it = std::find_if(plan->steps.begin(), plan->steps.end(),
                                     [&](const Step& s) { return s.id == row.id; });
        ASSERT_NE(it, plan->steps.end()) << row.id;
        EXPECT_EQ(it->row, &row);
        EXPECT_EQ(it->at, plan->bedtime + *row.offset(sleeper)) << row.id;
    }
}

// The full evening with `routine: {<key>: {enabled: false, ...}}`.
std::string with_step_off(const std::string& key) {
    std::string yaml = full_evening();
    const std::string head = "      " + key + ": {";
    const auto at = yaml.find(head);
    if (at == std::string::npos) return yaml + head + "enabled: false}\n";
    const auto on = yaml.find("enabled: true", at);
    if (on != std::string::npos && on < yaml.find('\n', at)) yaml.replace(on, 13, "enabled: false");
    else yaml.insert(at + head.size(), "enabled: false, ");
    return yaml;
}

// Each row that is a key of its own under `routine:` is the step that key
// turns off, with the rows it switches: the accessors read what the loader fills.
TEST(StepCatalogue, EachRoutineKeyTurnsOffItsOwnRows) {
    std::set<std::string> keyed;
    for (const auto& row : kSteps) {
        const std::string key(row.id);
        const auto cfg = config::parse_config(with_step_off(key), "t.yaml");
        const bool unknown_key =
            std::any_of(cfg.warnings.begin(), cfg.warnings.end(), [&](const std::string& w) {
                return w.find("unknown key '" + key + "'") != std::string::npos;
            });
        if (unknown_key) continue;  // a derived row (the extra stretch, the long pre-warm)
        keyed.insert(key);
        const auto ids = planned_ids(full_sleeper(cfg));
        for (const auto& other : kSteps) {
            const bool goes_with = other.id == row.id || other.switched_by == row.id;
            // The tier's extra stretch follows the stretch.
            if (other.id == "extra_stretch" && key == "stretch") continue;
            EXPECT_EQ(ids.count(std::string(other.id)) == 0, goes_with)
                << key << " off, " << other.id;
        }
    }
    EXPECT_EQ(keyed, (std::set<std::string>{"hydration", "supplement", "stretch", "active_day",
                                            "prewarm"}));
}

TEST(StepCatalogue, HomeAssistantOffersASwitchForEverySwitchableRow) {
    auto cfg =
        config::parse_config(full_evening() + "home_assistant: {discovery: true}\n", "test.yaml");
    const auto d = integrations::ha_discovery::build(cfg, "1.0", {});
    std::string all;
    for (const auto& m : d.messages) all += m.payload;
    for (const auto& row : kSteps) {
        // The config's own evening: the extra stretch is the tier's, never switched.
        const bool own_switch = row.switched_by == row.id;
        const std::string uid = "\"bedtimed_alex_step_" + std::string(row.id) + "\"";
        EXPECT_EQ(all.find(uid) != std::string::npos, own_switch) << row.id;
    }
    const auto ids = switchable_steps(cfg.sleepers.at(0));
    EXPECT_EQ(ids, (std::vector<std::string>{"hydration", "supplement", "stretch", "active_day",
                                             "prewarm"}));
}

TEST(StepCatalogue, TheDigestShowsLabelsNeverIds) {
    for (const auto& row : kSteps) {
        std::vector<cramplog::NightRecord> nights;
        for (int i = 0; i < 14; ++i)
            nights.push_back(
                {"n" + std::to_string(i), i % 3,
                 i < 7 ? std::set<std::string>{std::string(row.id)} : std::set<std::string>{}});
        const auto text = cramplog::describe_what_helps(cramplog::what_helps(nights));
        EXPECT_NE(text.find("you did " + std::string(row.label) + ","), std::string::npos) << text;
        EXPECT_EQ(text.find("you did " + std::string(row.id)), std::string::npos) << text;
    }
    // A run of a step no row knows says nothing.
    std::vector<cramplog::NightRecord> nights{{"n1", 1, {"socks"}}, {"n2", 0, {}}};
    EXPECT_EQ(cramplog::describe_what_helps(cramplog::what_helps(nights)), "");
}

}  // namespace
}  // namespace bedtimed::routine
