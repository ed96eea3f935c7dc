// The executor for heating pads and beds: sends device commands through the
// Bus, confirms them from the devices' state topics (retry once, then warn and
// count), learns what each plug can really do, and carries out what the heat
// governor (heat/governor.hpp, the one place that decides heat) rules:
// - every pad request, report, sleep change, reconnect and timer goes through
//   heat::decide(); this file only sends what it returns and arms a
//   steady-clock timer at its next deadline;
// - pads are commanded off at start-up, after every reconnect and at shutdown;
// - each plug's device cap (its own off-timer) is learned from the device
//   (SwitchDevice::learn: Zigbee2MQTT's bridge/devices and bridge/logging,
//   Tasmota's PulseTime, Shelly's Switch.GetConfig) and shown as
//   verified/unverified/none; `pad_test` proves it;
// - where a plug reports power: ON but drawing nothing, or OFF but drawing,
//   is warned about (the latter urgently, with the OFF repeated);
// - the governor's state that must survive a restart (the running period,
//   a hand's OFF tonight, a cool-down) is persisted, so a restart never
//   lengthens heat.
//
// Sources: actuators.cpp (requests, the governor, commands and confirmation,
// start and stop), pad_truth.cpp, beds.cpp, actuator_state.cpp; their shared
// records are in actuator_parts.hpp.
//
// Threads: loop thread only. Borrows Clock, Bus and Counters (owned by App).
// The constructor throws config::ConfigError for bad integration options;
// everything else is noexcept apart from std::bad_alloc.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "bus.hpp"
#include "clock.hpp"
#include "config.hpp"
#include "counters.hpp"
#include "device.hpp"
#include "heat/governor.hpp"
#include "log.hpp"
#include "state_file.hpp"

namespace bedtimed {

class Actuators {
public:
    struct Options {
        std::string state_path;           // where pad states are kept; empty = nowhere
        bool expect_confirmation = true;  // false in `simulate`, where no device answers
    };
    // Called with (actuator name, what happened) for the timeline.
    using Journal = std::function<void(const std::string& actuator, const std::string& what)>;
    // (pad, message) for something a person must see now: a plug that did not switch off.
    using Alert = std::function<void(const std::string& pad, const std::string& message)>;

    Actuators(Clock& clock, Bus& bus, Counters& counters, const config::Config& cfg,
              Options options);
    ~Actuators();

    void set_journal(Journal journal) { journal_ = std::move(journal); }
    void on_manual_off(std::function<void(const std::string& pad)> fn) {
        manual_off_ = std::move(fn);
    }
    void on_alert(Alert fn) { alert_ = std::move(fn); }
    // A device changed by other means (a wall switch, the HA UI, a remote):
    // (device, "switched on" / "moved to 40%"), for the routine's hand-offs.
    // The governor's rules still hold for such a pad (it goes off at its cap).
    void on_hand_change(std::function<void(const std::string&, const std::string&)> fn) {
        hand_change_ = std::move(fn);
    }
    // Called when a pad's state, device cap or power reading changes (for <base>/pads/<pad>).
    void on_pad_changed(std::function<void(const std::string& pad)> fn) {
        pad_changed_ = std::move(fn);
    }
    // Saves actuators.json `window` after the first unsaved change
    // (state_file.hpp); a hand's OFF at once. Unset = at every change.
    void defer_saves(Duration window) { state_.defer_saves(clock_.make_timer(), window); }

    // Subscribes to state and fact topics and commands every pad off (fail safe).
    void start();
    // After every (re)connect: prepare the plugs, ask for their caps, every pad off.
    void on_connected();
    // Pads off, beds stopped.
    void shutdown() noexcept;
    // The same, but running sessions stay on record, so that the Actuators
    // built for a reloaded config resume them (for their remaining time only).
    void shutdown_keeping_sessions() noexcept;

