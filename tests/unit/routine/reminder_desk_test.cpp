// Quiet hours and Done/Snooze: the pure decisions (reminders::), the desk
// that carries them out on a ManualClock, their config, and the ack/snooze
// command payloads the phone buttons send back.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "commands.hpp"
#include "ingest.hpp"
#include "loader.hpp"
#include "local_time.hpp"
#include "manual_clock.hpp"
#include "reminder_desk.hpp"

namespace bedtimed {
namespace {

using namespace std::chrono_literals;
using config::QuietHours;
using integrations::Reminder;
using reminders::Verdict;

WallTime at(const char* iso) { return *parse_iso8601(iso); }

QuietHours quiet(std::optional<int> from, int to, QuietHours::Mode mode = QuietHours::Mode::hold) {
    QuietHours q;
    q.enabled = true;
    q.from = from;
    q.to = to;
    q.mode = mode;
    return q;
}

Reminder reminder(std::string step, bool urgent = false) {
    return Reminder{"alex", std::move(step), "Title", "Message", urgent, {}};
}

const date::time_zone* utc() { return zone_named("UTC"); }

config::Config household(const std::string& sleeper_extra) {
    return config::parse_config(
        "notifiers: [{name: log, type: log}]\n"
        "sleepers:\n"
        "  - name: alex\n"
        "    timezone: UTC\n"
        "    bedtime: \"22:30\"\n"
        "    notify: [log]\n" +
            sleeper_extra +
            // Each send counts here; repeats are reminder_repeat_test.cpp's. Last, so
            // that the errors' line numbers stay those of `sleeper_extra`.
            "    routine: {stretch: {repeat: off}}\n",
        "mem.yaml");
}

// ---- quiet hours: the pure decision -----------------------------------------

TEST(QuietHours, AWindowAcrossMidnightHoldsUntilItsEndAndLetsUrgentThrough) {
    const auto q = quiet(23 * 60 + 30, 7 * 60);
    EXPECT_EQ(reminders::decide_quiet(reminder("stretch"), at("2026-11-26T23:29:00Z"), q, utc(), {})
                  .verdict,
              Verdict::deliver);
    auto d = reminders::decide_quiet(reminder("stretch"), at("2026-11-26T23:30:00Z"), q, utc(), {});
    EXPECT_EQ(d.verdict, Verdict::hold);
    EXPECT_EQ(d.until, at("2026-11-27T07:00:00Z"));
    d = reminders::decide_quiet(reminder("stretch"), at("2026-11-27T03:10:00Z"), q, utc(), {});
    EXPECT_EQ(d.verdict, Verdict::hold);
    EXPECT_EQ(d.until, at("2026-11-27T07:00:00Z"));
    EXPECT_EQ(reminders::decide_quiet(reminder("stretch"), at("2026-11-27T07:00:00Z"), q, utc(), {})
                  .verdict,
              Verdict::deliver);
    EXPECT_EQ(reminders::decide_quiet(reminder("red_flag", true), at("2026-11-27T03:10:00Z"), q,
                                      utc(), {})
                  .verdict,
              Verdict::deliver);
    const auto drop = quiet(23 * 60 + 30, 7 * 60, QuietHours::Mode::drop);
    EXPECT_EQ(
        reminders::decide_quiet(reminder("stretch"), at("2026-11-27T03:10:00Z"), drop, utc(), {})
            .verdict,
        Verdict::drop);
    EXPECT_EQ(reminders::decide_quiet(reminder("stretch"), at("2026-11-27T03:10:00Z"), QuietHours{},
                                      utc(), {})
                  .verdict,
              Verdict::deliver);
}

TEST(QuietHours, FromBedtimeStartsAtTonightsBedtimeAndNeedsOne) {
    const auto q = quiet(std::nullopt, 7 * 60);
    const WallTime bedtime = at("2026-11-26T22:30:00Z");
    EXPECT_EQ(
        reminders::decide_quiet(reminder("stretch"), at("2026-11-26T22:29:00Z"), q, utc(), bedtime)
            .verdict,
        Verdict::deliver);
    const auto d =
        reminders::decide_quiet(reminder("stretch"), at("2026-11-26T22:30:00Z"), q, utc(), bedtime);
    EXPECT_EQ(d.verdict, Verdict::hold);
    EXPECT_EQ(d.until, at("2026-11-27T07:00:00Z"));
    EXPECT_EQ(
        reminders::decide_quiet(reminder("stretch"), at("2026-11-27T07:00:00Z"), q, utc(), bedtime)
            .verdict,
        Verdict::deliver);
    // No routine tonight: no bedtime, no quiet hours.
    EXPECT_EQ(reminders::decide_quiet(reminder("stretch"), at("2026-11-27T01:00:00Z"), q, utc(),
                                      std::nullopt)
                  .verdict,
              Verdict::deliver);
    // A bedtime after midnight ends the same morning.
    EXPECT_EQ(
        reminders::quiet_until(q, utc(), at("2026-11-27T01:00:00Z"), at("2026-11-27T00:30:00Z")),
        at("2026-11-27T07:00:00Z"));
}

TEST(QuietHours, AWindowWithinOneDayAndLocalTimeInTheSleepersZone) {
    const auto afternoon = quiet(13 * 60, 15 * 60);
    EXPECT_EQ(reminders::quiet_until(afternoon, utc(), at("2026-11-26T14:00:00Z"), {}),
              at("2026-11-26T15:00:00Z"));
    EXPECT_FALSE(reminders::quiet_until(afternoon, utc(), at("2026-11-26T15:00:00Z"), {}));
    EXPECT_FALSE(reminders::quiet_until(afternoon, utc(), at("2026-11-26T12:59:00Z"), {}));
    // 23:30-07:00 in Berlin (UTC+1 in November) is 22:30-06:00 UTC.
    const auto night = quiet(23 * 60 + 30, 7 * 60);
    const auto* berlin = zone_named("Europe/Berlin");
    EXPECT_EQ(reminders::quiet_until(night, berlin, at("2026-11-26T22:45:00Z"), {}),
              at("2026-11-27T06:00:00Z"));
    EXPECT_FALSE(reminders::quiet_until(night, berlin, at("2026-11-26T22:15:00Z"), {}));
}

// ---- snooze: the pure decision ----------------------------------------------

TEST(SnoozeDecision, OnlyASentUnfinishedNonUrgentReminderAtMostTwice) {
    EXPECT_EQ(reminders::decide_snooze(nullptr).refusal, "no reminder for that step was sent");
    reminders::StepState s;
    EXPECT_FALSE(reminders::decide_snooze(&s).ok);  // held, not sent yet
    s.sent = true;
    EXPECT_TRUE(reminders::decide_snooze(&s).ok);
    EXPECT_EQ(reminders::snooze_offered(s, 10min), 10min);
    s.snoozes = 1;
    EXPECT_TRUE(reminders::decide_snooze(&s).ok);
    s.snoozes = 2;
    EXPECT_EQ(reminders::decide_snooze(&s).refusal, "already snoozed twice");
    EXPECT_EQ(reminders::snooze_offered(s, 10min), 0min);
    s.snoozes = 0;
    s.resend_pending = true;
    EXPECT_FALSE(reminders::decide_snooze(&s).ok);
    s.resend_pending = false;
    s.done = true;
    EXPECT_EQ(reminders::decide_snooze(&s).refusal, "that step is already done");
    s.done = false;
    s.urgent = true;
    EXPECT_EQ(reminders::decide_snooze(&s).refusal, "a warning is not snoozed");
    EXPECT_EQ(reminders::snooze_offered(s, 10min), 0min);
}

// ---- the desk on a ManualClock ----------------------------------------------

struct Desk {
    config::Config cfg;
    ManualClock clock;
    Counters counters;
    std::vector<Reminder> sent;
    std::optional<WallTime> bedtime;
    ReminderDesk desk;

