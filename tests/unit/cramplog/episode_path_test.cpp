// One episode, one reading: the intake reads an episode once on the bus's
// receive thread (parse, clock, sleeper); the loop acts on that reading and
// does not parse it again. Real SQLite file, ManualClock, RecordingBus.
#include <gtest/gtest.h>

#include <filesystem>
#include <optional>

#include "cramp_log.hpp"
#include "engine.hpp"
#include "episode_intake.hpp"
#include "household_fixture.hpp"
#include "loader.hpp"
#include "manual_clock.hpp"
#include "recording_bus.hpp"

namespace bedtimed {
namespace {

const char* kConfig = R"(
wearables:
  - {name: band, topic: w/episode, qos: 1, fields: {id: id, duration: duration_s}}
sleepers:
  - {name: sam, bedtime: "22:30", timezone: UTC, wearable: band}
)";

class EpisodePathTest : public ::testing::Test {
protected:
    std::string dir = ::testing::TempDir() + "bt-path-" +
                      ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::string db = dir + "/bedtimed.db";
    std::shared_ptr<const config::Config> cfg =
        std::make_shared<const config::Config>(config::parse_config(kConfig, "test.yaml"));
    ManualClock clock{*parse_iso8601("2026-11-26T22:40:00Z")};
    RecordingBus bus;
    Counters counters;

    void SetUp() override {
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
    }
    void TearDown() override { std::filesystem::remove_all(dir); }
};

// An episode without `start` is stamped once, by the intake; the start on
// disk is the start the cramp log keeps, even though the loop gets to the
// message seconds later (the old path parsed it again with the loop's clock).
TEST_F(EpisodePathTest, AnEpisodeWithoutStartHasOneStartOnDiskAndInMemory) {
    EpisodeIntake intake(db, *cfg, clock);
    Engine engine(clock, bus, counters, cfg);
    CrampLog log(clock, counters, cfg, CrampLog::Options{db, true, {}, {}});
    std::optional<Episode> seen;
    std::string seen_sleeper;
    engine.on_episode([&](const Episode& e, const std::string& sleeper) {
        seen = e;
        seen_sleeper = sleeper;
        log.on_episode(e, sleeper);
    });
    engine.start();
    log.start();

    // What PahoBus does on its receive thread: read, post, commit.
    Message msg{"w/episode", R"({"id":"no-start","duration_s":20})", 1, false};
    msg.reading = intake.read(msg);
    ASSERT_TRUE(msg.reading);
    const WallTime read_at = clock.wall_now();
    intake.commit(*msg.reading, msg.qos);
    clock.advance(std::chrono::seconds(3));  // the loop's turn comes later
    bus.inject(msg);

    ASSERT_TRUE(seen) << "the engine accepted the intake's reading";
    EXPECT_EQ(seen_sleeper, "sam") << "routed once, by the reading";
    EXPECT_EQ(seen->start, read_at);
    EXPECT_EQ(seen->received, read_at);
    EpisodeStore reader(db, EpisodeStore::Mode::read_only);
    const auto row = reader.find("band", "no-start");
    ASSERT_TRUE(row);
    EXPECT_EQ(row->sleeper, "sam");
    EXPECT_EQ(row->start, seen->start) << "one start on disk and in memory";
    EXPECT_EQ(log.last_episode("sam"), row->start) << "the cramp log keeps the stored start";
    EXPECT_EQ(counters.episodes_accepted, 1u);
}

// A rejection is read once too: the loop counts the intake's verdict
// without parsing the payload again, and nothing is stored.
TEST_F(EpisodePathTest, TheLoopCountsTheIntakesRejection) {
    EpisodeIntake intake(db, *cfg, clock);
    Engine engine(clock, bus, counters, cfg);
    int accepted = 0;
    engine.on_episode([&](const Episode&, const std::string&) { ++accepted; });
    engine.start();
    Message msg{"w/episode", R"({"id":"bad","duration_s":"x"})", 1, false};
    msg.reading = intake.read(msg);
    ASSERT_TRUE(msg.reading);
    intake.commit(*msg.reading, msg.qos);
    bus.inject(msg);
    EXPECT_EQ(accepted, 0);
    EXPECT_EQ(counters.episodes_rejected, 1u);
    EXPECT_EQ(intake.committed(), 0u);
    EXPECT_FALSE(intake.read(Message{"other/topic", "{}", 1, false})) << "not the intake's topic";
}

// Without an intake (simulate, the tests' household) the engine reads the
// message itself, once, and routes it to the sleeper who wears the band.
TEST_F(EpisodePathTest, WithoutAnIntakeTheEngineReadsTheEpisodeAndRoutesIt) {
    test::Household h(kConfig, clock.wall_now());
    std::string routed;
    h.engine->on_episode([&](const Episode& e, const std::string& sleeper) {
        routed = sleeper;
        h.runner->on_episode(e, sleeper);
    });
    h.bus.inject("w/episode", R"({"id":"e1","duration_s":20})");
    EXPECT_EQ(routed, "sam");
    EXPECT_EQ(h.counters.episodes_accepted, 1u);
    EXPECT_TRUE(h.said("episode e1")) << "the routine decided on it";
}

}  // namespace
}  // namespace bedtimed
