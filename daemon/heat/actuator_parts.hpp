// Internal to heat/: what the Actuators' source files share (actuators.cpp,
// pad_truth.cpp, beds.cpp, actuator_state.cpp): the per-pad and per-bed
// records, the power and pad-test constants, and the steady/wall conversion
// used to persist and show the governor's instants. Not for use outside heat/.
//
// Threads: loop thread only (the records belong to one Actuators).
// Nothing here throws apart from std::bad_alloc.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "actuators.hpp"

namespace bedtimed {

using namespace std::chrono_literals;

namespace actuator_parts {
// Power checks. Pads cycle their element, so "drawing" is the maximum over a
// window, and the window is long enough for plugs polled every 60 s.
inline constexpr auto kPowerWindow = 90s;
inline constexpr double kOffDrawingWatts = 2.0;
inline constexpr auto kOffDrawingRepeat = 60s;  // the OFF is repeated at most this often
inline constexpr auto kAlertRepeat = 30min;     // and the urgent notice at most this often
// No plug switches more than 16 A at 250 V: a larger reading is garbage.
inline constexpr double kMaxPlausibleWatts = 4000.0;
// The pad test: the plug is told to switch itself off after 5 s; bedtimed's
// own OFF comes only at 15 s.
inline constexpr auto kTestDeviceCap = 5s;
inline constexpr auto kTestSession = 15s;

inline std::int64_t epoch_s(WallTime t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}
inline WallTime from_epoch(std::int64_t s) { return WallTime{std::chrono::seconds(s)}; }
inline const char* origin_name(heat::Origin o) {
    switch (o) {
        case heat::Origin::bedtimed:
            return "bedtimed";
        case heat::Origin::outside:
            return "outside";
        case heat::Origin::none:
            break;
    }
    return "none";
}

// The governor counts in steady time; files and topics need wall time. One
// reading of both clocks, so every instant of one state is converted alike.
struct ClockPair {
    WallTime wall_now;
    SteadyTime steady_now;
    explicit ClockPair(const Clock& clock)
        : wall_now(clock.wall_now()), steady_now(clock.steady_now()) {}
    WallTime wall(SteadyTime t) const {
        // Whole seconds only in epoch_s(): truncating here as well lost a
        // second whenever the pair was taken off a whole second.
        return wall_now + std::chrono::duration_cast<WallTime::duration>(t - steady_now);
    }
    SteadyTime steady(WallTime t) const {
        return steady_now + std::chrono::duration_cast<Duration>(t - wall_now);
    }
};
}  // namespace actuator_parts

struct Actuators::Pad {
    const config::ActuatorSpec* spec;
    std::unique_ptr<integrations::SwitchDevice> device;
    heat::PadState gov;               // the governor's state; only govern() changes it
    integrations::SwitchFacts facts;  // what the plug can really do, as learned
    heat::Command last_command;
    std::unique_ptr<Timer> deadline_timer;  // the governor's next deadline
    std::unique_ptr<Timer> confirm_timer;
    std::unique_ptr<Timer> power_timer;
    // Power (plugs that report it).
    std::optional<double> power_w;
    double max_power_on = 0;  // the most drawn since the last ON was confirmed
    std::optional<SteadyTime> off_sent_at;
    std::optional<SteadyTime> off_repeated_at;
    std::optional<SteadyTime> alert_at;
    // The pad test.
    bool testing = false;
    bool test_saw_on = false;
    SteadyTime test_started{};
    std::function<void(const std::string&)> test_done;
    nlohmann::json test_result;  // {"result","verified","method","at"}; null = never tested
    // For the page's Devices: when the plug last spoke on a state topic, and
    // whether it left the last command unanswered after the retry.
    std::optional<WallTime> last_seen;
    bool unanswered = false;
};

struct Actuators::Bed {
    const config::ActuatorSpec* spec;
    std::unique_ptr<integrations::PositionDevice> device;
    std::optional<double> target;
    std::optional<double> reported;
    std::optional<SteadyTime> last_move;
    std::unique_ptr<Timer> confirm_timer;
    std::optional<WallTime> last_seen;  // as for a pad
    bool unanswered = false;
};

}  // namespace bedtimed
