// Plain data for the evening routines: sleepers, their devices (actuators),
// and where reminders go (notifiers). Included by config.hpp only (it needs
// Condition); threading as there: immutable after load. Nothing here throws.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace bedtimed::config {

// An integration-specific option as written, with its position for errors.
// Most options are scalars; an integration may also accept a list (`tags:
// [a, b]`) or a map (`headers: {X-Key: v}`), kept as a tree with a position
// on every node so that a bad element is reported where it is.
struct Option {
    enum class Shape { scalar, list, map };
    Option() = default;
    // A scalar, as most options are.
    Option(std::string v, int l, int c) : value(std::move(v)), line(l), column(c) {}
    std::string value;  // a scalar's text; empty for a list or a map
    int line = 0, column = 0;
    Shape shape = Shape::scalar;
    std::vector<Option> items;      // list elements, or map values (in file order)
    std::vector<std::string> keys;  // map keys, parallel to items; empty for a list
};
using Options = std::map<std::string, Option>;

struct ActuatorSpec {
    enum class Kind { heating_pad, bed };
    std::string name;
    Kind kind = Kind::heating_pad;
    std::string integration;  // zigbee2mqtt, tasmota, shelly_gen2, esphome, generic
    Options options;          // read and validated by the integration
    // Heating pads: the hard cap on one heat session, enforced by the daemon
    // and, where the integration can, armed on the device itself.
    std::chrono::seconds max_on{30 * 60};
    // Heating pads: after a session that ran to its cap, the least time off
    // before heat may come on again (the heat governor's cool-down).
    std::chrono::seconds min_off{30 * 60};
    // Heating pads whose plug reports power: below this draw (W) an ON pad is
    // taken as not heating (unplugged, or its own switch off); 0 = never checked.
    double min_power_w = 10.0;
    // Beds: named positions in percent, and the least time between two moves.
    std::map<std::string, double> presets;
    std::chrono::seconds min_move_interval{60};
    // How long to wait for the device to report the commanded state.
    std::chrono::seconds confirm_timeout{10};
    int line = 0, column = 0;
};

struct NotifierSpec {
    std::string name;
    std::string type;  // log, mqtt, ntfy, gotify, ha_app, webhook
    Options options;
    int line = 0, column = 0;
};

// Extra conditions any routine step can carry.
struct StepConditions {
    std::vector<Condition> conditions;  // sensor comparisons, "sensor.x < 18"
    std::array<bool, 7> weekdays{true, true, true, true, true, true, true};  // [0] = Sunday
    std::optional<std::pair<int, int>> window;  // local minutes [from, to); may wrap midnight
    std::optional<bool> in_bed;
};

struct ReminderStep {
    bool enabled = true;
    std::chrono::minutes offset{0};  // from bedtime; negative = before
    std::string title;
    std::string message;
    StepConditions when;
    // An unanswered reminder is sent again every `repeat_every`, at most
    // `repeat_times` more times (0 = never); Done or Snooze stops it.
    std::chrono::minutes repeat_every{10};
    int repeat_times = 0;
};

struct PrewarmStep {
    bool enabled = true;
    std::chrono::minutes minutes{15};
    // A colder room warms longer, always within the pad's cap.
    std::string cold_sensor;  // empty = no cold rule
    double cold_below = 18.0;
    std::chrono::minutes cold_minutes{25};
    StepConditions when;
};

struct ElevationStep {
    bool enabled = true;
    std::string raised_preset = "legs_raised";
    std::string flat_preset = "flat";
    // Getting into bed raises the legs only inside this local window...
    int evening_from = 18 * 60, evening_to = 3 * 60;
    // ...and leaving it goes back to flat only after this local time.
    int morning_from = 5 * 60;
};

struct ActiveDayStep {
    bool enabled = false;
    std::string sensor;
    double above = 15000;
    int after = 17 * 60;  // local minutes: the reading counts from this time on
    std::chrono::minutes offset{-45};
    std::string title = "Busy day";
    std::string message;
};

struct EpisodeResponse {
    bool heat = true;
    std::chrono::minutes heat_minutes{15};
    int max_heats_per_night = 2;
    std::string title = "Leg cramp";
    std::string message;
};

// Long travel or sitting still: a boolean sensor that reads true while the
// sleeper is immobile (a car, a flight, a "stationary" activity sensor). When
// it has been true for `min_duration` and turns false, the cramp log records
// travel, as `bedtimectl travel` would (the clot notice reads it).
struct ImmobilityRule {
    std::string sensor;
    std::chrono::minutes min_duration{240};
};

// Quiet hours: between sleep and wake, non-urgent reminders are held back
// (delivered when the quiet hours end) or dropped. Urgent notices always go.
struct QuietHours {
    bool enabled = false;
    std::optional<int> from;  // minutes after local midnight; nullopt = tonight's bedtime
    int to = 7 * 60;          // minutes after local midnight
    enum class Mode { hold, drop } mode = Mode::hold;
};

