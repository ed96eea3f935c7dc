// Reminders that see it through (reminder_desk.hpp): an unanswered reminder
// is sent again every `repeat_every`, at most `repeat_times` times, through
// the quiet hours like any reminder; Done or Snooze stops it.
#include <fmt/format.h>

#include "reminder_desk.hpp"
#include "steps.hpp"

namespace bedtimed {

namespace reminders {

std::optional<std::chrono::minutes> repeat_after(const StepState& state,
                                                 const config::ReminderStep* step) {
    if (step == nullptr || step->repeat_times <= 0) return std::nullopt;
    if (!state.sent || state.urgent || state.done || state.resend_pending) return std::nullopt;
    if (state.repeats >= step->repeat_times) return std::nullopt;
    return step->repeat_every;
}

}  // namespace reminders

namespace {

// The reminder step's config for `step` ("stretch"); null for anything else
// (an episode's guidance, a notice, the test message).
const config::ReminderStep* reminder_spec(const config::SleeperSpec& s, const std::string& step) {
    const routine::StepRow* row = routine::find_step(step);
    return row ? row->reminder(s) : nullptr;
}

}  // namespace

void ReminderDesk::cancel_repeat(Track& t) {
    if (t.repeat) t.repeat->cancel();
}

void ReminderDesk::arm_repeat(SleeperDesk& s, const std::string& step) {
    Track& t = s.steps[step];
    const auto after = reminders::repeat_after(t.state, reminder_spec(*s.configured, step));
    if (!after) return;
    if (!t.repeat) t.repeat = clock_.make_timer();
    SleeperDesk* sp = &s;
    t.repeat->arm(*after, [this, sp, step] {
        Track& again = sp->steps[step];
        const auto* spec = reminder_spec(*sp->configured, step);
        if (!reminders::repeat_after(again.state, spec)) return;
        ++again.state.repeats;
        integrations::Reminder r = again.last;
        r.at = clock_.wall_now();
        say(sp->configured->name, fmt::format("'{}' again: no answer yet ({} of {})", step,
                                              again.state.repeats, spec->repeat_times));
        gate(*sp, std::move(r));
    });
}

}  // namespace bedtimed
