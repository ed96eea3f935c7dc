// The SQLite episode store on real files.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <thread>

#include "episode_store.hpp"

namespace bedtimed {
namespace {

class EpisodeStoreTest : public ::testing::Test {
protected:
    std::string dir = ::testing::TempDir() + "bt-store-" +
                      ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::string path = dir + "/bedtimed.db";
    void SetUp() override {
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
    }
    void TearDown() override { std::filesystem::remove_all(dir); }

    static Episode episode(const std::string& id, double duration = 30) {
        Episode e;
        e.source = "band";
        e.id = id;
        e.id_text = id;
        e.start = WallTime(std::chrono::seconds(1'795'000'000));
        e.received = e.start + std::chrono::seconds(2);
        e.duration_s = duration;
        e.muscle = "calf";
        e.side = "left";
        e.severity = 6;
        return e;
    }
    std::string pragma(const char* name) {
        sqlite3* db = nullptr;
        sqlite3_open(path.c_str(), &db);
        sqlite3_stmt* st = nullptr;
        sqlite3_prepare_v2(db, (std::string("PRAGMA ") + name).c_str(), -1, &st, nullptr);
        std::string v;
        if (sqlite3_step(st) == SQLITE_ROW)
            v = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
        sqlite3_close(db);
        return v;
    }
};

TEST_F(EpisodeStoreTest, ARedeliveryIsANoOp) {
    EpisodeStore store(path);
    EXPECT_EQ(store.insert(episode("e1"), "sam"), EpisodeStore::Insert::added);
    EXPECT_EQ(store.insert(episode("e1", 99), "sam"), EpisodeStore::Insert::duplicate);
    EXPECT_EQ(store.insert(episode("e2"), "sam"), EpisodeStore::Insert::added);
    EXPECT_EQ(store.count(), 2);
    const auto rows = store.recent(10);
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[1].source_id, "e1");
    EXPECT_EQ(rows[1].duration_s, 30) << "the first copy stays";
    EXPECT_EQ(rows[1].status, "unconfirmed");
    EXPECT_EQ(rows[1].muscle, "calf");
    EXPECT_EQ(rows[1].severity, 6);
}

TEST_F(EpisodeStoreTest, EpisodesSurviveReopeningAndTheFileIsInWalMode) {
    {
        EpisodeStore store(path);
        store.insert(episode("e1"), "sam");
    }
    EXPECT_EQ(pragma("journal_mode"), "wal");
    EpisodeStore again(path);
    EXPECT_EQ(again.count(), 1);
    EXPECT_EQ(again.recent(1).at(0).start, episode("e1").start);
}

TEST_F(EpisodeStoreTest, AReaderCanOpenReadOnlyBesideTheWriter) {
    EpisodeStore writer(path);
    writer.insert(episode("e1"), "sam");
    EpisodeStore reader(path, EpisodeStore::Mode::read_only);
    EXPECT_EQ(reader.count(), 1);
    EXPECT_THROW(reader.insert(episode("e2"), "sam"), StoreError);
}

TEST_F(EpisodeStoreTest, AnEmptyDatabaseIsMigratedToTheCurrentSchema) {
    {
        sqlite3* db = nullptr;
        sqlite3_open(path.c_str(), &db);  // version 0: an empty file from an older start
        sqlite3_close(db);
    }
    EpisodeStore store(path);
    EXPECT_EQ(store.schema_version(), EpisodeStore::kSchemaVersion);
    EXPECT_EQ(pragma("user_version"), std::to_string(EpisodeStore::kSchemaVersion));
}

TEST_F(EpisodeStoreTest, ANewerSchemaIsRefusedNotDamaged) {
    {
        sqlite3* db = nullptr;
        sqlite3_open(path.c_str(), &db);
        sqlite3_exec(db, "PRAGMA user_version=99", nullptr, nullptr, nullptr);
        sqlite3_close(db);
    }
    try {
        EpisodeStore store(path);
        FAIL() << "opened a newer schema";
    } catch (const StoreError& e) {
        EXPECT_NE(std::string(e.what()).find("newer than this bedtimed understands"),
                  std::string::npos);
    }
    EXPECT_EQ(pragma("user_version"), "99");
}

TEST_F(EpisodeStoreTest, AVersionOneDatabaseIsMigratedKeepingItsEpisodes) {
    {
        // Schema 1 as the first release wrote it, with one episode in it.
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
        const char* v1 = R"(
            CREATE TABLE episodes (id INTEGER PRIMARY KEY, sleeper TEXT NOT NULL DEFAULT '',
              source TEXT NOT NULL, source_id TEXT NOT NULL, start_ms INTEGER NOT NULL,
              duration_s REAL NOT NULL, muscle TEXT NOT NULL DEFAULT '', side TEXT NOT NULL DEFAULT '',
              severity REAL, notes TEXT NOT NULL DEFAULT '', swelling INTEGER NOT NULL DEFAULT 0,
              redness INTEGER NOT NULL DEFAULT 0, warmth INTEGER NOT NULL DEFAULT 0,
              numbness INTEGER NOT NULL DEFAULT 0, back_pain INTEGER NOT NULL DEFAULT 0,
              status TEXT NOT NULL DEFAULT 'unconfirmed', received_ms INTEGER NOT NULL,
              UNIQUE (source, source_id));
            CREATE TABLE routine_runs (id INTEGER PRIMARY KEY, sleeper TEXT NOT NULL, night TEXT NOT NULL,
              step TEXT NOT NULL, ran_ms INTEGER NOT NULL, acknowledged INTEGER NOT NULL DEFAULT 0,
              UNIQUE (sleeper, night, step));
            CREATE TABLE adaptation_decisions (id INTEGER PRIMARY KEY, sleeper TEXT NOT NULL,
              at_ms INTEGER NOT NULL, tier TEXT NOT NULL, reason TEXT NOT NULL);
            CREATE TABLE travel (id INTEGER PRIMARY KEY, sleeper TEXT NOT NULL, ended_ms INTEGER NOT NULL);
            CREATE TABLE notices (id INTEGER PRIMARY KEY, sleeper TEXT NOT NULL, condition TEXT NOT NULL,
              at_ms INTEGER NOT NULL, text TEXT NOT NULL);
            INSERT INTO episodes (sleeper, source, source_id, start_ms, duration_s, received_ms)
              VALUES ('sam', 'band', 'old-1', 1795000000000, 42, 1795000000000);
            PRAGMA user_version=1;)";
        ASSERT_EQ(sqlite3_exec(db, v1, nullptr, nullptr, nullptr), SQLITE_OK);
        sqlite3_close(db);
    }
    EpisodeStore store(path);
    EXPECT_EQ(store.schema_version(), EpisodeStore::kSchemaVersion);
    ASSERT_TRUE(store.find("band", "old-1"));
    EXPECT_EQ(store.find("band", "old-1")->duration_s, 42);
    EXPECT_FALSE(store.tier("sam")) << "the new table starts empty";
    store.save_tier("sam", TierRecord{"moderate", 3, "2026-11-20", ""});
    EXPECT_EQ(store.tier("sam")->tier, "moderate");
}

TEST_F(EpisodeStoreTest, EpisodesCanBeEditedConfirmedAndDeleted) {
    EpisodeStore store(path);
    store.insert(episode("e1"), "sam", EpisodeFlags{}, "after a long walk");
    EXPECT_EQ(store.find("band", "e1")->notes, "after a long walk");
    EpisodeEdit edit;
    edit.duration_s = 95;
    edit.muscle = "thigh";
    edit.flags = EpisodeFlags{};
    edit.flags->swelling = true;
    ASSERT_TRUE(store.update("band", "e1", edit));
    auto row = *store.find("band", "e1");
    EXPECT_EQ(row.duration_s, 95);
    EXPECT_EQ(row.muscle, "thigh");
    EXPECT_EQ(row.side, "left") << "fields not given are kept";
    EXPECT_EQ(row.severity, 6) << "severity not given is kept";
    EXPECT_TRUE(row.flags.swelling);
    EXPECT_EQ(row.status, "unconfirmed");

    EpisodeEdit mark;
    mark.status = "false_positive";
    ASSERT_TRUE(store.update("band", "e1", mark));
    EXPECT_EQ(store.find("band", "e1")->status, "false_positive");
    mark.status = "maybe";
    EXPECT_THROW(store.update("band", "e1", mark), StoreError);
    EXPECT_FALSE(store.update("band", "nope", edit));

    EXPECT_TRUE(store.remove("band", "e1"));
    EXPECT_FALSE(store.remove("band", "e1"));
    EXPECT_EQ(store.count(), 0);
}

TEST_F(EpisodeStoreTest, RoutineRunsDecisionsNoticesAndTravelAreKept) {
    EpisodeStore store(path);
    const WallTime t0 = WallTime(std::chrono::seconds(1'795'000'000));
    store.record_step("sam", "2026-11-20", "stretch", t0);
    store.record_step("sam", "2026-11-20", "stretch",
                      t0 + std::chrono::minutes(1));  // once per night
    store.record_step("sam", "2026-11-21", "hydration", t0 + std::chrono::hours(24));
    EXPECT_TRUE(store.acknowledge("sam", "2026-11-20", "stretch"));
    EXPECT_FALSE(store.acknowledge("sam", "2026-11-20", "prewarm")) << "never ran";
    const auto runs = store.routine_runs("sam", "2026-11-20");
    ASSERT_EQ(runs.size(), 2u);
    EXPECT_TRUE(runs[0].acknowledged);
    EXPECT_EQ(runs[0].ran, t0);
    EXPECT_FALSE(runs[1].acknowledged);
    EXPECT_EQ(store.routine_runs("sam", "2026-11-21").size(), 1u);

    store.record_decision({"sam", t0, "moderate", "7-day rate 2.0/week >= 1.5 -> moderate"});
    store.record_decision({"sam", t0 + std::chrono::hours(48), "frequent", "up again"});
    store.record_decision({"alex", t0, "calm", "other sleeper"});
    const auto sam = store.decisions(10, "sam");
    ASSERT_EQ(sam.size(), 2u);
    EXPECT_EQ(sam[0].tier, "frequent") << "newest first";
    EXPECT_EQ(store.decisions(10).size(), 3u);

    store.record_notice({"sam", "long_cramp", t0, "worth discussing"});
    EXPECT_EQ(store.notices("sam", t0).size(), 1u);
    EXPECT_TRUE(store.notices("sam", t0 + std::chrono::seconds(1)).empty());
    store.record_travel("sam", t0);
    EXPECT_EQ(store.travel("sam", t0 - std::chrono::hours(1)), std::vector<WallTime>{t0});
    EXPECT_EQ(store.first_record(), t0);
}

TEST_F(EpisodeStoreTest, SinceReturnsOneSleepersEpisodesOldestFirst) {
    EpisodeStore store(path);
    auto a = episode("a"), b = episode("b"), c = episode("c");
    b.start -= std::chrono::hours(30);
    c.start -= std::chrono::hours(200);
    store.insert(a, "sam");
    store.insert(b, "sam");
    store.insert(c, "sam");
    store.insert(episode("other"), "alex");
    const auto rows = store.since(a.start - std::chrono::hours(48), "sam");
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].source_id, "b");
    EXPECT_EQ(rows[1].source_id, "a");
    EXPECT_EQ(store.since(WallTime{}).size(), 4u);
}

TEST_F(EpisodeStoreTest, AnUnwritableDirectoryIsAClearError) {
    EXPECT_THROW(EpisodeStore("/proc/bedtimed-no/bedtimed.db"), StoreError);
}

}  // namespace
}  // namespace bedtimed

