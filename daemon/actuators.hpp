// The executor for heating pads and beds: sends device commands through the
// Bus, confirms them from the devices' state topics (retry once, then warn and
// count), and enforces the safety rules that must hold whatever the routine
// decides:
// - every heat session ends at the pad's hard cap or earlier, by a steady-clock
//   timer here and, where the integration can, by the plug itself;
// - pads are commanded off at start-up and at shutdown, and the desired state
//   is re-asserted after every reconnect;
// - a pad that reports "on" without being asked is switched off at its cap;
// - a pad switched off by hand is reported, so the routine leaves it alone;
// - the end time of a running session is persisted, so a restart can honour
//   the remaining time and never exceed the cap.
//
// Threads: loop thread only. Borrows Clock, Bus and Counters (owned by App).
// The constructor throws config::ConfigError for bad integration options;
// everything else is noexcept apart from std::bad_alloc.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "bus.hpp"
#include "clock.hpp"
#include "config.hpp"
#include "counters.hpp"
#include "device.hpp"
#include "log.hpp"
#include "state_file.hpp"

namespace bedtimed {

class Actuators {
public:
    struct Options {
        std::string state_path;          // where session end times are kept; empty = nowhere
        bool expect_confirmation = true; // false in `simulate`, where no device answers
    };
    // Called with (actuator name, what happened) for the timeline.
    using Journal = std::function<void(const std::string& actuator, const std::string& what)>;

    Actuators(Clock& clock, Bus& bus, Counters& counters, const config::Config& cfg, Options options);
    ~Actuators();

    void set_journal(Journal journal) { journal_ = std::move(journal); }
    void on_manual_off(std::function<void(const std::string& pad)> fn) { manual_off_ = std::move(fn); }

    // Subscribes to state topics and commands every pad off (fail safe).
    void start();
    // After every (re)connect: arm device-side caps, re-assert what we want.
    void on_connected();
    // Pads off, beds stopped.
    void shutdown() noexcept;
    // The same, but running sessions stay on record, so that the Actuators
    // built for a reloaded config resume them (for their remaining time only).
    void shutdown_keeping_sessions() noexcept;

    // Turns a pad on for `duration`, clamped to its cap. Returns the duration granted.
    std::chrono::seconds heat_on(const std::string& pad, std::chrono::seconds duration,
                                 const std::string& reason);
    void heat_off(const std::string& pad, const std::string& reason);
    bool move_bed(const std::string& bed, const std::string& preset, const std::string& reason);

    bool pad_on(const std::string& pad) const;
    // Sessions that were running when bedtimed last stopped, with their end times.
    const std::map<std::string, WallTime>& interrupted_sessions() const { return interrupted_; }

private:
    struct Pad;
    struct Bed;
    void send(const std::vector<integrations::DeviceCommand>& cmds);
    void command_pad(Pad& pad, bool on, std::chrono::seconds device_auto_off);
    void expect_pad(Pad& pad);
    void on_pad_state(Pad& pad, bool on);
    void on_bed_position(Bed& bed, double position);
    void persist();
    // One bus subscription per topic, shared by every device that reports on it
    // (two relays of one Tasmota share stat/<topic>/RESULT).
    void listen(const std::string& topic, MessageHandler handler);
    std::map<std::string, std::vector<MessageHandler>> listeners_;
    void note(const std::string& actuator, const std::string& what);

    Clock& clock_;
    Bus& bus_;
    Counters& counters_;
    Options options_;
    std::shared_ptr<spdlog::logger> log_;
    StateFile state_;
    std::map<std::string, std::unique_ptr<Pad>> pads_;
    std::map<std::string, std::unique_ptr<Bed>> beds_;
    std::map<std::string, WallTime> interrupted_;
    Journal journal_;
    std::function<void(const std::string&)> manual_off_;
};

}  // namespace bedtimed
