// bench_house_plan: the time to plan every sleeper's night, for bench/house.py.
//
//   bench_house_plan CONFIG [--repeat N]
//
// Builds the daemon's Household (daemon/app/household.hpp) for CONFIG on a
// ManualClock at noon UTC, with a RecordingBus and the cramp log in memory,
// and times, on this thread:
//   build_ms   constructing the household (config already loaded),
//   start_ms   Household::start(): every sleeper's night planned (tonight's
//              plan, the tier, the first evaluation),
//   replan_ms  the next day at noon, RoutineRunner::reevaluate(): every
//              sleeper's next night planned from the running household
//              (median of --repeat days).
// Prints `RESULT sleepers=N build_ms=.. start_ms=.. replan_ms=..`.
//
// Threads: one. Exits 1 with a message when the config does not load.
#include <boost/asio/io_context.hpp>
#include <utility>  // before Asio: Boost 1.74 with C++20 needs it

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "household.hpp"
#include "log.hpp"
#include "manual_clock.hpp"
#include "recording_bus.hpp"
#include "validate.hpp"

namespace {

double ms_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) try {
    using namespace bedtimed;
    if (argc < 2) {
        std::fputs("usage: bench_house_plan CONFIG [--repeat N]\n", stderr);
        return 64;
    }
    const int repeat = argc >= 4 && std::string(argv[2]) == "--repeat" ? std::atoi(argv[3]) : 3;
    // Errors only: 500 sleepers' narration on stderr would be timed as well.
    setup_logging(spdlog::level::err);
    std::vector<std::string> warnings;
    const auto cfg = std::make_shared<const config::Config>(load_and_validate(argv[1], warnings));
    // Noon UTC today (the sleepers of bench/house.py live in Etc/UTC).
    const auto now = std::chrono::system_clock::now();
    const auto noon = std::chrono::floor<std::chrono::days>(now) + std::chrono::hours(12);
    ManualClock clock(std::chrono::time_point_cast<WallTime::duration>(noon));
    Counters counters;
    RecordingBus bus([](const Message&) {});
    boost::asio::io_context loop;
    Household::Options options;
    options.expect_confirmation = false;
    options.read_secrets = false;
    auto t0 = std::chrono::steady_clock::now();
    Household household(clock, bus, counters, loop, cfg, std::move(options));
    const double build_ms = ms_since(t0);
    t0 = std::chrono::steady_clock::now();
    household.start(false);
    household.on_connected();
    loop.poll();
    const double start_ms = ms_since(t0);
    std::vector<double> replans;
    for (int day = 0; day < std::max(repeat, 1); ++day) {
        clock.advance(std::chrono::hours(24));  // the timers of the day run here, not timed
        loop.restart();
        loop.poll();
        t0 = std::chrono::steady_clock::now();
        household.runner().reevaluate();
        loop.restart();
        loop.poll();
        replans.push_back(ms_since(t0));
    }
    std::sort(replans.begin(), replans.end());
    std::printf("RESULT sleepers=%zu build_ms=%.1f start_ms=%.1f replan_ms=%.1f\n",
                cfg->sleepers.size(), build_ms, start_ms, replans[replans.size() / 2]);
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "bench_house_plan: %s\n", e.what());
    return 1;
}