#include "episode_intake.hpp"
#include "loader.hpp"
#include "manual_clock.hpp"

namespace bedtimed {
namespace {

// One wearable `band` on `topic`, worn by sam; `mqtt` is an optional mqtt: line.
config::Config intake_config(const std::string& topic, const std::string& mqtt = "") {
    return config::parse_config(mqtt + R"(
wearables:
  - {name: band, topic: )" + topic + R"(, fields: {id: id, duration: duration_s}}
sleepers:
  - {name: sam, bedtime: "22:30", wearable: band}
)",
                                "test.yaml");
}

TEST_F(EpisodeStoreTest, TheIntakeCommitsParsedEpisodesForTheirSleeper) {
    const auto cfg = intake_config("w/+/episode");
    ManualClock clock;
    EpisodeIntake intake(path, cfg, clock);
    EXPECT_TRUE(intake.wants("w/left/episode"));
    EXPECT_FALSE(intake.wants("other"));
    intake.take(Message{"w/left/episode", R"({"id":"a1","duration_s":20})", 1, false});
    intake.take(
        Message{"w/left/episode", R"({"id":"a1","duration_s":20})", 1, false});  // redelivery
    intake.take(
        Message{"w/left/episode", R"({"id":"bad","duration_s":"x"})", 1, false});  // rejected
    EXPECT_EQ(intake.committed(), 1u);
    EXPECT_EQ(intake.duplicates(), 1u);
    EXPECT_EQ(intake.failures(), 0u);
    EpisodeStore reader(path, EpisodeStore::Mode::read_only);
    const auto rows = reader.recent(5);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].sleeper, "sam");
    EXPECT_EQ(rows[0].source_id, "a1");
}

