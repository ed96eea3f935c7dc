// Command topics: what bedtimectl, Home Assistant and scripts may ask of the
// running daemon, parsed strictly from untrusted MQTT payloads.
//
// Protocol: publish a JSON object to `<base>/cmd/<verb>` (QoS 1, not
// retained). With a "request_id" ([A-Za-z0-9_-]{1,64}) the daemon answers on
// `<base>/reply/<request_id>` with {"ok":true,...} or {"ok":false,"error":...}.
// Unknown verbs, unknown fields and wrong types are refused, never guessed at.
//
// Pure: no I/O, no clock ("now" is passed in). Any thread. Never throws apart
// from std::bad_alloc: a bad payload yields a CommandError.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "clock.hpp"
#include "episode_store.hpp"

namespace bedtimed::commands {

// Hand-logged episode (bedtimectl log, a Home Assistant button).
struct LogEpisode {
    std::string sleeper;  // empty = the only sleeper
    WallTime start;
    double duration_s = 0;
    std::string muscle, side, notes;
    std::optional<double> severity;
    EpisodeFlags flags;
    std::string id;  // empty = the daemon makes one
};
struct EditEpisode {
    std::string source, source_id;
    EpisodeEdit edit;
};
// confirm, false_positive, delete
struct MarkEpisode {
    enum class Mark { confirm, false_positive, remove } mark = Mark::confirm;
    std::string source, source_id;
};
struct Travel {
    std::string sleeper;
    WallTime ended;
};
struct HeatOff {};
// Prove a pad's own cap: on with a 5 s device cap, watched for 15 s
// (Actuators::pad_test). The reply comes when the test ends.
struct PadTest {
    std::string pad;
};
// Leave crash-loop safe mode (safe_mode.hpp).
struct Resume {};
struct TestNotify {
    std::string sleeper;  // empty = every sleeper
};
// "Done" on a reminder: the step counts as acknowledged for "what helps".
// Payload {"sleeper","step"}, or the button's action id as sent back by the
// phone: BEDTIMED_DONE:<sleeper>:<step> (integrations/notifier.hpp).
struct Acknowledge {
    std::string sleeper, step;
};
// "Snooze" on a reminder: send it again later (at most twice; ReminderDesk).
// Payload {"sleeper","step"}, or BEDTIMED_SNOOZE:<sleeper>:<step>.
struct Snooze {
    std::string sleeper, step;
};
struct SetTier {
    std::string sleeper;
    std::string tier;  // auto, calm, moderate, frequent
};

// The routine's switches (Home Assistant): the whole evening, one step, a
// start now, a bedtime. Persisted by the RoutineRunner in routine.json.
struct SetRoutineEnabled {
    std::string sleeper;
    bool enabled = true;
};
struct SetStepEnabled {
    std::string sleeper, step;  // step: one of routine::switchable_steps() (steps.hpp)
    bool enabled = true;
};
struct StartRoutine {
    std::string sleeper;
};
struct SetBedtime {
    std::string sleeper;
    std::optional<int> minutes;  // local minutes after midnight; nullopt ("auto") = the configured bedtimes
};

using Command = std::variant<LogEpisode, EditEpisode, MarkEpisode, Travel, HeatOff, TestNotify, Acknowledge,
                             SetTier, SetRoutineEnabled, SetStepEnabled, StartRoutine, SetBedtime, Snooze, PadTest,
                             Resume>;

struct CommandError {
    std::string reason;
};

struct Request {
    std::string request_id;  // "" = no reply wanted
    std::variant<Command, CommandError> command;
};

// The verbs, for subscriptions, help texts and tests.
inline constexpr std::string_view kVerbs[] = {"log",    "edit",     "confirm",    "false_positive", "delete",
                                              "travel", "heat_off", "test_notify", "ack",           "tier",
                                              "routine", "step",     "start_routine", "bedtime", "snooze",
                                              "pad_test", "resume"};

// `verb` is the topic's last level. A request_id is taken even when the rest
// of the payload is refused, so the sender hears why.
Request parse_command(std::string_view verb, std::string_view payload, WallTime now);

bool valid_request_id(std::string_view id) noexcept;

}  // namespace bedtimed::commands
