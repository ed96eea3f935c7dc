// The verb table (MPD's AllCommands): every verb of the command topic
// `<base>/cmd/<verb>` is one row of kVerbs below, with its argument struct and
// its parser next to it. The same names are bedtimectl's commands, with '-'
// for '_' (ctl_name()); an older name stays accepted as the row's alias.
//
// A verb's handler is the `run` overload for its argument type in
// dispatch.cpp: std::visit over Command does not compile without one. So a
// new verb is: a struct, a parser and a row here; its handler in
// dispatch.cpp; its command line in ctl/ (docs/architecture.md).
//
// Pure: no I/O, no clock ("now" is passed in). Any thread. The parsers throw
// Refused (fields.hpp) for a bad payload, which parse_command turns into a
// CommandError; nothing else is thrown apart from std::bad_alloc.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "clock.hpp"
#include "episode_store.hpp"
#include "fields.hpp"

namespace bedtimed::commands {

// ---- The verbs' arguments ----------------------------------------------

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
// Every pad off now, and no more routine heat tonight.
struct PadOff {};
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
    std::optional<int>
        minutes;  // local minutes after midnight; nullopt ("auto") = the configured bedtimes
};

// The morning check-in's answer for a night (cramplog/checkin.hpp), and details
// added later. Payload {"sleeper","answer","night"?, details?}, or the
// button's action id: BEDTIMED_CHECKIN:<sleeper>:<answer>.
struct CheckIn {
    std::string sleeper;
    std::string answer;   // none, one, two_or_more (0, 1, 2, 2+ accepted)
    std::string night;    // "" = the night that ends at the coming noon
    std::string channel;  // ctl, home_assistant, phone, web (the page)
    std::string muscle, side, notes;
    std::optional<double> severity;
    std::optional<EpisodeFlags> flags;
};
// Start or stop an n-of-1 experiment on one step (cramplog/experiment.hpp).
struct Experiment {
    bool start = true;  // start, else stop (unless set_weeks)
    std::string sleeper, step;
    // nullopt = the sleeper's chosen length (CrampLog::experiment_weeks, 6 until set).
    std::optional<int> weeks;
    std::optional<std::uint64_t> seed;  // nullopt = drawn by the daemon
    // Action "weeks": only sets the length the next start takes (HA's number).
    bool set_weeks = false;
};
// Nights that follow life (routine/life.hpp): a profile for the sleeper
// ("normal" = the config as written), optionally until a time; control of a
// device a hand changed back to bedtimed ("" = every one).
struct SetProfile {
    std::string sleeper, profile;
    std::string until;  // "" = until changed; RFC 3339, "YYYY-MM-DD HH:MM" or "HH:MM" (local)
};
struct HandBack {
    std::string sleeper, device;
};

using Command =
    std::variant<LogEpisode, EditEpisode, MarkEpisode, Travel, PadOff, TestNotify, Acknowledge,
                 SetTier, SetRoutineEnabled, SetStepEnabled, StartRoutine, SetBedtime, Snooze,
                 PadTest, Resume, CheckIn, Experiment, SetProfile, HandBack>;

// ---- The parsers (one per verb; the table below names them) ------------

