// ManualClock: the time lever of every engine test, so its timer semantics
// must match a real loop (order, re-arming, cancellation) exactly.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "manual_clock.hpp"

using bedtimed::ManualClock;
using bedtimed::SteadyTime;
using bedtimed::Timer;
using bedtimed::WallTime;
using namespace std::chrono_literals;

namespace {
const WallTime kStart = WallTime(std::chrono::seconds(1795730400));  // 2026-11-26T22:00:00Z
}

TEST(ManualClock, StartsWhereToldAndOnlyMovesOnAdvance) {
    ManualClock clock(kStart);
    EXPECT_EQ(clock.wall_now(), kStart);
    const SteadyTime s0 = clock.steady_now();
    EXPECT_EQ(clock.steady_now(), s0);
    clock.advance(90s);
    EXPECT_EQ(clock.wall_now(), kStart + 90s);
    EXPECT_EQ(clock.steady_now(), s0 + 90s);
}

TEST(ManualClock, DefaultStartIsAPlausibleWallTime) {
    ManualClock clock;
    // Templates and ISO stamps should look like real dates, not 1970.
    EXPECT_GT(clock.wall_now(), WallTime(std::chrono::hours(24 * 365 * 50)));
}

TEST(ManualClock, TimersFireInDueOrderAtTheirDueTime) {
    ManualClock clock(kStart);
    const SteadyTime s0 = clock.steady_now();
    std::vector<std::string> fired;
    std::vector<SteadyTime> steady_at;
    std::vector<WallTime> wall_at;
    auto t1 = clock.make_timer(), t2 = clock.make_timer(), t3 = clock.make_timer();
    auto record = [&](std::string name) {
        return [&, name] {
            fired.push_back(name);
            steady_at.push_back(clock.steady_now());
            wall_at.push_back(clock.wall_now());
        };
    };
    t1->arm(30s, record("t1"));
    t2->arm(10s, record("t2"));
    t3->arm(20s, record("t3"));
    EXPECT_EQ(clock.pending_timers(), 3u);
    clock.advance(60s);
    EXPECT_EQ(fired, (std::vector<std::string>{"t2", "t3", "t1"}));
    EXPECT_EQ(steady_at, (std::vector<SteadyTime>{s0 + 10s, s0 + 20s, s0 + 30s}));
    EXPECT_EQ(wall_at, (std::vector<WallTime>{kStart + 10s, kStart + 20s, kStart + 30s}));
    EXPECT_EQ(clock.steady_now(), s0 + 60s);
    EXPECT_EQ(clock.pending_timers(), 0u);
    EXPECT_FALSE(t1->armed());
}

TEST(ManualClock, TimerFiresOnlyWhenItsTimeIsReached) {
    ManualClock clock(kStart);
    int fired = 0;
    auto t = clock.make_timer();
    t->arm(10s, [&] { ++fired; });
    clock.advance(9s);
    EXPECT_EQ(fired, 0);
    EXPECT_TRUE(t->armed());
    clock.advance(1s);  // exactly due: fires
    EXPECT_EQ(fired, 1);
    clock.advance(1h);
    EXPECT_EQ(fired, 1);  // one-shot
}

TEST(ManualClock, EqualDueTimesFireInArmingOrder) {
    ManualClock clock(kStart);
    std::vector<int> fired;
    auto a = clock.make_timer(), b = clock.make_timer(), c = clock.make_timer();
    b->arm(5s, [&] { fired.push_back(2); });
    c->arm(5s, [&] { fired.push_back(3); });
    a->arm(5s, [&] { fired.push_back(1); });
    clock.advance(5s);
    EXPECT_EQ(fired, (std::vector<int>{2, 3, 1}));
}

TEST(ManualClock, ZeroDelayFiresOnTheNextAdvance) {
    ManualClock clock(kStart);
    bool fired = false;
    auto t = clock.make_timer();
    t->arm(0s, [&] { fired = true; });
    EXPECT_FALSE(fired);  // never synchronously inside arm()
    clock.advance(0s);
    EXPECT_TRUE(fired);
}

