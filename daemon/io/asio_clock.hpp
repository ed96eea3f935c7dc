// The real Clock: system_clock and steady_clock, timers on the io_context.
// Threads: loop thread only (see clock.hpp). The io_context must outlive the
// clock and every timer made from it.
#pragma once

#include <utility>  // before Asio: Boost 1.74 with C++20 needs it

#include <boost/asio/io_context.hpp>

#include "clock.hpp"

namespace bedtimed {

class AsioClock final : public Clock {
public:
    explicit AsioClock(boost::asio::io_context& io) : io_(io) {}
    WallTime wall_now() const override { return std::chrono::system_clock::now(); }
    SteadyTime steady_now() const override { return std::chrono::steady_clock::now(); }
    std::unique_ptr<Timer> make_timer() override;

private:
    boost::asio::io_context& io_;
};

}  // namespace bedtimed
