// Drives the daemon's household (household.hpp: engine, actuators, routines,
// reminder desk, cramp log in memory, commands) for tests with the two levers
// only: inject a message (sensor, episode, device state, command) and advance
// a ManualClock. The RecordingBus keeps every publish and delivers injected
// messages to subscribers, like a broker would.
// Threads: the test thread. Throws config::ConfigError for a bad config.
#pragma once

#include <boost/asio/io_context.hpp>
#include <utility>  // before Asio: Boost 1.74 with C++20 needs it

#include <memory>
#include <string>
#include <vector>

#include "household.hpp"
#include "loader.hpp"
#include "manual_clock.hpp"
#include "recording_bus.hpp"

namespace bedtimed::test {

// The routine tests' name for the test bus.
using LoopbackBus = RecordingBus;

// The whole household on a manual clock, as the daemon wires it.
class Household {
public:
    Household(const std::string& yaml, WallTime start, std::string state_dir = "",
              bool expect_confirmation = false)
        : cfg(std::make_shared<const config::Config>(config::parse_config(yaml, "test.yaml"))),
          clock(start) {
        bedtimed::Household::Options options;
        options.state_dir = std::move(state_dir);
        options.expect_confirmation = expect_confirmation;
        options.timeline = [this](const std::string& who, const std::string& what) {
            timeline.push_back(who + ": " + what);
        };
        house = std::make_unique<bedtimed::Household>(clock, bus, counters, loop, cfg,
                                                      std::move(options));
        engine = &house->engine();
        actuators = &house->actuators();
        runner = &house->runner();
        house->start(false);
        house->on_connected();
    }
    // Runs what the parts posted to the loop (the cramp log's bookkeeping), then the clock.
    void advance(Duration d) {
        run_posted();
        clock.advance(d);
        run_posted();
    }
    void run_posted() {
        loop.restart();
        loop.poll();
    }
    bool said(const std::string& needle) const {
        for (const auto& t : timeline)
            if (t.find(needle) != std::string::npos) return true;
        return false;
    }

    std::shared_ptr<const config::Config> cfg;
    ManualClock clock;
    RecordingBus bus;
    Counters counters;
    std::vector<std::string> timeline;
    boost::asio::io_context loop;
    std::unique_ptr<bedtimed::Household> house;
    // The household's parts (it keeps them: these tests never reload).
    Engine* engine = nullptr;
    Actuators* actuators = nullptr;
    RoutineRunner* runner = nullptr;
};

}  // namespace bedtimed::test