TEST(ManualClock, RearmingFromTheCallbackFiresAgainWithinTheSameStep) {
    ManualClock clock(kStart);
    const SteadyTime s0 = clock.steady_now();
    auto t = clock.make_timer();
    std::vector<SteadyTime> ticks;
    std::function<void()> tick = [&] {
        ticks.push_back(clock.steady_now());
        t->arm(10s, tick);
    };
    t->arm(10s, tick);
    clock.advance(35s);
    EXPECT_EQ(ticks, (std::vector<SteadyTime>{s0 + 10s, s0 + 20s, s0 + 30s}));
    EXPECT_TRUE(t->armed());
    EXPECT_EQ(clock.pending_timers(), 1u);
    clock.advance(5s);
    EXPECT_EQ(ticks.size(), 4u);
}

TEST(ManualClock, RearmingReplacesTheEarlierDeadlineAndCallback) {
    ManualClock clock(kStart);
    std::vector<std::string> fired;
    auto t = clock.make_timer();
    t->arm(10s, [&] { fired.push_back("first"); });
    t->arm(20s, [&] { fired.push_back("second"); });
    EXPECT_EQ(clock.pending_timers(), 1u);
    clock.advance(15s);
    EXPECT_TRUE(fired.empty());
    clock.advance(5s);
    EXPECT_EQ(fired, (std::vector<std::string>{"second"}));
}

TEST(ManualClock, CancelledTimerNeverFires) {
    ManualClock clock(kStart);
    bool fired = false;
    auto t = clock.make_timer();
    t->arm(10s, [&] { fired = true; });
    t->cancel();
    EXPECT_FALSE(t->armed());
    EXPECT_EQ(clock.pending_timers(), 0u);
    clock.advance(1min);
    EXPECT_FALSE(fired);
    t->cancel();  // cancelling twice is harmless
    // The timer can be armed again after a cancel.
    t->arm(1s, [&] { fired = true; });
    clock.advance(1s);
    EXPECT_TRUE(fired);
}

TEST(ManualClock, CallbackCanCancelATimerDueInTheSameStep) {
    ManualClock clock(kStart);
    std::vector<std::string> fired;
    auto first = clock.make_timer(), second = clock.make_timer();
    first->arm(1s, [&] {
        fired.push_back("first");
        second->cancel();
    });
    second->arm(2s, [&] { fired.push_back("second"); });
    clock.advance(10s);
    EXPECT_EQ(fired, (std::vector<std::string>{"first"}));
}

TEST(ManualClock, DestroyedTimerNeverFires) {
    ManualClock clock(kStart);
    bool fired = false;
    auto t = clock.make_timer();
    t->arm(10s, [&] { fired = true; });
    t.reset();
    EXPECT_EQ(clock.pending_timers(), 0u);
    clock.advance(1min);
    EXPECT_FALSE(fired);
}

TEST(ManualClock, TimerMayDestroyItselfFromItsCallback) {
    ManualClock clock(kStart);
    int fired = 0;
    std::unique_ptr<Timer> t = clock.make_timer();
    auto other = clock.make_timer();
    t->arm(1s, [&] {
        ++fired;
        t.reset();
    });
    other->arm(2s, [&] { ++fired; });
    clock.advance(5s);
    EXPECT_EQ(fired, 2);
    EXPECT_EQ(t, nullptr);
}

TEST(ManualClock, CallbackCanDestroyAnotherPendingTimer) {
    ManualClock clock(kStart);
    std::vector<std::string> fired;
    auto first = clock.make_timer();
    auto second = clock.make_timer();
    first->arm(1s, [&] {
        fired.push_back("first");
        second.reset();
    });
    second->arm(2s, [&] { fired.push_back("second"); });
    clock.advance(10s);
    EXPECT_EQ(fired, (std::vector<std::string>{"first"}));
}

TEST(ManualClock, StepWallMovesOnlyWallTimeAndFiresNothing) {
    ManualClock clock(kStart);
    const SteadyTime s0 = clock.steady_now();
    bool fired = false;
    auto t = clock.make_timer();
    t->arm(10s, [&] { fired = true; });
    clock.step_wall(1h);  // an NTP step forward
    EXPECT_EQ(clock.wall_now(), kStart + 1h);
    EXPECT_EQ(clock.steady_now(), s0);
    EXPECT_FALSE(fired);
    EXPECT_TRUE(t->armed());
    clock.step_wall(-2h);  // and backward
    EXPECT_EQ(clock.wall_now(), kStart - 1h);
    EXPECT_FALSE(fired);
    clock.advance(10s);
    EXPECT_TRUE(fired);
    EXPECT_EQ(clock.wall_now(), kStart - 1h + 10s);
}
