// Internal to the routine runner (routine_life.cpp): what it keeps per
// sleeper for the nights that follow life (routine/life.hpp): the profile
// chosen, the away state and what it is decided from, tonight's bedtime from
// the house, and the devices left alone (hand-offs). Loop thread only; plain
// data; nothing throws.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "life.hpp"

namespace bedtimed {

struct RunnerLife {
    std::optional<routine::ProfileChoice> choice;  // persisted
    routine::ProfileInForce profile;  // `spec` is cleared after use (it points into a spec)
    routine::AwayState away;
    bool away_known = false;                  // away decided at least once since start
    std::optional<bool> presence_last;        // the presence reading's last meaning
    std::optional<WallTime> presence_change;  // persisted
    std::optional<WallTime> last_bed_use;     // persisted
    // Tonight's bedtime from the house: for which night, and the one applied.
    std::string house_night;
    std::optional<WallTime> house_bedtime;  // persisted
    std::string house_why;
    // Devices left alone until then (a hand changed them).
    std::map<std::string, WallTime> hand_offs;  // persisted
    // The evening shaped by the profile and away, and what it was shaped from.
    struct ShapeKey {
        const config::SleeperSpec* base = nullptr;
        std::uint64_t revision = 0;
        std::string profile;
        bool away = false;
        bool operator==(const ShapeKey&) const = default;
    };
    std::optional<ShapeKey> key;
    config::SleeperSpec shaped;
};

}  // namespace bedtimed
