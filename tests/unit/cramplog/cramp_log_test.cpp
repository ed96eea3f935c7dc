// The cramp log's executor on a real SQLite file and a manual clock: hand
// logging, notices and their 7-day limit, the tier applied to the evening,
// acknowledgements, and state that survives a restart.
#include <gtest/gtest.h>

#include <filesystem>

#include "cramp_log.hpp"
#include "loader.hpp"
#include "manual_clock.hpp"

namespace bedtimed {
namespace {

const char* kConfig = R"(
wearables:
  - {name: band, topic: w/episode, fields: {id: id, duration: duration_s}}
actuators:
  - {name: pad, kind: heating_pad, integration: zigbee2mqtt, device: pad, max_on: 30m}
sleepers:
  - name: sam
    timezone: Europe/Berlin
    bedtime: "22:30"
    wearable: band
    heating_pad: pad
)";

const WallTime kEvening = *parse_iso8601("2026-11-26T18:00:00+01:00");

class CrampLogTest : public ::testing::Test {
protected:
    std::string dir = ::testing::TempDir() + "bt-cramplog-" +
                      ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::shared_ptr<const config::Config> cfg =
        std::make_shared<const config::Config>(config::parse_config(kConfig, "test.yaml"));
    ManualClock clock{kEvening};
    Counters counters;
    std::vector<integrations::Reminder> sent;
    std::vector<std::string> said;

    void SetUp() override {
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
    }
    void TearDown() override { std::filesystem::remove_all(dir); }

    std::unique_ptr<CrampLog> open() {
        auto log = std::make_unique<CrampLog>(
            clock, counters, cfg, CrampLog::Options{dir + "/bedtimed.db", false, {}, {}});
        log->set_sender([this](const integrations::Reminder& r) { sent.push_back(r); });
        log->set_timeline([this](const std::string& who, const std::string& what) {
            said.push_back(who + ": " + what);
        });
        log->start();
        return log;
    }
    static commands::LogEpisode swollen_calf(WallTime at) {
        commands::LogEpisode c;
        c.start = at;
        c.muscle = "calf";
        c.side = "left";
        c.flags.swelling = true;
        return c;
    }
    int notices(const std::string& step = "notice") const {
        return static_cast<int>(
            std::count_if(sent.begin(), sent.end(), [&](const auto& r) { return r.step == step; }));
    }
};

TEST_F(CrampLogTest, AHandLoggedSwollenLegGetsOneUrgentNoticeAWeek) {
    auto log = open();
    const auto r = log->log(swollen_calf(clock.wall_now()));
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.reply["source"], "manual");
    ASSERT_EQ(notices(), 1);
    EXPECT_TRUE(sent.back().urgent);
    EXPECT_NE(sent.back().message.find("seek care"), std::string::npos) << sent.back().message;

    clock.advance(std::chrono::hours(24));
    ASSERT_TRUE(log->log(swollen_calf(clock.wall_now())).ok);
    EXPECT_EQ(notices(), 1) << "at most once per condition per 7 days";

    // The limit survives a restart: it is read back from the notices table.
    log.reset();
    log = open();
    ASSERT_TRUE(log->log(swollen_calf(clock.wall_now())).ok);
    EXPECT_EQ(notices(), 1);

    clock.advance(std::chrono::hours(24 * 7));
    ASSERT_TRUE(log->log(swollen_calf(clock.wall_now())).ok);
    EXPECT_EQ(notices(), 2) << "again after 7 days";
    EXPECT_EQ(counters.notices_sent, 2u);
    EpisodeStore reader(dir + "/bedtimed.db", EpisodeStore::Mode::read_only);
    EXPECT_EQ(reader.notices("sam", WallTime{}).size(), 2u) << "every notice is recorded";
    EXPECT_EQ(reader.count(), 4);
}