    Desk(const std::string& extra, const char* start)
        : cfg(household(extra)), clock(at(start)),
          desk(
              clock, counters, cfg,
              [this](const Reminder& r) {
                  sent.push_back(r);
                  return 1;
              },
              [this](const std::string&) { return bedtime; }) {}
};

TEST(ReminderDeskQuiet, HeldRemindersGoOutOnceWhenQuietHoursEndAndUrgentOnesAtOnce) {
    Desk d("    quiet_hours: {from: \"23:30\", to: \"07:00\", mode: hold}\n",
           "2026-11-26T23:00:00Z");
    EXPECT_EQ(d.desk.submit(reminder("stretch")), 1);
    d.clock.advance(45min);  // 23:45
    EXPECT_EQ(d.desk.submit(reminder("hydration")), 0);
    EXPECT_EQ(d.desk.submit(reminder("hydration")), 0);  // the same step again: replaces the first
    EXPECT_EQ(d.desk.submit(reminder("red_flag", true)), 1);
    EXPECT_EQ(d.desk.held("alex"), 1u);
    EXPECT_EQ(d.counters.reminders_held, 2u);
    ASSERT_EQ(d.sent.size(), 2u);
    EXPECT_EQ(d.sent[1].step, "red_flag");
    d.clock.advance(7h + 14min);  // 06:59
    EXPECT_EQ(d.sent.size(), 2u);
    d.clock.advance(2min);  // 07:01
    ASSERT_EQ(d.sent.size(), 3u);
    EXPECT_EQ(d.sent[2].step, "hydration");
    EXPECT_EQ(d.desk.held("alex"), 0u);
    d.clock.advance(24h);
    EXPECT_EQ(d.sent.size(), 3u);  // each once
}

TEST(ReminderDeskQuiet, DropModeCountsAndTheHoldIsBounded) {
    Desk drop("    quiet_hours: {from: bedtime, to: \"07:00\", mode: drop}\n",
              "2026-11-26T23:00:00Z");
    drop.bedtime = at("2026-11-26T22:30:00Z");
    EXPECT_EQ(drop.desk.submit(reminder("stretch")), 0);
    EXPECT_EQ(drop.counters.reminders_quiet_dropped, 1u);
    drop.clock.advance(10h);
    EXPECT_TRUE(drop.sent.empty());

    Desk hold("    quiet_hours: {from: \"23:30\", to: \"07:00\"}\n", "2026-11-27T01:00:00Z");
    for (std::size_t i = 0; i < reminders::kMaxHeld + 3; ++i)
        hold.desk.submit(reminder("step" + std::to_string(i)));
    EXPECT_EQ(hold.desk.held("alex"), reminders::kMaxHeld);
    EXPECT_EQ(hold.counters.reminders_quiet_dropped, 3u);
    hold.clock.advance(6h + 1min);
    ASSERT_EQ(hold.sent.size(), reminders::kMaxHeld);
    EXPECT_EQ(hold.sent.front().step, "step3");  // the oldest went first
}

TEST(ReminderDeskSnooze, SnoozeSendsAgainAfterTheSnoozeTimeAtMostTwice) {
    Desk d("", "2026-11-26T21:00:00Z");
    d.desk.submit(reminder("stretch"));
    ASSERT_EQ(d.sent.size(), 1u);
    EXPECT_EQ(d.sent[0].snooze, 10min);
    auto answer = d.desk.snooze("alex", "stretch");
    ASSERT_TRUE(answer.ok) << answer.error;
    EXPECT_EQ(answer.again_at, at("2026-11-26T21:10:00Z"));
    EXPECT_FALSE(d.desk.snooze("alex", "stretch").ok);  // a second tap before it came again
    d.clock.advance(9min);
    EXPECT_EQ(d.sent.size(), 1u);
    d.clock.advance(1min);
    ASSERT_EQ(d.sent.size(), 2u);
    EXPECT_EQ(d.sent[1].step, "stretch");
    EXPECT_EQ(d.sent[1].snooze, 10min);
    ASSERT_TRUE(d.desk.snooze("alex", "stretch").ok);
    d.clock.advance(10min);
    ASSERT_EQ(d.sent.size(), 3u);
    EXPECT_EQ(d.sent[2].snooze, 0min);  // no Snooze button the third time
    EXPECT_EQ(d.desk.snooze("alex", "stretch").error, "already snoozed twice");
    EXPECT_EQ(d.counters.reminders_snoozed, 2u);
    d.clock.advance(1h);
    EXPECT_EQ(d.sent.size(), 3u);
    EXPECT_EQ(d.desk.snooze("bob", "stretch").error, "unknown sleeper \"bob\"");
}

TEST(ReminderDeskSnooze, DoneStopsAPendingSnoozeAndTheConfiguredLengthIsUsed) {
    Desk d("    snooze_minutes: 15\n", "2026-11-26T21:00:00Z");
    d.desk.submit(reminder("hydration"));
    EXPECT_EQ(d.sent.at(0).snooze, 15min);
    ASSERT_TRUE(d.desk.snooze("alex", "hydration").ok);
    d.desk.done("alex", "hydration");
    d.clock.advance(1h);
    EXPECT_EQ(d.sent.size(), 1u);
    EXPECT_EQ(d.desk.snooze("alex", "hydration").error, "that step is already done");
    // Urgent notices cannot be snoozed.
    d.desk.submit(reminder("red_flag", true));
    EXPECT_EQ(d.sent.back().snooze, 0min);
    EXPECT_EQ(d.desk.snooze("alex", "red_flag").error, "a warning is not snoozed");
}

TEST(ReminderDeskSnooze, ASnoozedReminderDueInQuietHoursIsHeldLikeAnyOther) {
    Desk d("    quiet_hours: {from: \"23:30\", to: \"07:00\"}\n", "2026-11-26T23:25:00Z");
    d.desk.submit(reminder("stretch"));
    ASSERT_TRUE(d.desk.snooze("alex", "stretch").ok);
    d.clock.advance(10min);  // 23:35: quiet
    EXPECT_EQ(d.sent.size(), 1u);
    EXPECT_EQ(d.desk.held("alex"), 1u);
    d.clock.advance(7h + 30min);
    EXPECT_EQ(d.sent.size(), 2u);
}

// ---- config -------------------------------------------------------------------

TEST(QuietHoursConfig, ParsedWithDefaultsAndBadValuesRefusedAtTheirPosition) {
    auto cfg =
        household("    quiet_hours: {from: bedtime, to: \"06:45\"}\n    snooze_minutes: 5\n");
    const auto& s = cfg.sleepers.at(0);
    EXPECT_TRUE(s.quiet_hours.enabled);
    EXPECT_FALSE(s.quiet_hours.from.has_value());
    EXPECT_EQ(s.quiet_hours.to, 6 * 60 + 45);
    EXPECT_EQ(s.quiet_hours.mode, QuietHours::Mode::hold);
    EXPECT_EQ(s.snooze, 5min);
    EXPECT_TRUE(cfg.warnings.empty());
    const auto plain = household("");
    EXPECT_FALSE(plain.sleepers.at(0).quiet_hours.enabled);
    EXPECT_EQ(plain.sleepers.at(0).snooze, 10min);
    auto error = [](const std::string& extra) {
        try {
            household(extra);
        } catch (const config::ConfigError& e) {
            return std::string(e.what());
        }
        return std::string("(no error)");
    };
    EXPECT_EQ(error("    quiet_hours: {from: \"23:30\", to: \"07:00\", mode: mute}\n"),
              "mem.yaml:7:53: 'mode' of 'quiet_hours' must be hold or drop, not 'mute'");
    EXPECT_EQ(error("    quiet_hours: {from: \"late\", to: \"07:00\"}\n"),
              "mem.yaml:7:25: 'from' must be a local time HH:MM, not 'late'");
    EXPECT_EQ(error("    quiet_hours: {from: \"23:30\"}\n"),
              "mem.yaml:7:18: 'quiet_hours' needs 'to' (\"HH:MM\")");
    EXPECT_EQ(error("    snooze_minutes: 0\n"),
              "mem.yaml:7:21: 'snooze_minutes' is 0 min, outside 1..120 min");
}

}  // namespace

// ---- the answers the buttons send back ---------------------------------------

namespace commands {
namespace {

const WallTime kNow = *parse_iso8601("2026-11-26T22:00:00Z");

TEST(AnswerCommands, TheButtonsActionIdsAreAcceptedOnAckAndSnooze) {
    auto r = parse_command("ack", "BEDTIMED_DONE:alex:stretch", kNow);
    const auto& ack = std::get<Acknowledge>(std::get<Command>(r.command));
    EXPECT_EQ(ack.sleeper, "alex");
    EXPECT_EQ(ack.step, "stretch");
    r = parse_command("snooze", "BEDTIMED_SNOOZE:alex:hydration\n", kNow);
    const auto& snooze = std::get<Snooze>(std::get<Command>(r.command));
    EXPECT_EQ(snooze.sleeper, "alex");
    EXPECT_EQ(snooze.step, "hydration");
    r = parse_command("snooze", R"({"sleeper":"sam","step":"stretch","request_id":"q1"})", kNow);
    EXPECT_EQ(std::get<Snooze>(std::get<Command>(r.command)).sleeper, "sam");
    EXPECT_EQ(r.request_id, "q1");
}

TEST(AnswerCommands, AnIdOnTheWrongVerbOrMalformedIsRefusedByName) {
    auto error_of = [](std::string_view verb, std::string_view payload) {
        const auto r = parse_command(verb, payload, kNow);
        const auto* e = std::get_if<CommandError>(&r.command);
        return e ? e->reason : std::string();
    };
    EXPECT_EQ(error_of("ack", "BEDTIMED_SNOOZE:alex:stretch"),
              "\"BEDTIMED_SNOOZE\" answers belong on cmd/snooze, not cmd/ack");
    EXPECT_EQ(error_of("snooze", "BEDTIMED_DONE:alex:stretch"),
              "\"BEDTIMED_DONE\" answers belong on cmd/ack, not cmd/snooze");
    EXPECT_EQ(error_of("ack", "BEDTIMED_DONE:alex"),
              "an action id must read BEDTIMED_DONE:<sleeper>:<step>");
    EXPECT_EQ(error_of("ack", "BEDTIMED_DONE:alex:st:retch"),
              "an action id must read BEDTIMED_DONE:<sleeper>:<step>");
    EXPECT_EQ(error_of("ack", "BEDTIMED_DONE::stretch"),
              "an action id must read BEDTIMED_DONE:<sleeper>:<step>");
    EXPECT_EQ(error_of("log", "BEDTIMED_DONE:alex:stretch"), "the payload must be a JSON object");
    EXPECT_EQ(error_of("snooze", R"({"sleeper":"alex"})"), "missing \"step\"");
}

}  // namespace
}  // namespace commands
}  // namespace bedtimed
