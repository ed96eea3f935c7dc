// Operational counters, shown in logs, on `<base>/counters` and by bedtimectl.
// Threads: loop thread only (plain integers, no atomics needed). Never throws.
#pragma once

#include <cstdint>
#include <string>

namespace bedtimed {

struct Counters {
    std::uint64_t connects = 0;
    std::uint64_t disconnects = 0;
    std::uint64_t connect_failures = 0;
    std::uint64_t mqtt_client_resets = 0;  // a fresh Paho client after repeated drops at connect
    std::uint64_t messages_in = 0;
    std::uint64_t messages_out = 0;
    std::uint64_t publish_failures = 0;
    std::uint64_t payloads_rejected = 0;  // malformed or invalid, oversized included
    std::uint64_t payloads_oversized = 0;
    std::uint64_t episodes_rejected = 0;       // of payloads_rejected: bad episode payloads
    std::uint64_t sensor_values_rejected = 0;  // of payloads_rejected: bad sensor payloads
    std::uint64_t device_reports_ignored = 0;  // device state messages that said nothing readable
    std::uint64_t sensor_updates = 0;
    std::uint64_t episodes_accepted = 0;
    std::uint64_t episodes_duplicate = 0;
    std::uint64_t rules_fired = 0;
    std::uint64_t stale_sensor_checks = 0;  // conditions false because a sensor was stale
    std::uint64_t device_commands = 0;
    std::uint64_t device_unconfirmed = 0;  // no state report after a retry
    std::uint64_t heat_sessions = 0;
    std::uint64_t heat_safety_offs = 0;  // cap reached, asleep, or an unexpected "on"
    std::uint64_t manual_offs = 0;
    std::uint64_t heat_refused = 0;       // a request for heat the governor turned down
    std::uint64_t device_cap_failed = 0;  // a plug shown not to take its own cap (now "none")
    std::uint64_t pad_no_power = 0;       // a pad ON but drawing nothing
    std::uint64_t pad_off_drawing = 0;    // a pad OFF but still drawing power
    std::uint64_t pad_tests = 0;          // pad tests run (bedtimectl pad-test)
    std::uint64_t bed_moves = 0;
    std::uint64_t reminders_sent = 0;
    // HTTP notifiers (ntfy, gotify, ha_app, webhook): one count per reminder and channel.
    std::uint64_t notify_delivered = 0;  // answered 2xx (after retries, if any)
    std::uint64_t notify_retries = 0;    // tries repeated after a failed one
    std::uint64_t notify_failures = 0;   // given up: all tries failed, or a 4xx answer
    std::uint64_t notify_dropped = 0;    // pushed out of a full queue, never tried
    // Quiet hours and Snooze (reminder_desk.hpp): one count per reminder.
    std::uint64_t reminders_held = 0;  // kept back until quiet hours end
    std::uint64_t reminders_quiet_dropped =
        0;  // dropped in quiet hours (mode: drop, or the hold was full)
    std::uint64_t reminders_snoozed = 0;  // Snooze accepted; sent again later
    std::uint64_t config_reloads = 0;
    std::uint64_t config_reload_failures = 0;
    std::uint64_t episodes_stored = 0;    // committed to the cramp log (wearables and by hand)
    std::uint64_t store_failures = 0;     // a write to the cramp log failed (disk full, read-only)
    std::uint64_t commands = 0;           // command-topic requests carried out
    std::uint64_t commands_rejected = 0;  // refused: malformed, unknown, or not possible
    std::uint64_t notices_sent = 0;       // "when to worry" notices and weekly digests
    std::uint64_t tier_changes = 0;

    // A compact JSON object of every counter.
    std::string to_json() const;
};

}  // namespace bedtimed
