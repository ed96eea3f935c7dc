// Sends Home Assistant discovery (integrations/ha_discovery/) and keeps it
// current: on every (re)connect, after a config reload, and again a short
// random delay after HA's birth message (`homeassistant/status` = online), so
// that a restarted Home Assistant finds its entities without every publisher
// answering at the same instant.
//
// What was announced is remembered in `<state-dir>/ha_discovery.json`
// (discovery topic -> component keys). The next build compares against it
// and clears the topics and components of sleepers and steps that left the
// config, or everything when discovery is switched off. Without that file (a
// wiped state dir) old entities stay until removed by hand in HA.
//
// Threads: loop thread only. Borrows Clock and Bus (owned by App, which
// outlives it). Nothing throws apart from std::bad_alloc.
#pragma once

#include <memory>
#include <random>
#include <string>

#include "bus.hpp"
#include "clock.hpp"
#include "config.hpp"
#include "log.hpp"
#include "state_file.hpp"

namespace bedtimed {

class HaPublisher {
public:
    HaPublisher(Clock& clock, Bus& bus, std::shared_ptr<const config::Config> cfg,
                std::string state_path, std::string sw_version);
    ~HaPublisher();

    // Subscribes to HA's status topic (the bus re-subscribes on reconnect).
    void start();
    // After the bus (re)connected: announce now.
    void on_connected();
    // A reloaded config: re-announce, removing what left it.
    void apply_config(std::shared_ptr<const config::Config> cfg);

    // How many times discovery went out (tests and the log).
    int rounds() const noexcept { return rounds_; }

private:
    void on_ha_status(const Message& msg);
    void publish();

    Clock& clock_;
    Bus& bus_;
    std::shared_ptr<const config::Config> cfg_;
    StateFile state_;
    std::string version_;
    std::shared_ptr<spdlog::logger> log_;
    std::unique_ptr<Timer> birth_timer_;
    std::string subscribed_;  // HA's status topic we listen on
    std::mt19937 random_{std::random_device{}()};
    int rounds_ = 0;
};

}  // namespace bedtimed
