// `bedtimed simulate` against a golden transcript: the example config through
// one evening (examples/evening.scenario.yaml). When a change alters the
// timeline on purpose, regenerate the golden file with
//   build/bin/bedtimed simulate --config config/bedtimed.example.yaml
//     --scenario examples/evening.scenario.yaml > tests/golden/evening.txt
// and read the diff.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "loader.hpp"
#include "simulate.hpp"

namespace bedtimed {
namespace {

const std::string kRoot = BEDTIMED_SOURCE_DIR;

std::string read(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

TEST(Simulate, TheExampleEveningMatchesItsGoldenTranscript) {
    const auto r = run_simulation(kRoot + "/config/bedtimed.example.yaml",
                                  kRoot + "/examples/evening.scenario.yaml");
    EXPECT_EQ(format_timeline(r, false), read(kRoot + "/tests/golden/evening.txt"));
}

TEST(Simulate, JsonOutputHasOneObjectPerEntry) {
    const auto r = run_simulation(kRoot + "/config/bedtimed.example.yaml",
                                  kRoot + "/examples/evening.scenario.yaml");
    const auto j = nlohmann::json::parse(format_timeline(r, true));
    ASSERT_TRUE(j.is_array());
    ASSERT_EQ(j.size(), r.timeline.size());
    EXPECT_EQ(j[0]["t"], "2026-11-26T17:00:00Z");
    EXPECT_EQ(j[0]["local"], "2026-11-26 18:00 CET");
    EXPECT_TRUE(j[0].contains("who") && j[0].contains("what"));
}

// Six weeks in which cramps rise and fall (examples/six-weeks.scenario.yaml):
// the adaptive tier's changes, with their reasons, are golden. Regenerate with
//   build/bin/bedtimed simulate --config config/bedtimed.example.yaml
//     --scenario examples/six-weeks.scenario.yaml | grep '  tier ' >
//     tests/golden/six-weeks-tiers.txt
TEST(Simulate, SixWeeksOfRisingThenFallingCrampsChangeTheTierAsTheGoldenSays) {
    const auto r = run_simulation(kRoot + "/config/bedtimed.example.yaml",
                                  kRoot + "/examples/six-weeks.scenario.yaml");
    std::string tiers;
    for (const auto& line : [&] {
             std::vector<std::string> lines;
             std::istringstream in(format_timeline(r, false));
             for (std::string l; std::getline(in, l);) lines.push_back(l);
             return lines;
         }())
        if (line.find("  tier ") != std::string::npos) tiers += line + "\n";
    EXPECT_EQ(tiers, read(kRoot + "/tests/golden/six-weeks-tiers.txt"));
    // And the evening really changed: the frequent tier's extra stretch reminder was sent.
    bool extra = false;
    for (const auto& e : r.timeline)
        extra = extra || e.what.find("\"step\":\"extra_stretch\"") != std::string::npos;
    EXPECT_TRUE(extra);
}

TEST(Simulate, AMonthOfNightsRunsEveryNight) {
    const auto r = run_simulation(kRoot + "/config/bedtimed.example.yaml",
                                  kRoot + "/examples/month.scenario.yaml");
    ASSERT_FALSE(r.timeline.empty());
    EXPECT_NE(r.timeline.back().what.find("30 episodes"), std::string::npos)
        << r.timeline.back().what;
    int nights = 0;
    for (const auto& e : r.timeline)
        if (e.what.rfind("night of ", 0) == 0) ++nights;
    EXPECT_EQ(nights, 30);
}

TEST(Simulate, ABadScenarioIsReportedWithItsLocation) {
    const std::string path = ::testing::TempDir() + "bad.scenario.yaml";
    std::ofstream(path) << "start: \"2026-11-26T18:00:00+01:00\"\nevents:\n  - after: 1h\n    "
                           "sensor: nope\n    value: 1\n";
    try {
        run_simulation(kRoot + "/config/bedtimed.example.yaml", path);
        FAIL() << "accepted an undefined sensor";
    } catch (const config::ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find(path + ":4:13: undefined sensor 'nope'"),
                  std::string::npos)
            << e.what();
    }
}

}  // namespace
}  // namespace bedtimed