TEST_F(CrampLogTest, AWearableCrampLongerThanTenMinutesIsWorthDiscussing) {
    auto log = open();
    Episode e;
    e.source = "band";
    e.id_text = "long-1";
    e.start = clock.wall_now();
    e.received = e.start;
    e.duration_s = 11 * 60;
    log->on_episode(e, "sam");
    ASSERT_EQ(notices(), 1);
    EXPECT_FALSE(sent.back().urgent);
    EXPECT_NE(sent.back().message.find("worth discussing with a doctor"), std::string::npos);
    EXPECT_EQ(log->stats("sam").tonight, 1);
    EXPECT_EQ(log->last_episode("sam"), e.start);
}

TEST_F(CrampLogTest, AFalsePositiveNoLongerCountsAndDeleteRemovesIt) {
    auto log = open();
    ASSERT_TRUE(
        log->log(commands::LogEpisode{"sam", clock.wall_now(), 30, "calf", "", "", {}, {}, "x1"})
            .ok);
    EXPECT_EQ(log->stats("sam").tonight, 1);
    ASSERT_TRUE(log->mark({commands::MarkEpisode::Mark::false_positive, "manual", "x1"}).ok);
    EXPECT_EQ(log->stats("sam").tonight, 0);
    ASSERT_TRUE(log->mark({commands::MarkEpisode::Mark::remove, "manual", "x1"}).ok);
    const auto again = log->mark({commands::MarkEpisode::Mark::remove, "manual", "x1"});
    EXPECT_FALSE(again.ok);
    EXPECT_EQ(again.error, "no episode manual/x1");
    EXPECT_FALSE(
        log->log(commands::LogEpisode{"nobody", clock.wall_now(), 0, "", "", "", {}, {}, ""}).ok);
}

TEST_F(CrampLogTest, AFrequentTierChangesTonightsEveningAndTheReasonIsRecorded) {
    auto log = open();
    const auto& calm = log->evening("sam", clock.wall_now());
    EXPECT_FALSE(calm.extra_stretch.enabled);
    EXPECT_EQ(calm.stretch.offset, std::chrono::minutes(-20));
    ASSERT_TRUE(log->set_tier({"sam", "frequent"}).ok);
    const auto& frequent = log->evening("sam", clock.wall_now());
    EXPECT_TRUE(frequent.extra_stretch.enabled);
    EXPECT_EQ(frequent.stretch.offset, std::chrono::minutes(-35));
    EXPECT_EQ(frequent.prewarm.minutes, std::chrono::minutes(25));
    EXPECT_LE(frequent.prewarm.minutes, std::chrono::minutes(30)) << "never past the pad's cap";
    EpisodeStore reader(dir + "/bedtimed.db", EpisodeStore::Mode::read_only);
    ASSERT_EQ(reader.decisions(5, "sam").size(), 1u);
    EXPECT_EQ(reader.decisions(5, "sam")[0].reason, "tier set by hand to frequent");
    EXPECT_EQ(reader.tier("sam")->override_tier, "frequent");
}

TEST_F(CrampLogTest, CrampsMostNightsRaiseTheTierAfterItsMinimumAgeAndItIsKeptAcrossRestarts) {
    auto log = open();
    for (int night = 0; night < 7; ++night) {
        log->evening("sam", clock.wall_now());
        clock.advance(std::chrono::hours(9));  // 03:00
        Episode e;
        e.source = "band";
        e.id_text = "n" + std::to_string(night);
        e.start = clock.wall_now();
        e.received = e.start;
        e.duration_s = 40;
        log->on_episode(e, "sam");
        clock.advance(std::chrono::hours(15));  // 18:00 the next evening
    }
    log->evening("sam", clock.wall_now());
    EXPECT_EQ(log->tier("sam"), cramplog::Tier::frequent);
    EXPECT_EQ(counters.tier_changes, 1u);
    bool reasoned = false;
    for (const auto& s : said)
        reasoned = reasoned || s.find("tier calm → frequent") != std::string::npos;
    EXPECT_TRUE(reasoned);
    log.reset();
    log = open();
    EXPECT_EQ(log->tier("sam"), cramplog::Tier::frequent)
        << "the tier is read back, not recomputed from calm";
}

