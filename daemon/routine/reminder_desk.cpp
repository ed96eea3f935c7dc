#include "reminder_desk.hpp"

#include "routine_runner.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "local_time.hpp"
#include "log.hpp"

namespace bedtimed {

namespace reminders {

std::optional<WallTime> quiet_until(const config::QuietHours& quiet, const date::time_zone* zone,
                                    WallTime now, std::optional<WallTime> bedtime) {
    if (!quiet.enabled) return std::nullopt;
    if (!quiet.from) {
        if (!bedtime || now < *bedtime) return std::nullopt;
        // The first `to` after bedtime (07:00 the next morning for a 22:30 bedtime;
        // the same day for one after midnight).
        const auto day = local_day(zone, *bedtime);
        WallTime end = at_local(zone, day, quiet.to);
        if (end <= *bedtime) end = at_local(zone, day + date::days(1), quiet.to);
        return now < end ? std::optional<WallTime>(end) : std::nullopt;
    }
    const int m = local_minutes(zone, now);
    const auto day = local_day(zone, now);
    const int from = *quiet.from, to = quiet.to;
    if (from < to) {  // within one day, e.g. 13:00-15:00
        if (m >= from && m < to) return at_local(zone, day, to);
        return std::nullopt;
    }
    // Across midnight, e.g. 23:30-07:00.
    if (m >= from) return at_local(zone, day + date::days(1), to);
    if (m < to) return at_local(zone, day, to);
    return std::nullopt;
}

QuietDecision decide_quiet(const integrations::Reminder& reminder, WallTime now,
                           const config::QuietHours& quiet, const date::time_zone* zone,
                           std::optional<WallTime> bedtime) {
    if (reminder.urgent) return {};
    const auto until = quiet_until(quiet, zone, now, bedtime);
    if (!until) return {};
    if (quiet.mode == config::QuietHours::Mode::drop) return {Verdict::drop, *until};
    return {Verdict::hold, *until};
}

SnoozeDecision decide_snooze(const StepState* step) {
    if (step == nullptr || !step->sent) return {false, "no reminder for that step was sent"};
    if (step->urgent) return {false, "a warning is not snoozed"};
    if (step->done) return {false, "that step is already done"};
    if (step->resend_pending) return {false, "already snoozed; it comes again soon"};
    if (step->snoozes >= kMaxSnoozes) return {false, "already snoozed twice"};
    return {true, {}};
}

std::chrono::minutes snooze_offered(const StepState& step, std::chrono::minutes snooze) {
    if (step.urgent || step.snoozes >= kMaxSnoozes) return std::chrono::minutes(0);
    return snooze;
}

}  // namespace reminders

namespace {
// Quiet hours are wall-clock times but timers run on steady time: look again
// at least this often, so an NTP step or a DST change moves the release with it.
constexpr Duration kRecheck = std::chrono::minutes(5);
}  // namespace

ReminderDesk::ReminderDesk(Clock& clock, Counters& counters, const config::Config& cfg, Send send,
                           Bedtime bedtime)
    : clock_(clock), counters_(counters), send_(std::move(send)), bedtime_(std::move(bedtime)),
      log_(logger("reminders")) {
    for (const auto& spec : cfg.sleepers) {
        SleeperDesk& s = sleepers_[spec.name];
        s.view(spec);
        s.release = clock_.make_timer();
    }
}

ReminderDesk::SleeperDesk* ReminderDesk::find(const std::string& sleeper) {
    auto it = sleepers_.find(sleeper);
    return it == sleepers_.end() ? nullptr : &it->second;
}

int ReminderDesk::submit(integrations::Reminder r) {
    SleeperDesk* s = find(r.sleeper);
    if (s == nullptr) return send_(r);
    // A new reminder for the step starts its snoozes afresh.
    Track& t = s->steps[r.step];
    if (t.again) t.again->cancel();
    cancel_repeat(t);
    t.state = reminders::StepState{};
    t.state.urgent = r.urgent;
    return gate(*s, std::move(r));
}

int ReminderDesk::gate(SleeperDesk& s, integrations::Reminder r) {
    const WallTime now = clock_.wall_now();
    const auto bedtime = bedtime_ ? bedtime_(r.sleeper) : std::nullopt;
    const auto d = reminders::decide_quiet(r, now, s.configured->quiet_hours, s.zone, bedtime);
    switch (d.verdict) {
        case reminders::Verdict::deliver:
            return deliver(s, std::move(r));
        case reminders::Verdict::hold:
            hold(s, std::move(r), d.until);
            return 0;
        case reminders::Verdict::drop:
            ++counters_.reminders_quiet_dropped;
            say(r.sleeper, fmt::format("quiet hours until {}: '{}' dropped",
                                       local_text(s.zone, d.until), r.step));
            return 0;
    }
    return 0;
}

int ReminderDesk::deliver(SleeperDesk& s, integrations::Reminder r) {
    Track& t = s.steps[r.step];
    r.snooze = reminders::snooze_offered(t.state, s.configured->snooze);
    t.state.sent = true;
    t.state.resend_pending = false;
    t.last = r;
    const int sent = send_(r);
    arm_repeat(s, t.last.step);
    return sent;
}

void ReminderDesk::hold(SleeperDesk& s, integrations::Reminder r, WallTime until) {
    ++counters_.reminders_held;
    // One per step: a newer reminder for the same step replaces the older one.
    s.held.erase(std::remove_if(s.held.begin(), s.held.end(),
                                [&](const integrations::Reminder& h) { return h.step == r.step; }),
                 s.held.end());
    say(r.sleeper,
        fmt::format("quiet hours until {}: '{}' held", local_text(s.zone, until), r.step));
    s.held.push_back(std::move(r));
    if (s.held.size() > reminders::kMaxHeld) {
        ++counters_.reminders_quiet_dropped;
        log_->warn("{}: more than {} reminders held; '{}' dropped", s.configured->name,
                   reminders::kMaxHeld, s.held.front().step);
        s.held.pop_front();
    }
    arm_release(s);
}

void ReminderDesk::arm_release(SleeperDesk& s) {
    const WallTime now = clock_.wall_now();
    const auto until =
        reminders::quiet_until(s.configured->quiet_hours, s.zone, now,
                               bedtime_ ? bedtime_(s.configured->name) : std::nullopt);
    Duration wait = until ? std::min<Duration>(kRecheck, *until - now) : Duration::zero();
    wait = std::max<Duration>(wait, std::chrono::seconds(1));
    SleeperDesk* sp = &s;
    s.release->arm(wait, [this, sp] { release(*sp); });
}

void ReminderDesk::release(SleeperDesk& s) {
    if (s.held.empty()) return;
    const WallTime now = clock_.wall_now();
    if (reminders::quiet_until(s.configured->quiet_hours, s.zone, now,
                               bedtime_ ? bedtime_(s.configured->name) : std::nullopt))
        return arm_release(s);
    std::deque<integrations::Reminder> due;
    due.swap(s.held);
    say(s.configured->name,
        fmt::format("quiet hours over: sending {} held reminder(s)", due.size()));
    for (auto& r : due) {
        if (!wanted(r)) {
            say(s.configured->name, "'" + r.step + "' held and no longer wanted: not sent");
            continue;
        }
        deliver(s, std::move(r));
    }
}

ReminderDesk::Answer ReminderDesk::snooze(const std::string& sleeper, const std::string& step) {
    SleeperDesk* s = find(sleeper);
    if (s == nullptr) return {false, "unknown sleeper \"" + sleeper + "\"", {}};
    auto it = s->steps.find(step);
    const auto d = reminders::decide_snooze(it == s->steps.end() ? nullptr : &it->second.state);
    if (!d.ok) return {false, d.refusal, {}};
    Track& t = it->second;
    if (!wanted(t.last)) return {false, "that question is already answered or over", {}};
    cancel_repeat(t);
    ++t.state.snoozes;
    t.state.resend_pending = true;
    ++counters_.reminders_snoozed;
    const auto after = s->configured->snooze;
    if (!t.again) t.again = clock_.make_timer();
    SleeperDesk* sp = s;
    t.again->arm(after, [this, sp, step] {
        Track& again = sp->steps[step];
        if (!again.state.resend_pending) return;
        again.state.resend_pending = false;
        integrations::Reminder r = again.last;
        if (!wanted(r)) {
            say(sp->configured->name, "'" + step + "' snoozed and no longer wanted: not sent");
            return;
        }
        r.at = clock_.wall_now();
        log_->info("{}: '{}' again after a snooze ({} of {})", sp->configured->name, step,
                   again.state.snoozes, reminders::kMaxSnoozes);
        gate(*sp, std::move(r));
    });
    const WallTime at = clock_.wall_now() + after;
    log_->info("{}: '{}' snoozed for {} min ({} of {})", sleeper, step, after.count(),
               t.state.snoozes, reminders::kMaxSnoozes);
    return {true, {}, at};
}

void ReminderDesk::done(const std::string& sleeper, const std::string& step) {
    SleeperDesk* s = find(sleeper);
    if (s == nullptr) return;
    auto it = s->steps.find(step);
    if (it == s->steps.end()) return;
    const bool was_open = it->second.state.sent && !it->second.state.done;
    it->second.state.done = true;
    it->second.state.resend_pending = false;
    if (it->second.again) it->second.again->cancel();
    cancel_repeat(it->second);
    // Done on one phone: the others' copy goes where the channel can clear it.
    if (was_open && clear_) clear_(it->second.last);
    // A held reminder for a step already done has nothing left to say.
    s->held.erase(std::remove_if(s->held.begin(), s->held.end(),
                                 [&](const integrations::Reminder& h) { return h.step == step; }),
                  s->held.end());
}

std::size_t ReminderDesk::held(const std::string& sleeper) const {
    auto it = sleepers_.find(sleeper);
    return it == sleepers_.end() ? 0 : it->second.held.size();
}

void ReminderDesk::say(const std::string& sleeper, const std::string& text) {
    log_->info("{}: {}", sleeper, text);
    if (timeline_) timeline_(sleeper, text);
}

std::unique_ptr<ReminderDesk> attach_reminder_desk(Clock& clock, Counters& counters,
                                                   const config::Config& cfg,
                                                   RoutineRunner& runner) {
    RoutineRunner* r = &runner;
    auto desk = std::make_unique<ReminderDesk>(
        clock, counters, cfg, [r](const integrations::Reminder& m) { return r->send_now(m); },
        [r](const std::string& sleeper) { return r->bedtime_of(sleeper); });
    ReminderDesk* d = desk.get();
    runner.set_outgoing([d](const integrations::Reminder& m) { return d->submit(m); });
    desk->set_clear([r](const integrations::Reminder& m) { r->clear_now(m); });
    return desk;
}

}  // namespace bedtimed