namespace bedtimed {
namespace {

// `simulate` runs the same reminder desk as the daemon: a reminder inside
// quiet hours is held until they end, not shown as delivered.
TEST(Simulate, QuietHoursHoldAReminderAsTheDaemonDoes) {
    std::string cfg = read(kRoot + "/config/bedtimed.example.yaml");
    const std::string off = "    # quiet_hours: {from: bedtime, to: \"07:00\", mode: hold}";
    const auto at = cfg.find(off);
    ASSERT_NE(at, std::string::npos);
    cfg.replace(at, off.size(), "    quiet_hours: {from: \"22:00\", to: \"07:00\", mode: hold}");
    const std::string path = std::filesystem::temp_directory_path() / "bt-sim-quiet.yaml";
    std::ofstream(path) << cfg;
    const auto r = run_simulation(path, kRoot + "/examples/evening.scenario.yaml");
    const std::string text = format_timeline(r, false);
    std::filesystem::remove(path);
    // The 22:10 stretch reminder: held, then sent when quiet hours end.
    EXPECT_NE(
        text.find("22:10 CET  alex      quiet hours until 2026-11-27 07:00 CET: 'stretch' held"),
        std::string::npos)
        << text;
    EXPECT_EQ(
        text.find(
            "22:10 CET  mqtt      bedtimed/notify/alex {\"sleeper\":\"alex\",\"step\":\"stretch\""),
        std::string::npos)
        << "not delivered at 22:10";
    EXPECT_NE(
        text.find(
            "07:00 CET  mqtt      bedtimed/notify/alex {\"sleeper\":\"alex\",\"step\":\"stretch\""),
        std::string::npos)
        << text;
    // Before 22:00 nothing changes: the 21:00 hydration reminder goes out at once.
    EXPECT_NE(text.find("21:00 CET  mqtt      bedtimed/notify/alex "
                        "{\"sleeper\":\"alex\",\"step\":\"hydration\""),
              std::string::npos);
}

}  // namespace
}  // namespace bedtimed

namespace bedtimed {
namespace {

// `simulate` runs the daemon's command dispatcher: a scenario's Snooze (as a
// reminder's button sends it, on <base>/cmd/snooze) puts the 22:10 stretch
// reminder off by the sleeper's snooze_minutes (10), and the desk sends it
// again at 22:22, as the daemon does.
TEST(Simulate, ASnoozeCommandInAScenarioSendsTheReminderAgainLater) {
    const std::string path = std::filesystem::temp_directory_path() / "bt-sim-snooze.scenario.yaml";
    std::ofstream(path) << read(kRoot + "/examples/evening.scenario.yaml")
                        << "  - after: 4h12m\n"
                           "    command: snooze\n"
                           "    payload: '{\"sleeper\":\"alex\",\"step\":\"stretch\"}'\n";
    const auto snoozed =
        format_timeline(run_simulation(kRoot + "/config/bedtimed.example.yaml", path), false);
    const auto plain = format_timeline(run_simulation(kRoot + "/config/bedtimed.example.yaml",
                                                      kRoot + "/examples/evening.scenario.yaml"),
                                       false);
    std::filesystem::remove(path);
    const std::string stretch =
        "  mqtt      bedtimed/notify/alex {\"sleeper\":\"alex\",\"step\":\"stretch\"";
    EXPECT_NE(snoozed.find("22:10 CET" + stretch), std::string::npos) << snoozed;
    EXPECT_NE(snoozed.find("22:22 CET" + stretch), std::string::npos) << snoozed;
    EXPECT_EQ(plain.find("22:22 CET" + stretch), std::string::npos) << "only after the Snooze";
}

// A command event names a verb of the command topic; a typo is the scenario's error.
TEST(Simulate, AnUnknownCommandIsReportedWithItsLocation) {
    const std::string path = ::testing::TempDir() + "bad-command.scenario.yaml";
    std::ofstream(path)
        << "start: \"2026-11-26T18:00:00+01:00\"\nevents:\n  - after: 1h\n    command: snoze\n";
    try {
        run_simulation(kRoot + "/config/bedtimed.example.yaml", path);
        FAIL() << "accepted an unknown command";
    } catch (const config::ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find(path + ":4:14: unknown command 'snoze'"),
                  std::string::npos)
            << e.what();
    }
}

}  // namespace
}  // namespace bedtimed
