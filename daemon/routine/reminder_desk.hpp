// Between the routine and the notifiers: quiet hours (hold or drop
// non-urgent reminders while the sleeper sleeps) and the answers to a
// reminder's buttons (Done stops it, Snooze sends it again later).
//
// The decisions are pure functions of the reminder, the time and the config
// (namespace reminders); ReminderDesk is the thin executor that keeps what
// was sent and held, and arms the timers.
//
// Held reminders and snoozes live in memory only: a restart forgets them
// (the cramp log keeps what counts, the acknowledgements). Both are bounded:
// at most kMaxHeld held per sleeper (one per step; the oldest goes first) and
// at most kMaxSnoozes snoozes per reminder.
//
// Threads: loop thread only. Borrows Clock, Counters and the Config (owned by
// App, which outlives it; a reload makes a new desk). Nothing throws apart
// from std::bad_alloc.
#pragma once

#include <date/tz.h>
#include <spdlog/logger.h>

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "clock.hpp"
#include "config.hpp"
#include "counters.hpp"
#include "notifier.hpp"
#include "sleeper_view.hpp"

namespace bedtimed {

namespace reminders {

inline constexpr int kMaxSnoozes = 2;
inline constexpr std::size_t kMaxHeld = 16;

// When the quiet hours around `now` end; nullopt when `now` is not in them.
// `bedtime` is tonight's (the plan's), needed only for `from: bedtime`
// (nullopt there = no routine tonight = no quiet hours). Times are local
// to `zone`, DST rules as in local_time.hpp.
std::optional<WallTime> quiet_until(const config::QuietHours& quiet, const date::time_zone* zone,
                                    WallTime now, std::optional<WallTime> bedtime);

enum class Verdict { deliver, hold, drop };
struct QuietDecision {
    Verdict verdict = Verdict::deliver;
    WallTime until{};  // hold: when the quiet hours end
};

// Urgent reminders are always delivered; others are held or dropped inside
// the quiet hours, as configured.
QuietDecision decide_quiet(const integrations::Reminder& reminder, WallTime now,
                           const config::QuietHours& quiet, const date::time_zone* zone,
                           std::optional<WallTime> bedtime);

// What the desk knows of the last reminder for one sleeper's step.
struct StepState {
    bool sent = false;  // delivered to the notifiers (not just held)
    bool urgent = false;
    bool done = false;            // "Done" came back
    bool resend_pending = false;  // snoozed, not sent again yet
    int snoozes = 0;              // since the reminder was first sent
    int repeats = 0;              // sent again unanswered (reminder_repeat.cpp)
};

// An unanswered reminder comes again `repeat_every` later, at most
// `repeat_times` times (config::ReminderStep; `step` null = a step that does
// not repeat): never once Done, snoozed or urgent. nullopt = no more.
std::optional<std::chrono::minutes> repeat_after(const StepState& state,
                                                 const config::ReminderStep* step);

struct SnoozeDecision {
    bool ok = false;
    std::string refusal;  // why not, for the command's reply
};

// Snooze is allowed for a sent, non-urgent reminder that is not done, not
// already waiting to come again, and snoozed fewer than kMaxSnoozes times.
SnoozeDecision decide_snooze(const StepState* step);

// The Snooze button's length to show on a reminder: zero once it has been
// snoozed kMaxSnoozes times, or for an urgent one.
std::chrono::minutes snooze_offered(const StepState& step, std::chrono::minutes snooze);

}  // namespace reminders

class ReminderDesk {
public:
    // Sends to the sleeper's notifiers at once; returns how many.
    using Send = std::function<int(const integrations::Reminder&)>;
    // Tonight's bedtime of a sleeper, if there is a routine tonight.
    using Bedtime = std::function<std::optional<WallTime>(const std::string& sleeper)>;

    ReminderDesk(Clock& clock, Counters& counters, const config::Config& cfg, Send send,
                 Bedtime bedtime);

    // A new reminder: delivered, held or dropped by the sleeper's quiet hours.
    // Returns how many notifiers it went to now (0 when held or dropped).
    int submit(integrations::Reminder reminder);

    struct Answer {
        bool ok = true;
        std::string error;
        WallTime again_at{};  // snooze: when it comes again
    };
    // "Snooze": the step's last reminder again after the sleeper's snooze_minutes.
    Answer snooze(const std::string& sleeper, const std::string& step);
    // "Done": no more snoozes of the step's reminder (the cramp log records it).
    void done(const std::string& sleeper, const std::string& step);

    std::size_t held(const std::string& sleeper) const;
    // Clears a reminder on the phones where the channel can (Done on one
    // phone clears the others); unset = nothing to clear.
    void set_clear(std::function<void(const integrations::Reminder&)> fn) {
        clear_ = std::move(fn);
    }
    // Whether a reminder is still wanted when it would go out again (after a
    // snooze, or held through quiet hours); unset = always. The morning
    // check-in's question is not once it is answered or its night is over.
    void set_still_wanted(std::function<bool(const integrations::Reminder&)> fn) {
        still_wanted_ = std::move(fn);
    }
    // (sleeper, what happened) for `simulate`'s timeline: held, dropped, released, snoozed.
    void set_timeline(std::function<void(const std::string&, const std::string&)> fn) {
        timeline_ = std::move(fn);
    }

private:
    struct Track {
        integrations::Reminder last;
        reminders::StepState state;
        std::unique_ptr<Timer> again;
        std::unique_ptr<Timer> repeat;  // reminder_repeat.cpp
    };
    // What the desk keeps per sleeper, beside the shared view of its config.
    struct SleeperDesk : SleeperView {
        std::map<std::string, Track> steps;
        std::deque<integrations::Reminder> held;
        std::unique_ptr<Timer> release;
    };

    int gate(SleeperDesk& s, integrations::Reminder r);
    int deliver(SleeperDesk& s, integrations::Reminder r);
    void hold(SleeperDesk& s, integrations::Reminder r, WallTime until);
    void arm_release(SleeperDesk& s);
    void release(SleeperDesk& s);
    SleeperDesk* find(const std::string& sleeper);
    void arm_repeat(SleeperDesk& s, const std::string& step);  // reminder_repeat.cpp
    static void cancel_repeat(Track& t);
    void say(const std::string& sleeper, const std::string& text);

    Clock& clock_;
    Counters& counters_;
    Send send_;
    Bedtime bedtime_;
    std::shared_ptr<spdlog::logger> log_;
    std::map<std::string, SleeperDesk> sleepers_;
    std::function<void(const std::string&, const std::string&)> timeline_;
    std::function<void(const integrations::Reminder&)> clear_;
    std::function<bool(const integrations::Reminder&)> still_wanted_;
    bool wanted(const integrations::Reminder& r) const {
        return !still_wanted_ || still_wanted_(r);
    }
};

class RoutineRunner;
// The one place the reminder desk is put between a routine runner and its
// notifiers; the Household (app/household.hpp) calls it for the daemon, its
// reload, `simulate`, --check-config and the tests alike, so that all honour
// quiet hours and Snooze the same way.
std::unique_ptr<ReminderDesk> attach_reminder_desk(Clock& clock, Counters& counters,
                                                   const config::Config& cfg,
                                                   RoutineRunner& runner);

}  // namespace bedtimed
