// The heat governor: the one place that decides whether a heating pad may be
// on. Every request to heat (pre-warm, long pre-warm, an episode, a resumed
// session, the pad test) and every fact about a pad (a state report from the
// plug, the sleeper falling asleep, a reconnect, the passing of time, a hand
// switching it) goes through decide(), whoever it comes from. It owns the
// invariants the product promises:
//
//  1. continuous on-time never exceeds `max_on`, however the pad came on: a
//     request while the pad is on can only use what is left of the period
//     that began when it came on, and a pad switched on by other means is
//     switched off at its cap, which a later routine ON does not restart.
//     Heat with breaks shorter than `min_off` counts as one period: an ON
//     soon after an OFF gets only what is left of the period's `max_on`;
//  2. after a period that ran to its cap, no heat for `min_off` (cool-down);
//  3. no heat while the sleeper is asleep: a request is refused, and any pad
//     that is on, however it came on, is switched off at the first sign of
//     sleep (callers report sleep at once and re-check every minute);
//  4. an OFF by hand (a report of OFF that bedtimed did not cause and that is
//     not the plug's own timer, or an all-heat-off command) wins for the rest
//     of the night; the plug's own timer is told apart by the cap the plug
//     was actually given, never by bedtimed's plan;
//  5. a reconnect, a start and a shutdown switch every pad off.
// Every refusal and every OFF carries its reason (Verdict::reason).
//
// Pure: a function of the pad's state, its limits, the event and the time;
// no I/O, no clock of its own. Time is the steady clock, so a wall-clock step
// never lengthens heat; the executor (daemon/heat/actuators.*) converts to wall
// time only to persist a state across a restart.
// Threads: any (no shared state). Nothing throws apart from std::bad_alloc.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <variant>

#include "clock.hpp"

