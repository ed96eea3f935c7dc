#include "asio_clock.hpp"

#include <boost/asio/steady_timer.hpp>

namespace bedtimed {

namespace {

class AsioTimer final : public Timer {
public:
    explicit AsioTimer(boost::asio::io_context& io) : timer_(io) {}
    ~AsioTimer() override { cancel(); }

    void arm(Duration after, std::function<void()> fn) override {
        // A generation number, not just cancel(): a wait that already completed
        // but whose handler is still queued must not run a replaced callback.
        const std::uint64_t generation = ++generation_;
        armed_ = true;
        timer_.expires_after(after);
        timer_.async_wait(
            [this, generation, fn = std::move(fn),
             alive = std::weak_ptr<int>(alive_)](const boost::system::error_code& ec) {
                if (ec || alive.expired() || generation != generation_) return;
                armed_ = false;
                fn();
            });
    }
    void cancel() noexcept override {
        ++generation_;
        armed_ = false;
        timer_.cancel();
    }
    bool armed() const noexcept override { return armed_; }

private:
    boost::asio::steady_timer timer_;
    std::uint64_t generation_ = 0;
    bool armed_ = false;
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace

std::unique_ptr<Timer> AsioClock::make_timer() { return std::make_unique<AsioTimer>(io_); }

}  // namespace bedtimed