    // Asks the governor for heat for `duration`. Returns the time granted
    // (0 = refused; the reason is in the log and the journal). `resume`
    // continues the period a restart interrupted, never a fresh one.
    std::chrono::seconds heat_on(const std::string& pad, std::chrono::seconds duration,
                                 const std::string& reason, bool resume = false);
    // `by_hand` (all-heat-off, a person): no more heat tonight.
    void heat_off(const std::string& pad, const std::string& reason, bool by_hand = false);
    // The sleeper of `pad` is (not) asleep: a pad that is on goes off at once.
    void set_asleep(const std::string& pad, bool asleep, const std::string& reason);
    // The pad's sleeper started a new night: a hand's OFF no longer holds.
    void new_night(const std::string& pad);
    bool move_bed(const std::string& bed, const std::string& preset, const std::string& reason);
    // Crash-loop safe mode (safe_mode.hpp): every pad off, and every request
    // for heat or a bed move refused until it ends.
    void set_safe_mode(bool on);

    // Switches the pad on with a 5 s device cap and no OFF from bedtimed for
    // 15 s, and reports whether the plug switched itself off. Returns "" when
    // started, else why not; `done` gets the result text.
    std::string pad_test(const std::string& pad,
                         std::function<void(const std::string& result)> done);

    // On, however it came on (bedtimed or a hand).
    bool pad_on(const std::string& pad) const;
    // {"on","origin","off_at","cap","cap_method","cap_note","power_w","manual_off_tonight",
    //  "cool_until","test"} for <base>/pads/<pad>, bedtimectl status and Home Assistant.
    nlohmann::json pad_json(const std::string& pad) const;
    std::vector<std::string> pad_names() const;
    // Every actuator (pads, then beds) for the page's Devices and health:
    // {"name","kind","integration","reports","last_seen","stale","confirmed",
    //  "power_w","position"}. `last_seen`: the last message on the device's
    // state topics since bedtimed started (a retained one counts when it
    // arrived); `confirmed`: no report awaited for a command sent; `stale`:
    // a device that reports but said nothing since bedtimed started, or left
    // its last command unanswered after the retry. Not in pad_json(): the
    // retained <base>/pads/<pad> is sent on changes only, and would carry an
    // old last_seen.
    nlohmann::json devices_json() const;
    // Sessions that were running when bedtimed last stopped, with their end times.
    const std::map<std::string, WallTime>& interrupted_sessions() const { return interrupted_; }

private:
    struct Pad;
    struct Bed;
    void send(const std::vector<integrations::DeviceCommand>& cmds);
    // The one way into the governor: decide, then carry out what it says.
    heat::Verdict govern(Pad& pad, const heat::Event& event);
    heat::Limits limits_of(const Pad& pad) const;
    void command_pad(Pad& pad, const heat::Command& cmd);
    void expect_pad(Pad& pad);
    void confirm_timeout(Pad& pad, bool retry);
    void arm_deadline(Pad& pad);
    // pad_truth.cpp: reports, device facts, power, the pad test.
    void on_pad_message(Pad& pad, const Message& m, bool is_state);
    void learn(Pad& pad, const integrations::SwitchFacts& facts);
    void on_power(Pad& pad, double watts);
    void arm_power_check(Pad& pad);
    void finish_pad_test(Pad& pad, const std::string& result, bool verified);
    void on_bed_position(Bed& bed, double position);      // beds.cpp
    // actuator_state.cpp: every pad's entry, or only this pad's (the rest
    // of actuators.json is not serialised again).
    void persist();
    void persist(const Pad& pad);
    void save_unsaved();
    nlohmann::json pad_entry(const Pad& pad) const;
    void restore(Pad& pad, const nlohmann::json& entry);  // actuator_state.cpp
    void changed(const Pad& pad);
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
    bool unsaved_all_ = false;           // every pad's entry is rebuilt at the next save
    std::set<std::string> unsaved_pads_; // else only these
    std::map<std::string, std::unique_ptr<Pad>> pads_;
    std::map<std::string, std::unique_ptr<Bed>> beds_;
    std::map<std::string, WallTime> interrupted_;
    bool safe_mode_ = false;
    Journal journal_;
    Alert alert_;
    std::function<void(const std::string&)> manual_off_;
    std::function<void(const std::string&, const std::string&)> hand_change_;
    std::function<void(const std::string&)> pad_changed_;
};

}  // namespace bedtimed
