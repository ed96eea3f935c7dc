// Crash-loop safe mode's decision (daemon/app/safe_mode.hpp) and its state file.
#include <gtest/gtest.h>

#include <filesystem>

#include "safe_mode.hpp"

namespace bedtimed {
namespace {

using namespace std::chrono_literals;

const WallTime kT0{std::chrono::seconds(1'800'000'000)};

TEST(SafeMode, MoreThanMaxStartsInTheWindowIsALoop) {
    const CrashLoopPolicy p{5, std::chrono::minutes(10)};
    StartHistory h;
    for (int i = 0; i < 5; ++i) {
        h = record_start(h, kT0 + std::chrono::minutes(i), p);
        EXPECT_FALSE(h.safe_mode) << "start " << i + 1;
    }
    h = record_start(h, kT0 + 5min, p);
    EXPECT_TRUE(h.safe_mode);
    EXPECT_EQ(h.since, kT0 + 5min);
}

TEST(SafeMode, StartsSpreadOverMoreThanTheWindowAreNot) {
    const CrashLoopPolicy p{5, std::chrono::minutes(10)};
    StartHistory h;
    for (int i = 0; i < 50; ++i) h = record_start(h, kT0 + std::chrono::minutes(3 * i), p);
    EXPECT_FALSE(h.safe_mode);
    EXPECT_LE(h.starts.size(), 4u) << "old starts leave the window";
}

TEST(SafeMode, ItHoldsUntilResumedAndSurvivesRestarts) {
    const std::string dir = std::filesystem::temp_directory_path() / "bt-safe-mode";
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    const std::string path = dir + "/safe_mode.json";
    for (int i = 0; i < 6; ++i) {
        SafeMode m(path, CrashLoopPolicy{});
        EXPECT_EQ(m.on_start(kT0 + std::chrono::seconds(10 * i)), i == 5) << "start " << i + 1;
    }
    {
        // Hours later, no more crashes: still in safe mode, a person must say so.
        SafeMode m(path, CrashLoopPolicy{});
        EXPECT_TRUE(m.on_start(kT0 + 5h));
        m.resume();
        EXPECT_FALSE(m.active());
    }
    SafeMode after(path, CrashLoopPolicy{});
    EXPECT_FALSE(after.on_start(kT0 + 5h + 1min)) << "a fresh history after the resume";
    std::filesystem::remove_all(dir);
}

TEST(SafeMode, AClockThatSteppedBackDoesNotKeepStartsForever) {
    const CrashLoopPolicy p{2, std::chrono::minutes(10)};
    StartHistory h;
    h = record_start(h, kT0 + 1h, p);
    h = record_start(h, kT0 + 1h, p);
    h = record_start(h, kT0, p);  // the clock went back an hour
    EXPECT_FALSE(h.safe_mode);
    EXPECT_EQ(h.starts.size(), 1u);
}

}  // namespace
}  // namespace bedtimed
