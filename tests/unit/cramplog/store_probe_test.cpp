// The cramp log's real writability check (daemon/cramplog/store_probe.*): a
// real store on disk, then each way it stops being writable that root cannot
// write through: the file removed, the file replaced, the log's own write
// failing; and, for a user other than root, a read-only folder.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "episode_store.hpp"
#include "manual_clock.hpp"
#include "store_probe.hpp"

namespace bedtimed {
namespace {

namespace fs = std::filesystem;

struct Store {
    Store() {
        dir = ::testing::TempDir() + "bt-probe-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name();
        fs::remove_all(dir);
        fs::create_directories(dir);
        db = dir + "/bedtimed.db";
        EpisodeStore store(db);  // creates the file and its schema
    }
    ~Store() {
        std::error_code ec;
        fs::permissions(dir, fs::perms::owner_all, ec);
        fs::remove_all(dir, ec);
    }
    std::string dir, db;
};

TEST(StoreProbe, AWritableStoreIsWritableAndTheProbeLeavesNoFile) {
    Store s;
    ManualClock clock;
    StoreProbe probe(s.db, clock);
    const auto r = probe.check(false);
    EXPECT_TRUE(r.writable) << r.why;
    EXPECT_FALSE(fs::exists(s.dir + "/.bedtimed-write-probe"));
}

TEST(StoreProbe, TheFileRemovedIsNotWritableThoughTheFolderIs) {
    Store s;
    ManualClock clock;
    StoreProbe probe(s.db, clock);
    ASSERT_TRUE(probe.check(false).writable);
    fs::remove(s.db);  // SQLite would write on into the unlinked file
    const auto r = probe.check(false);
    EXPECT_FALSE(r.writable);
    EXPECT_NE(r.why.find("gone"), std::string::npos) << r.why;
}

TEST(StoreProbe, TheFileReplacedIsNotWritable) {
    Store s;
    ManualClock clock;
    StoreProbe probe(s.db, clock);
    ASSERT_TRUE(probe.check(false).writable);
    fs::rename(s.db, s.db + ".old");
    std::ofstream(s.db) << "another file";
    const auto r = probe.check(false);
    EXPECT_FALSE(r.writable);
    EXPECT_NE(r.why.find("replaced"), std::string::npos) << r.why;
}

TEST(StoreProbe, TheLogsOwnFailedWriteCountsUntilOneSucceeds) {
    Store s;
    ManualClock clock;
    StoreProbe probe(s.db, clock);
    EXPECT_FALSE(probe.check(true).writable);
    EXPECT_TRUE(probe.check(false).writable);
}

TEST(StoreProbe, AFolderRemovedIsNotWritable) {
    Store s;
    ManualClock clock;
    StoreProbe probe(s.db, clock);
    ASSERT_TRUE(probe.check(false).writable);
    fs::remove_all(s.dir);
    EXPECT_FALSE(probe.check(false).writable);
}

TEST(StoreProbe, AReadOnlyFolderIsNotWritableForAnotherUserThanRoot) {
    if (::geteuid() == 0)
        GTEST_SKIP() << "root writes into a read-only folder: the other tests cover root";
    Store s;
    ManualClock clock;
    StoreProbe probe(s.db, clock);
    ASSERT_TRUE(probe.check(false).writable);
    fs::permissions(s.dir, fs::perms::owner_read | fs::perms::owner_exec);
    clock.advance(StoreProbe::kWriteEvery);
    EXPECT_FALSE(probe.check(false).writable);
}

TEST(StoreProbe, InMemoryIsNeverWritable) {
    ManualClock clock;
    EXPECT_FALSE(StoreProbe("", clock).check(false).writable);
}

}  // namespace
}  // namespace bedtimed
