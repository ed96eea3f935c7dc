#include "manual_clock.hpp"

namespace bedtimed {

class ManualTimer final : public Timer {
public:
    ManualTimer(ManualClock& clock, std::uint64_t id) : clock_(clock), id_(id) {
        clock_.timers_[id_] = this;
    }
    ~ManualTimer() override {
        drop_queued();
        clock_.timers_.erase(id_);
    }

    void arm(Duration after, std::function<void()> fn) override {
        drop_queued();
        fn_ = std::move(fn);
        ++generation_;
        armed_ = true;
        clock_.queue_.emplace(clock_.steady_ + after, ManualClock::Entry{id_, generation_});
    }
    void cancel() noexcept override {
        drop_queued();
        ++generation_;
        armed_ = false;
    }
    bool armed() const noexcept override { return armed_; }

    // Called by the clock; stale queue entries (re-armed or cancelled) are skipped.
    void fire(std::uint64_t generation) {
        if (!armed_ || generation != generation_) return;
        armed_ = false;
        auto fn = fn_;  // the callback may re-arm or destroy this timer
        fn();
    }

private:
    // Keeps the queue to live entries only, so pending_timers() does not count
    // cancelled, re-armed or destroyed timers.
    void drop_queued() noexcept {
        auto& q = clock_.queue_;
        for (auto it = q.begin(); it != q.end();)
            it = it->second.timer_id == id_ ? q.erase(it) : std::next(it);
    }

    ManualClock& clock_;
    std::uint64_t id_;
    std::uint64_t generation_ = 0;
    bool armed_ = false;
    std::function<void()> fn_;
};

ManualClock::ManualClock(WallTime start) : wall_(start) {}

std::unique_ptr<Timer> ManualClock::make_timer() {
    return std::make_unique<ManualTimer>(*this, next_timer_id_++);
}

void ManualClock::advance(Duration d) {
    const SteadyTime target = steady_ + d;
    while (!queue_.empty() && queue_.begin()->first <= target) {
        auto it = queue_.begin();
        const SteadyTime due = it->first;
        const Entry entry = it->second;
        queue_.erase(it);
        if (due > steady_) {
            wall_ = wall_.load() + std::chrono::duration_cast<WallTime::duration>(due - steady_);
            steady_ = due;
        }
        if (auto t = timers_.find(entry.timer_id); t != timers_.end())
            t->second->fire(entry.generation);
    }
    wall_ = wall_.load() + std::chrono::duration_cast<WallTime::duration>(target - steady_);
    steady_ = target;
}

}  // namespace bedtimed