// The history read back at a start is the sleeper's: the stats and the last
// episode count it (once every stored row went to sleeper "").
TEST_F(CrampLogTest, AfterARestartTheStatsCountTheStoredEpisodes) {
    clock.advance(std::chrono::hours(24 * 2 + 10));  // 04:00 in the third night
    auto log = open();
    commands::LogEpisode c;
    c.sleeper = "sam";
    for (int night = 0; night < 3; ++night) {
        c.start = kEvening + std::chrono::hours(24 * night + 9);  // 03:00 each night
        const auto r = log->log(c);
        ASSERT_TRUE(r.ok) << r.error;
    }
    EXPECT_EQ(log->stats("sam").last_7_days, 3);
    log.reset();
    log = open();
    const auto st = log->stats("sam");
    EXPECT_EQ(st.tonight, 1);
    EXPECT_EQ(st.last_7_days, 3);
    EXPECT_TRUE(log->last_episode("sam").has_value());
}

TEST(CrampLogImmobility, FourHoursSittingStillRecordTravelAndACrampAfterItGetsTheClotNotice) {
    const std::string dir = ::testing::TempDir() + "bt-cramplog-immobility";
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    auto cfg = std::make_shared<const config::Config>(config::parse_config(R"(
sensors:
  - {name: in_car, topic: s/car, type: bool}
sleepers:
  - name: sam
    bedtime: "22:30"
    immobility: {sensor: in_car, for: 4h}
)",
                                                                           "test.yaml"));
    ManualClock clock(kEvening);
    Counters counters;
    std::vector<integrations::Reminder> sent;
    CrampLog log(clock, counters, cfg, CrampLog::Options{dir + "/bedtimed.db", false, {}, {}});
    log.set_sender([&](const integrations::Reminder& r) { sent.push_back(r); });
    log.start();
    // An hour in the car is not long immobility.
    log.on_sensor("in_car", Value{true});
    clock.advance(std::chrono::hours(1));
    log.on_sensor("in_car", Value{false});
    log.on_sensor("in_car", Value{true});
    clock.advance(std::chrono::hours(5));
    log.on_sensor("in_car", Value{false});
    {
        EpisodeStore reader(dir + "/bedtimed.db", EpisodeStore::Mode::read_only);
        ASSERT_EQ(reader.travel("sam", WallTime{}).size(), 1u) << "only the 5-hour stretch counts";
        EXPECT_EQ(reader.travel("sam", WallTime{})[0], clock.wall_now());
    }
    EXPECT_TRUE(sent.empty());
    clock.advance(std::chrono::hours(6));
    ASSERT_TRUE(
        log.log(commands::LogEpisode{"sam", clock.wall_now(), 60, "calf", "", "", {}, {}, ""}).ok);
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_TRUE(sent[0].urgent);
    EXPECT_NE(sent[0].message.find("long travel"), std::string::npos) << sent[0].message;
    std::filesystem::remove_all(dir);
}

TEST_F(CrampLogTest, OnlyAStepThatRanCanBeAcknowledged) {
    auto log = open();
    log->step_ran("sam", "2026-11-26", "stretch", clock.wall_now());
    EXPECT_TRUE(log->acknowledge("sam", "2026-11-26", "stretch").ok);
    EXPECT_FALSE(log->acknowledge("sam", "2026-11-26", "hydration").ok);
    EpisodeStore reader(dir + "/bedtimed.db", EpisodeStore::Mode::read_only);
    const auto runs = reader.routine_runs("sam", "2026-11-26");
    ASSERT_EQ(runs.size(), 1u);
    EXPECT_TRUE(runs[0].acknowledged);
}

}  // namespace
}  // namespace bedtimed