// Found by the flood test: the loop refused a valid episode padded past
// max_payload_bytes, but the intake had already stored it.
TEST_F(EpisodeStoreTest, TheIntakeStoresNoEpisodeLargerThanMaxPayloadBytes) {
    const auto cfg = intake_config("w/episode", "mqtt: {max_payload_bytes: 1024}");
    ManualClock clock;
    EpisodeIntake intake(path, cfg, clock);
    const std::string padded =
        R"({"id":"big","duration_s":20,"pad":")" + std::string(2000, 'x') + "\"}";
    intake.take(Message{"w/episode", padded, 1, false});
    intake.take(Message{"w/episode", R"({"id":"small","duration_s":20})", 1, false});
    EXPECT_EQ(intake.committed(), 1u);
    EpisodeStore reader(path, EpisodeStore::Mode::read_only);
    const auto rows = reader.recent(5);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].source_id, "small");
}

// QoS 0 has no PUBACK to hold back: the intake queues it for its writer
// thread, which commits what has queued up in one transaction.
TEST_F(EpisodeStoreTest, QosZeroEpisodesAreCommittedByTheWriterAndAllOfThemByTheDestructor) {
    const auto cfg = intake_config("w/episode");
    {
        ManualClock clock;
        EpisodeIntake intake(path, cfg, clock);
        intake.take(Message{"w/episode", R"({"id":"first","duration_s":20})", 0, false});
        // Committed without anything else happening: poll the database.
        bool stored = false;
        for (int i = 0; i < 500 && !stored; ++i) {
            EpisodeStore reader(path, EpisodeStore::Mode::read_only);
            stored = reader.find("band", "first").has_value();
            if (!stored) std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        EXPECT_TRUE(stored) << "the writer never committed the QoS 0 episode";
        for (int i = 0; i < 2000; ++i)
            intake.take(Message{"w/episode",
                                R"({"id":"q)" + std::to_string(i) + R"(","duration_s":20})", 0,
                                false});
        intake.take(
            Message{"w/episode", R"({"id":"q7","duration_s":20})", 0, false});  // a redelivery
        intake.take(
            Message{"w/episode", R"({"id":"bad","duration_s":"x"})", 0, false});  // rejected
        intake.take(
            Message{"w/episode", R"({"id":"a1","duration_s":20})", 1, false});  // QoS 1 beside it
    }  // the destructor commits what is still queued
    EpisodeStore reader(path, EpisodeStore::Mode::read_only);
    EXPECT_EQ(reader.count(), 2002);  // first, q0..q1999, a1
    EXPECT_TRUE(reader.find("band", "q1999").has_value());
    EXPECT_FALSE(reader.find("band", "bad").has_value());
}

TEST_F(EpisodeStoreTest, InsertAllCommitsEveryEpisodeOrNone) {
    EpisodeStore store(path);
    auto for_sam = [](const std::string& id) {
        return EpisodeStore::NewEpisode{episode(id), "sam"};
    };
    const auto results = store.insert_all({for_sam("a"), for_sam("b"), for_sam("a")});
    ASSERT_EQ(results.size(), 3u);
    EXPECT_EQ(results[0], EpisodeStore::Insert::added);
    EXPECT_EQ(results[1], EpisodeStore::Insert::added);
    EXPECT_EQ(results[2], EpisodeStore::Insert::duplicate);
    EXPECT_EQ(store.count(), 2);
    // A failure part-way rolls the whole batch back.
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
    ASSERT_EQ(
        sqlite3_exec(raw,
                     "CREATE TRIGGER refuse_z BEFORE INSERT ON episodes WHEN NEW.source_id = 'z' "
                     "BEGIN SELECT RAISE(ABORT, 'refused'); END;",
                     nullptr, nullptr, nullptr),
        SQLITE_OK);
    sqlite3_close(raw);
    EXPECT_THROW(store.insert_all({for_sam("c"), for_sam("z")}), StoreError);
    EXPECT_EQ(store.count(), 2) << "c was rolled back with z";
}

}  // namespace
}  // namespace bedtimed
