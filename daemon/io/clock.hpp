// Time as the daemon sees it, Envoy-style: wall time for people and schedules,
// steady time for timeouts and staleness, and timers that fire on the loop.
//
// Threads: every method is called on the loop thread only (the thread that runs
// the io_context, or the test that drives a ManualClock), except wall_now(),
// which the episode intake also reads on the bus's receive thread: every
// Clock makes wall_now() safe to call from any thread. Timers are owned by
// whoever made them; destroying a Timer cancels it. Nothing here throws except
// std::bad_alloc.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

namespace bedtimed {

using WallTime = std::chrono::system_clock::time_point;
using SteadyTime = std::chrono::steady_clock::time_point;
using Duration = std::chrono::steady_clock::duration;

class Timer {
public:
    virtual ~Timer() = default;
    // Fires `fn` once, `after` from now (steady time). Re-arming replaces the
    // previous callback.
    virtual void arm(Duration after, std::function<void()> fn) = 0;
    virtual void cancel() noexcept = 0;
    virtual bool armed() const noexcept = 0;
};

class Clock {
public:
    virtual ~Clock() = default;
    virtual WallTime wall_now() const = 0;
    virtual SteadyTime steady_now() const = 0;
    virtual std::unique_ptr<Timer> make_timer() = 0;
};

}  // namespace bedtimed
