// The systemd service watchdog and status line (sd_notify(3): WATCHDOG=1,
// STATUS=), pinged from a timer on the loop so that a stuck loop stops the
// pings and systemd restarts us (MPD's Systemd::Watchdog idea).
//
// A healthy loop is not enough: a Paho deadlock (Paho C can deadlock between its threads)
// leaves the loop running while MQTT is dead. So while the broker is
// connected, every tick also publishes a self-addressed heartbeat
// (`<base>/heartbeat`, QoS 0, not retained) that we subscribe to; if no echo
// has come back for `stale_after` (two watchdog intervals) the pings stop, the
// reason is logged once, and systemd's WatchdogSec kills and restarts us.
// While the broker is *disconnected* the pings go on: Paho is reconnecting
// with backoff, which is what it should do, and a restart would not bring
// the broker back (it would only lose state and flood the journal).
//
// Threads: loop thread only. Borrows the Clock and the Bus (owned by App,
// which outlives it); `status` is called on the loop at every tick. Nothing
// throws except std::bad_alloc.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "bus.hpp"
#include "clock.hpp"
#include "log.hpp"

namespace bedtimed {

// The interval systemd expects pings at: WATCHDOG_USEC, if set, positive, and
// WATCHDOG_PID is unset or our pid (sd_watchdog_enabled(3)). Never throws.
std::optional<std::chrono::microseconds> watchdog_interval_from_env() noexcept;

class Watchdog {
public:
    // `interval`: nullopt = no watchdog (only STATUS= is kept up to date).
    // `status`: the STATUS= text, sent whenever it changes.
    Watchdog(Clock& clock, Bus& bus, std::string heartbeat_topic,
             std::optional<std::chrono::microseconds> interval,
             std::function<std::string()> status);

    // Subscribes the heartbeat, pings once and arms the timer. Call after READY=1.
    void start();
    // After every (re)connect: the heartbeat has had no chance to come back yet.
    void on_connected();
    // Sends STATUS= now if the text changed (call on events that change it).
    void refresh_status();
    // The status text to send along with READY=1, remembered as sent.
    std::string status_for_ready();
    void stop() noexcept;

    bool pinging() const noexcept { return !wedged_; }
    static constexpr std::chrono::seconds kStatusPeriod{5};  // without a watchdog

private:
    void tick();
    void arm();
    void on_heartbeat(const Message& m);

    Clock& clock_;
    Bus& bus_;
    std::string topic_;
    std::optional<std::chrono::microseconds> interval_;
    std::function<std::string()> status_;
    std::shared_ptr<spdlog::logger> log_;
    std::unique_ptr<Timer> timer_;
    std::string token_;  // "<pid>-": our heartbeats, not another instance's
    std::uint64_t sent_ = 0;
    SteadyTime last_echo_{};  // or the last connect, whichever is later
    std::string last_status_;
    bool wedged_ = false;
};

}  // namespace bedtimed