// The morning check-in (daemon/cramplog/checkin.hpp): `checkin: {at: "07:30"}`.
// Without a bed sensor the question goes out at `at`; with one it goes out
// when the sleeper gets up, and `at` is the latest time (the sleeper may stay
// in bed, or the sensor may miss the getting up). Between 04:00 and 11:59:
// the question is about a night, and the night ends at noon.
struct CheckinSpec {
    // Minutes after local midnight; nullopt = the default: the end of quiet
    // hours when they are on, else 07:30 (without a bed sensor); 10:00 with one.
    std::optional<int> at;
};

// A named profile (guest, travel, sick, vacation): what it switches off and
// how it moves or fixes the bedtime. "normal" is the config as written and is
// never listed here (config/life_loader.cpp).
struct ProfileSpec {
    std::string name;
    std::vector<std::string> steps_off;  // switchable step ids (daemon/routine/steps.hpp)
    bool heat = true;                    // false: no pre-warm, no heat for an episode
    bool elevation = true;               // false: the bed never moves
    bool reminders = true;               // false: no timed reminder steps
    std::optional<int> bedtime;          // local minutes, every night; wins over bedtime_shift
    std::chrono::minutes bedtime_shift{0};
    int line = 0, column = 0;
};

// Away: no heat, no bed moves, no reminders. From a presence sensor (bool:
// true = home; enum: one of away_values = away), or the bed unused this long.
struct AwayRule {
    std::string presence_sensor;  // "" = none
    std::vector<std::string> away_values{"not_home", "away"};
    // 0 = the bed's use is not looked at; needs the occupancy sensor.
    std::chrono::minutes unused_after{36 * 60};
};

// Tonight's bedtime from a reading: an HA input_datetime, a phone's next
// alarm, any timestamp or HH:MM; the schedule is the fallback.
struct BedtimeSource {
    std::string sensor;                       // a `time` sensor
    std::chrono::minutes offset{-8 * 60};     // bedtime = reading + offset
    int earliest = 20 * 60, latest = 1 * 60;  // local bounds of the evening (may wrap)
    std::chrono::minutes fixed_before{60};    // the plan is fixed this long before bedtime
};

// Hand-offs: a device changed by other means is left alone this long
// (0 = for the rest of the night).
struct HandOffRule {
    bool enabled = true;
    std::chrono::minutes hold{0};
};

struct SleeperSpec {
    std::string name;
    std::string timezone;  // IANA name; empty = the system's
    // Minutes after local midnight, per weekday ([0] = Sunday); nullopt = no routine that day.
    std::array<std::optional<int>, 7> bedtime;
    std::string wearable;
    std::string occupancy_sensor;
    std::string sleep_sensor;
    std::vector<std::string> asleep_values{"asleep", "sleeping", "light", "deep", "rem", "core"};
    // In bed this long with no episode since counts as asleep.
    std::chrono::minutes asleep_after_in_bed{30};
    std::string heating_pad;  // actuator names; empty = none
    std::string bed;
    std::vector<std::string> notifiers;
    QuietHours quiet_hours;
    // "Snooze" on a reminder sends it again this much later (at most twice).
    std::chrono::minutes snooze{10};
    std::optional<ImmobilityRule> immobility;
    CheckinSpec checkin;

    ReminderStep hydration{true, std::chrono::minutes(-90), "Time for a glass of water", "", {}};
    ReminderStep supplement{false, std::chrono::minutes(-60), "Evening reminder", "", {}};
    ReminderStep stretch{
        true, std::chrono::minutes(-20), "Stretch before bed", "", {}, std::chrono::minutes(10), 2};
    // Not configurable: the adaptive "frequent" tier switches it on (cramplog/adaptation.hpp).
    ReminderStep extra_stretch{
        false,
        std::chrono::minutes(-5),
        "One more stretch",
        "A last gentle calf stretch before you lie down: about 30 seconds each side.",
        {}};
    PrewarmStep prewarm;
    ElevationStep elevation;
    ActiveDayStep active_day;
    EpisodeResponse episode;
    // Nights that follow life (config/life_loader.cpp, daemon/routine/life.hpp).
    std::vector<ProfileSpec> profiles;
    std::optional<AwayRule> away;
    std::optional<BedtimeSource> bedtime_from;
    HandOffRule hand_off;
    const ProfileSpec* find_profile(const std::string& n) const {
        for (const auto& p : profiles)
            if (p.name == n) return &p;
        return nullptr;
    }
    int line = 0, column = 0;
    // Not configuration: bedtimed gives every adapted evening it builds a new
    // revision, so a cached night plan knows when the spec under it changed.
    std::uint64_t revision = 0;
};

}  // namespace bedtimed::config
