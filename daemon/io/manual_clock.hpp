// A Clock that only moves when told to: tests and `bedtimed simulate` use it.
//
// Threads: single-threaded, bar wall_now() (atomic: any thread may read it,
// as clock.hpp allows); the thread that calls advance() is the loop thread.
// advance() fires due timers in time order, each with the clock set to its
// due time, so a timer armed by a firing timer also fires if it falls inside
// the step. Nothing throws except std::bad_alloc.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>

#include "clock.hpp"

namespace bedtimed {

class ManualClock final : public Clock {
public:
    explicit ManualClock(WallTime start = WallTime(std::chrono::hours(24 * 365 * 56)));

    WallTime wall_now() const override { return wall_.load(); }
    SteadyTime steady_now() const override { return steady_; }
    std::unique_ptr<Timer> make_timer() override;

    // Moves both clocks forward by `d`, firing every timer that falls due.
    void advance(Duration d);
    // Steps only the wall clock (an NTP step); timers run on steady time and are unaffected.
    void step_wall(Duration d) {
        wall_ = wall_.load() + std::chrono::duration_cast<WallTime::duration>(d);
    }
    std::size_t pending_timers() const noexcept { return queue_.size(); }

private:
    friend class ManualTimer;
    struct Entry {
        std::uint64_t timer_id;
        std::uint64_t generation;
    };
    std::atomic<WallTime> wall_;
    SteadyTime steady_{};
    std::uint64_t next_timer_id_ = 1;
    std::multimap<SteadyTime, Entry> queue_;
    std::map<std::uint64_t, class ManualTimer*> timers_;
};

}  // namespace bedtimed
