// Drives the routine executor and actuators for tests with the two levers
// only: inject a message (sensor, episode, device state) and advance a
// ManualClock. The RecordingBus keeps every publish and delivers injected
// messages to subscribers, like a broker would.
// Threads: the test thread. Throws config::ConfigError for a bad config.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "actuators.hpp"
#include "engine.hpp"
#include "loader.hpp"
#include "manual_clock.hpp"
#include "recording_bus.hpp"
#include "routine_runner.hpp"

namespace bedtimed::test {

// The routine tests' name for the test bus.
using LoopbackBus = RecordingBus;

// The whole household (engine, actuators, routines) on a manual clock.
class Household {
public:
    Household(const std::string& yaml, WallTime start, std::string state_dir = "",
              bool expect_confirmation = false)
        : cfg(std::make_shared<const config::Config>(config::parse_config(yaml, "test.yaml"))),
          clock(start), state_dir_(std::move(state_dir)) {
        engine = std::make_unique<Engine>(clock, bus, counters, cfg);
        actuators = std::make_unique<Actuators>(
            clock, bus, counters, *cfg,
            Actuators::Options{state_dir_.empty() ? "" : state_dir_ + "/actuators.json", expect_confirmation});
        runner = std::make_unique<RoutineRunner>(clock, bus, counters, *cfg, engine->sensors(), *actuators,
                                                 state_dir_.empty() ? "" : state_dir_ + "/routine.json");
        runner->set_timeline([this](const std::string& who, const std::string& what) {
            timeline.push_back(who + ": " + what);
        });
        actuators->set_journal([this](const std::string& who, const std::string& what) {
            timeline.push_back(who + ": " + what);
        });
        engine->on_episode([this](const Episode& e, const std::string& sleeper) {
            runner->on_episode(e, sleeper);
        });
        engine->on_sensor([this](const std::string& n) { runner->on_sensor(n); });
        engine->start();
        actuators->start();
        runner->start();
        actuators->on_connected();
    }
    ~Household() {
        runner.reset();
        actuators.reset();
    }
    void advance(Duration d) { clock.advance(d); }
    bool said(const std::string& needle) const {
        for (const auto& t : timeline)
            if (t.find(needle) != std::string::npos) return true;
        return false;
    }

    std::shared_ptr<const config::Config> cfg;
    ManualClock clock;
    RecordingBus bus;
    Counters counters;
    std::unique_ptr<Engine> engine;
    std::unique_ptr<Actuators> actuators;
    std::unique_ptr<RoutineRunner> runner;
    std::vector<std::string> timeline;

private:
    std::string state_dir_;
};

}  // namespace bedtimed::test