namespace parse {

inline constexpr double kMaxDurationS = 24 * 3600;

inline Command log(Fields& f, WallTime now) {
    LogEpisode c;
    c.sleeper = f.text("sleeper", 64);
    c.start = f.time("start", now).value_or(now);
    c.duration_s = f.number("duration_s", 0, kMaxDurationS).value_or(0);
    c.muscle = f.text("muscle", 40);
    c.side = f.side();
    c.notes = f.text("notes", 1000);
    c.severity = f.number("severity", 0, 10);
    bool given = false;
    c.flags = f.flags(given);
    c.id = f.text("id", 64);
    if (!c.id.empty() && !valid_request_id(c.id))
        throw Refused{"\"id\" may hold only A-Z a-z 0-9 _ -"};
    return c;
}

inline Command edit(Fields& f, WallTime now) {
    EditEpisode c;
    c.source = f.text("source", 64, true);
    c.source_id = f.text("source_id", 128, true);
    c.edit.start = f.time("start", now);
    c.edit.duration_s = f.number("duration_s", 0, kMaxDurationS);
    if (f.get("muscle")) c.edit.muscle = f.text("muscle", 40);
    if (f.get("side")) c.edit.side = f.side();
    if (f.get("notes")) c.edit.notes = f.text("notes", 1000);
    c.edit.severity = f.number("severity", 0, 10);
    bool given = false;
    const auto flags = f.flags(given);
    if (given) c.edit.flags = flags;
    return c;
}

template <MarkEpisode::Mark kMark>
Command mark(Fields& f, WallTime) {
    return MarkEpisode{kMark, f.text("source", 64, true), f.text("source_id", 128, true)};
}

inline Command travel(Fields& f, WallTime now) {
    Travel c;
    c.sleeper = f.text("sleeper", 64);
    c.ended = f.time("ended", now).value_or(now);
    return c;
}

inline Command pad_off(Fields&, WallTime) { return PadOff{}; }
inline Command pad_test(Fields& f, WallTime) { return PadTest{f.text("pad", 64, true)}; }
inline Command resume(Fields&, WallTime) { return Resume{}; }
inline Command test_notify(Fields& f, WallTime) { return TestNotify{f.text("sleeper", 64)}; }

inline Command ack(Fields& f, WallTime) {
    return Acknowledge{f.text("sleeper", 64, true), f.text("step", 40, true)};
}

inline Command snooze(Fields& f, WallTime) {
    return Snooze{f.text("sleeper", 64, true), f.text("step", 40, true)};
}

inline Command tier(Fields& f, WallTime) {
    SetTier c;
    c.sleeper = f.text("sleeper", 64);
    c.tier = f.text("tier", 20, true);
    if (c.tier != "auto" && c.tier != "calm" && c.tier != "moderate" && c.tier != "frequent")
        throw Refused{"\"tier\" must be auto, calm, moderate or frequent"};
    return c;
}

inline Command routine(Fields& f, WallTime) {
    return SetRoutineEnabled{f.text("sleeper", 64), f.required_flag("enabled")};
}

inline Command step(Fields& f, WallTime) {
    SetStepEnabled c;
    c.sleeper = f.text("sleeper", 64);
    c.step = f.text("step", 40, true);
    c.enabled = f.required_flag("enabled");
    return c;
}

inline Command start_routine(Fields& f, WallTime) { return StartRoutine{f.text("sleeper", 64)}; }

inline Command bedtime(Fields& f, WallTime) {
    SetBedtime c;
    c.sleeper = f.text("sleeper", 64);
    const std::string t = f.text("bedtime", 10, true);
    if (t != "auto") {
        c.minutes = hhmm_minutes(t);
        if (!c.minutes) throw Refused{"\"bedtime\" must be HH:MM (00:00 to 23:59) or auto"};
    }
    return c;
}

inline Command checkin(Fields& f, WallTime) {
    CheckIn c;
    c.sleeper = f.text("sleeper", 64);
    c.answer = f.text("answer", 20, true);
    if (c.answer == "0" || c.answer == "no_cramps") c.answer = "none";
    else if (c.answer == "1") c.answer = "one";
    else if (c.answer == "2" || c.answer == "2+") c.answer = "two_or_more";
    if (c.answer != "none" && c.answer != "one" && c.answer != "two_or_more")
        throw Refused{"\"answer\" must be none, one or two_or_more (0, 1, 2+)"};
    c.night = f.text("night", 10);
    if (!c.night.empty() && !(c.night.size() == 10 && c.night[4] == '-' && c.night[7] == '-'))
        throw Refused{"\"night\" must be YYYY-MM-DD (the night's evening)"};
    c.channel = f.text("channel", 20);
    if (c.channel.empty()) c.channel = "ctl";
    if (c.channel != "ctl" && c.channel != "home_assistant" && c.channel != "phone" &&
        c.channel != "web")
        throw Refused{"\"channel\" must be ctl, home_assistant, phone or web"};
    c.muscle = f.text("muscle", 40);
    c.side = f.side();
    c.notes = f.text("notes", 1000);
    c.severity = f.number("severity", 0, 10);
    bool given = false;
    const auto flags = f.flags(given);
    if (given) c.flags = flags;
    return c;
}

inline Command experiment(Fields& f, WallTime) {
    Experiment c;
    const std::string action = f.text("action", 10, true);
    if (action != "start" && action != "stop" && action != "weeks")
        throw Refused{"\"action\" must be start, stop or weeks"};
    c.start = action == "start";
    c.set_weeks = action == "weeks";
    c.sleeper = f.text("sleeper", 64);
    c.step = f.text("step", 40, c.start);
    if (const auto weeks = f.number("weeks", 1, 52)) c.weeks = static_cast<int>(*weeks);
    if (c.set_weeks && !c.weeks) throw Refused{"\"weeks\" is required with action weeks"};
    if (auto seed = f.number("seed", 0, 9007199254740991.0))
        c.seed = static_cast<std::uint64_t>(*seed);
    return c;
}

inline Command profile(Fields& f, WallTime) {
    SetProfile c;
    c.sleeper = f.text("sleeper", 64);
    c.profile = f.text("profile", 32, true);
    c.until = f.text("until", 40);
    return c;
}

inline Command hand_back(Fields& f, WallTime) {
    return HandBack{f.text("sleeper", 64), f.text("device", 64)};
}

}  // namespace parse

// ---- The table ---------------------------------------------------------

// Who sends a verb; what its payload may look like follows from it.
enum Caller : unsigned {
    kByCtl = 1,            // bedtimectl (every verb): a JSON object with a request_id
    kByHomeAssistant = 2,  // a discovered button, switch, select or text: JSON, or a bare "PRESS"
    kByPhone = 4,  // a reminder's button: its action id as the whole payload (action_prefix)
};

