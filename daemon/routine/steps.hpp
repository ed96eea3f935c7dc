// The step catalogue: every timed step of the evening routine, one row each.
// The plan (routine.cpp), the runner, Home Assistant discovery (the switches),
// the `step` command and the cramp log's digest all read these rows; nothing
// else keeps a list of steps.
//
// Adding a step: a field in config/household.hpp, its parsing in
// config/routine_loader.cpp, a row here and, for a new StepKind, its case in
// routine::decide_step (routine.cpp). The rows' order is the plan's order for
// steps due at the same minute and the switches' display order.
//
// Plain constant data (compile-time); any thread. Nothing throws apart from
// std::bad_alloc in switchable_steps().
#pragma once

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config.hpp"

namespace bedtimed::routine {

// How a step is decided: routine::decide_step has one case per kind. `count`
// is not a kind; it closes the list so that a test can walk every kind.
enum class StepKind { reminder, active_day, prewarm_cold, prewarm, count };

struct StepRow {
    // In the plan, the state file, the `step`, `ack` and `snooze` commands,
    // the reminders' buttons and the cramp log's routine runs.
    std::string_view id;
    StepKind kind;
    // The digest's words after "you did": "the stretch".
    std::string_view label;
    // The Home Assistant switch (and `step` command) that turns the step on
    // and off: its own id, another row's id (the long pre-warm goes with the
    // pre-warm), or "" for none (the extra stretch belongs to the adaptive tier).
    std::string_view switched_by;
    // Looked at again until bedtime while it has not acted, never counted as
    // missed and not moved by "start now": a reading that crosses the
    // threshold later still gets its reminder.
    bool open_until_bedtime;

    // The config accessors. Whether the sleeper's config has the step on
    // (its switch is offered only then):
    bool (*configured)(const config::SleeperSpec&);
    // When it runs, from bedtime (negative = before); nullopt = not tonight:
    std::optional<std::chrono::minutes> (*offset)(const config::SleeperSpec&);
    // A reminder step's text and conditions; nullptr for other kinds:
    const config::ReminderStep* (*reminder)(const config::SleeperSpec&);
    // The sensor whose reading can change the step's decision; "" = none:
    std::string_view (*sensor)(const config::SleeperSpec&);
};

namespace steps_detail {

using config::SleeperSpec;
using Minutes = std::optional<std::chrono::minutes>;

template <config::ReminderStep SleeperSpec::*field>
constexpr StepRow reminder_row(std::string_view id, std::string_view label,
                               std::string_view switched_by) {
    return StepRow{
        id,
        StepKind::reminder,
        label,
        switched_by,
        /*open_until_bedtime=*/false,
        [](const SleeperSpec& s) { return (s.*field).enabled; },
        [](const SleeperSpec& s) {
            return (s.*field).enabled ? Minutes((s.*field).offset) : Minutes();
        },
        [](const SleeperSpec& s) { return &(s.*field); },
        [](const SleeperSpec&) { return std::string_view(); },
    };
}

// Written positionally, so that the build (-Wextra -Werror) refuses a row
// that leaves a field out: every row says its label and its switch.
inline constexpr StepRow kRows[] = {
    reminder_row<&SleeperSpec::hydration>("hydration", "the glass of water", "hydration"),
    reminder_row<&SleeperSpec::supplement>("supplement", "the evening reminder", "supplement"),
    reminder_row<&SleeperSpec::stretch>("stretch", "the stretch", "stretch"),
    // Switched on by the adaptive "frequent" tier (cramplog/adaptation.hpp), not by config.
    reminder_row<&SleeperSpec::extra_stretch>("extra_stretch", "the extra stretch", ""),
    StepRow{
        "active_day",
        StepKind::active_day,
        "the busy-day reminder",
        "active_day",
        /*open_until_bedtime=*/true,
        [](const SleeperSpec& s) { return s.active_day.enabled; },
        [](const SleeperSpec& s) {
            return s.active_day.enabled ? Minutes(s.active_day.offset) : Minutes();
        },
        [](const SleeperSpec&) -> const config::ReminderStep* { return nullptr; },
        [](const SleeperSpec& s) { return std::string_view(s.active_day.sensor); },
    },
    // Only when the cold-room rule asks for more than the plain pre-warm.
    StepRow{
        "prewarm_cold",
        StepKind::prewarm_cold,
        "the long pre-warm",
        "prewarm",
        /*open_until_bedtime=*/false,
        [](const SleeperSpec& s) { return s.prewarm.enabled && !s.prewarm.cold_sensor.empty(); },
        [](const SleeperSpec& s) {
            const auto& p = s.prewarm;
            return p.enabled && !p.cold_sensor.empty() && p.cold_minutes > p.minutes
                       ? Minutes(-p.cold_minutes)
                       : Minutes();
        },
        [](const SleeperSpec&) -> const config::ReminderStep* { return nullptr; },
        [](const SleeperSpec& s) { return std::string_view(s.prewarm.cold_sensor); },
    },
    StepRow{
        "prewarm",
        StepKind::prewarm,
        "the pre-warm",
        "prewarm",
        /*open_until_bedtime=*/false,
        [](const SleeperSpec& s) { return s.prewarm.enabled && !s.heating_pad.empty(); },
        [](const SleeperSpec& s) {
            return s.prewarm.enabled ? Minutes(-s.prewarm.minutes) : Minutes();
        },
        [](const SleeperSpec&) -> const config::ReminderStep* { return nullptr; },
        [](const SleeperSpec&) { return std::string_view(); },
    },
};

}  // namespace steps_detail

// Every row, in plan order.
inline constexpr std::span<const StepRow> kSteps{steps_detail::kRows};

// The row of `id`; nullptr when no step has that id.
const StepRow* find_step(std::string_view id) noexcept;

// The digest's words for step `id` ("the stretch"); "" for an id no row has.
std::string_view step_label(std::string_view id) noexcept;

// The switches the sleeper's routine offers (Home Assistant's, the `step`
// command's), in display order: a row that is its own switch, when the
// sleeper's config has it on.
std::vector<std::string> switchable_steps(const config::SleeperSpec& sleeper);

}  // namespace bedtimed::routine