namespace bedtimed::heat {

using Seconds = std::chrono::seconds;

struct Limits {
    Seconds max_on{30 * 60};   // longest continuous on-time, whoever switched it on
    Seconds min_off{30 * 60};  // cool-down after a period that reached max_on
    // The plug is told a cap of its own (its facts say it has one). When
    // false, heat stops on bedtimed's timer only.
    bool device_cap = true;
    // The plug reports its state after a command. When false (simulate, a
    // plug without state reports) nothing is awaited: every command counts as
    // confirmed at once.
    bool reports_state = true;
};

// Who switched the pad on.
enum class Origin { none, bedtimed, outside };

struct PadState {
    bool on = false;  // on, as far as bedtimed knows (commanded, or reported)
    // Reports still awaited, in order, for the commands sent: each command
    // that changes what bedtimed asked for awaits one report of that state.
    // ON, OFF, ON sent faster than the plug answers await ON, OFF, ON; the
    // first ON report confirms only the first ON, so the OFF report after it
    // is bedtimed's own, not a hand's. The queue alternates and ends with the
    // last commanded state, so a count says it all (awaited_next()).
    int reports_awaited = 0;
    bool last_commanded_on = false;
    bool confirmed() const { return reports_awaited == 0; }
    // The state the next awaited report must show (reports_awaited > 0).
    bool awaited_next() const {
        return reports_awaited % 2 == 1 ? last_commanded_on : !last_commanded_on;
    }
    Origin origin = Origin::none;
    SteadyTime on_since{};                    // start of the current continuous on-period
    SteadyTime off_at{};                      // when bedtimed switches it off; <= on_since + max_on
    std::optional<SteadyTime> device_off_at;  // when the plug's own timer ends, as it was told
    std::optional<SteadyTime> cool_until;     // no heat before this
    bool manual_off_tonight = false;          // a hand switched it off: no more heat this night
    bool asleep = false;                      // the last sleep state reported for its sleeper
    // A session a restart interrupted: its period began here (resume only).
    std::optional<SteadyTime> interrupted_since;
    // Heat with breaks shorter than min_off is one period: when the pad went
    // off last, and how much of the period it had used by then. A new ON
    // within min_off of that gets only what is left (on_since is set back).
    std::optional<SteadyTime> last_off_at;
    Seconds period_used{0};
    // The state the plug last reported since the last command that awaits a
    // report; what ConfirmTimeout judges by.
    std::optional<bool> report_since_command;
    // An ON of bedtimed's not yet seen in a report; when a hand switches the
    // pad off meanwhile, that ON may still reach the plug after the hand: its
    // ON report is then switched off again, not taken for a new hand's ON.
    bool on_in_flight = false;
    bool late_on_expected = false;
};

// Ask for heat for `wanted` (clamped to what the limits leave).
struct Request {
    Seconds wanted{0};
    std::string reason;   // "pre-warm until 22:30", "episode 42"
    bool resume = false;  // continue the period in interrupted_since, never a fresh one
    // The plug's own cap for this session instead of bedtimed's end + margin
    // (the pad test: a 5 s cap inside a 15 s session). Never longer than that.
    std::optional<Seconds> device_cap;
};
// Ask for the pad to be off. `by_hand` (an all-heat-off command, a hand) holds for the night.
struct Release {
    std::string reason;
    bool by_hand = false;
};
// The plug reported its state.
struct Report {
    bool on = false;
};
struct SleepChanged {
    bool asleep = false;
    std::string reason;  // "sleep sensor reads asleep"
};
struct Tick {};         // time passed (the executor's timer, at next_deadline())
struct Reconnected {};  // the broker connection came back
struct NewNight {};     // the sleeper's night rolled over: a hand's OFF no longer holds
// bedtimed started: whatever the plug does, it is switched off (an old ON
// report after this is an old state, never a hand's ON).
struct Started {};
// `confirm_timeout` passed since the last command with reports still
// awaited; by then every report on its way has come. If the plug's last
// report shows the last command's state, it answered it and did not report
// the ones before (a plug that reports only changes): confirmed. If it shows
// OFF after an ON, a hand or a plug that refused: that ON is never pushed
// again (a hand's OFF for the night). Otherwise the command is sent once more
// (`retry`), or, after the retry, counted as unconfirmed.
struct ConfirmTimeout {
    bool retry = true;
};
using Event = std::variant<Request, Release, Report, SleepChanged, Tick, Reconnected, NewNight,
                           Started, ConfirmTimeout>;

// What to tell the plug.
struct Command {
    bool on = false;
    Seconds device_cap{0};  // on only: the plug's own cap; 0 = send none
};

struct Verdict {
    PadState next;
    std::optional<Command> command;
    // Why it acted or refused; empty when nothing worth saying happened.
    std::string reason;
    bool refused = false;      // a Request that was turned down
    Seconds granted{0};        // a Request: heat granted from now on
    bool manual_off = false;   // this event was a hand switching the pad off
    bool safety_off = false;   // switched off by a limit (cap, asleep, outside ON while asleep)
    bool resend = false;       // ConfirmTimeout: send the last command again
    bool unconfirmed = false;  // ConfirmTimeout after the retry: the plug never answered
};

// The one decision. `now` is the steady clock.
Verdict decide(const PadState& state, const Limits& limits, const Event& event, SteadyTime now);

// When decide() must next be called with Tick, if ever.
std::optional<SteadyTime> next_deadline(const PadState& state);

// An OFF report this close to the plug's own end is the plug's timer (the
// plug and bedtimed count from slightly different instants).
inline constexpr Seconds kDeviceTimerTolerance{10};
// The plug's own cap ends this long after bedtimed's planned OFF, so that
// bedtimed's OFF (and its confirmation) normally comes first. Never past
// on_since + max_on.
inline constexpr Seconds kDeviceMargin{60};
// At most this many reports are awaited; an older one is taken as lost. The
// confirmation timeout normally keeps the count at a handful: this only
// bounds a plug that never answers.
inline constexpr int kMaxReportsAwaited = 64;

}  // namespace bedtimed::heat