struct Verb {
    std::string_view name;   // the topic's last level; bedtimectl: ctl_name()
    std::string_view alias;  // an older name, still accepted on the topic ("" = none)
    unsigned callers;        // Caller bits
    Command (*parse)(Fields&, WallTime now);
    std::string_view summary;        // one line, for `bedtimectl help` and the docs
    std::string_view action_prefix;  // kByPhone: "BEDTIMED_DONE:" answers this verb
    // The reply comes when the work ends, up to this long (bedtimectl waits so long at least).
    std::chrono::seconds reply_within{0};
    // kByPhone: the field the action id's last part fills (<prefix><sleeper>:<value>).
    std::string_view action_field = "step";
};

constexpr Verb row(std::string_view name, std::string_view alias, unsigned callers,
                   Command (*parse)(Fields&, WallTime), std::string_view summary,
                   std::string_view action_prefix = {}, std::chrono::seconds reply_within = {},
                   std::string_view action_field = "step") {
    return Verb{name, alias, callers, parse, summary, action_prefix, reply_within, action_field};
}

inline constexpr unsigned kCtlAndHa = kByCtl | kByHomeAssistant;

// Sorted by name (checked below), one row per verb.
inline constexpr Verb kVerbs[] = {
    row("ack", "", kByCtl | kByPhone, parse::ack,
        "\"Done\" on tonight's reminder of a step (for \"what helps\")", "BEDTIMED_DONE:"),
    row("bedtime", "", kCtlAndHa, parse::bedtime,
        "set a sleeper's bedtime (HH:MM, every night), or auto: the config's again"),
    row("checkin", "", kCtlAndHa | kByPhone, parse::checkin,
        "answer the morning check-in for a night (none, one, two_or_more), details optional",
        "BEDTIMED_CHECKIN:", {}, "answer"),
    row("confirm", "", kByCtl, parse::mark<MarkEpisode::Mark::confirm>,
        "confirm that an episode from a wearable was a real cramp"),
    row("delete", "", kByCtl, parse::mark<MarkEpisode::Mark::remove>,
        "delete an episode from the log"),
    row("edit", "", kByCtl, parse::edit, "correct a logged episode"),
    row("experiment", "", kCtlAndHa, parse::experiment,
        "start or stop an n-of-1 experiment that withholds one step on random nights, or set "
        "the weeks the next start takes"),
    row("false_positive", "", kByCtl, parse::mark<MarkEpisode::Mark::false_positive>,
        "mark an episode as a false positive (kept, but left out of all stats)"),
    row("hand_back", "", kCtlAndHa, parse::hand_back,
        "hand a device a person switched back to bedtimed (the routine looks after it again)"),
    row("log", "", kCtlAndHa, parse::log,
        "log a cramp by hand (sent to bedtimed, which writes it to the log)"),
    row("pad_off", "heat_off", kCtlAndHa, parse::pad_off,
        "EMERGENCY: switch every heating pad off now"),
    row("pad_test", "", kCtlAndHa, parse::pad_test,
        "prove that a heating pad's plug switches itself off", "", std::chrono::seconds(30)),
    row("profile", "", kCtlAndHa, parse::profile,
        "choose a sleeper's profile (normal, guest, travel...), optionally until a time"),
    row("resume", "", kCtlAndHa, parse::resume,
        "end crash-loop safe mode (heat and the routine run again)"),
    row("routine", "", kCtlAndHa, parse::routine,
        "switch a sleeper's whole evening routine on or off"),
    row("snooze", "", kByCtl | kByPhone, parse::snooze,
        "\"Snooze\" on tonight's reminder of a step (sent again later)", "BEDTIMED_SNOOZE:"),
    row("start_routine", "", kCtlAndHa, parse::start_routine,
        "start tonight's remaining routine now"),
    row("step", "", kCtlAndHa, parse::step, "switch one step of a sleeper's routine on or off"),
    row("test_notify", "", kByCtl, parse::test_notify,
        "send a test notification through every configured notifier"),
    row("tier", "", kCtlAndHa, parse::tier,
        "pin a sleeper's tier (calm, moderate, frequent), or auto"),
    row("travel", "", kByCtl, parse::travel,
        "record long travel or immobility (for the blood-clot notice)"),
};

static_assert(std::is_sorted(std::begin(kVerbs), std::end(kVerbs),
                             [](const Verb& a, const Verb& b) { return a.name < b.name; }),
              "kVerbs must stay sorted by name");

// The row for a topic's last level: its name or its alias; null when unknown.
inline const Verb* find_verb(std::string_view name) noexcept {
    const auto* it = std::lower_bound(std::begin(kVerbs), std::end(kVerbs), name,
                                      [](const Verb& v, std::string_view n) { return v.name < n; });
    if (it != std::end(kVerbs) && it->name == name) return it;
    for (const auto& v : kVerbs)
        if (!v.alias.empty() && v.alias == name) return &v;
    return nullptr;
}

// bedtimectl's name of a verb: the same, with '-' for '_' ("pad_off" -> "pad-off").
inline std::string ctl_name(const Verb& verb) {
    std::string s(verb.name);
    std::replace(s.begin(), s.end(), '_', '-');
    return s;
}

}  // namespace bedtimed::commands
