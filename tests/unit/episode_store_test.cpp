// The SQLite episode store on real files.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>

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
        if (sqlite3_step(st) == SQLITE_ROW) v = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
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
        EXPECT_NE(std::string(e.what()).find("newer than this bedtimed understands"), std::string::npos);
    }
    EXPECT_EQ(pragma("user_version"), "99");
}

TEST_F(EpisodeStoreTest, AnUnwritableDirectoryIsAClearError) {
    EXPECT_THROW(EpisodeStore("/proc/bedtimed-no/bedtimed.db"), StoreError);
}

}  // namespace
}  // namespace bedtimed

#include "episode_intake.hpp"
#include "loader.hpp"

namespace bedtimed {
namespace {

TEST_F(EpisodeStoreTest, TheIntakeCommitsParsedEpisodesForTheirSleeper) {
    const auto cfg = config::parse_config(R"(
wearables:
  - {name: band, topic: w/+/episode, fields: {id: id, duration: duration_s}}
sleepers:
  - {name: sam, bedtime: "22:30", wearable: band}
)", "test.yaml");
    EpisodeIntake intake(path, cfg);
    EXPECT_TRUE(intake.wants("w/left/episode"));
    EXPECT_FALSE(intake.wants("other"));
    intake.take(Message{"w/left/episode", R"({"id":"a1","duration_s":20})", 1, false});
    intake.take(Message{"w/left/episode", R"({"id":"a1","duration_s":20})", 1, false});  // redelivery
    intake.take(Message{"w/left/episode", R"({"id":"bad","duration_s":"x"})", 1, false});  // rejected
    EXPECT_EQ(intake.committed(), 1u);
    EXPECT_EQ(intake.duplicates(), 1u);
    EXPECT_EQ(intake.failures(), 0u);
    EpisodeStore reader(path, EpisodeStore::Mode::read_only);
    const auto rows = reader.recent(5);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].sleeper, "sam");
    EXPECT_EQ(rows[0].source_id, "a1");
}

}  // namespace
}  // namespace bedtimed
