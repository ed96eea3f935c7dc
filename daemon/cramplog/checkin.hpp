// The morning check-in (docs/cramp-log.md#morning-check-in): the sleeper's
// own answer for a night ("No cramps", "1 cramp", "2 or more"), and how it is
// reconciled with the episodes of the same log night (night.hpp).
//
// Reconciliation, per log night: the night counts max(episodes, the
// check-in's count), so a cramp the wearable saw and the sleeper reported is
// counted once, never twice; `source` says which of them the count came from;
// a disagreement (wearable 0, check-in "2 or more") is kept and flagged. A
// night with neither an episode nor an answer is known (0) only for a
// sleeper with a wearable; without one it is "no answer" and left out of the
// rates, never taken as "no cramps". The check-in answers a night until the
// night ends (noon, kLogNightBegins); after that an unanswered night is "no
// answer".
//
// Pure: no I/O; any thread; nothing throws apart from std::bad_alloc.
#pragma once

#include <date/tz.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "clock.hpp"
#include "episode_store.hpp"
#include "stats.hpp"

namespace bedtimed::cramplog {

enum class CheckinAnswer { none, one, two_or_more };
// "none", "one", "two_or_more" (the stored and MQTT names).
const char* answer_name(CheckinAnswer a);
// Also the short forms on buttons and the command line: 0, 1, 2, 2+.
std::optional<CheckinAnswer> answer_from(std::string_view text);
// The cramps an answer stands for at least: 0, 1, 2.
int answer_count(CheckinAnswer a);
const char* answer_label(CheckinAnswer a);  // "No cramps", "1 cramp", "2 or more"

// Where a night's count came from.
enum class CountSource { none, episodes, checkin, both };
const char* source_name(CountSource s);  // "none", "episodes", "checkin", "both"

struct ReconciledNight {
    std::string night;  // "2026-11-26"
    int episodes = 0;   // wearable and hand-logged, false positives left out
    std::optional<CheckinAnswer> checkin;
    int count = 0;       // counted once: max(episodes, answer_count)
    bool known = false;  // false = "no answer" (or not over and not answered yet)
    bool disagree = false;
    CountSource source = CountSource::none;
};

// The nights first..last (log nights); `checkins` may hold other nights and
// sleepers' rows filtered by the caller. `has_wearable`: a night without
// episodes and answer counts 0 (the wearable would have seen one).
std::vector<ReconciledNight> reconcile(const std::vector<StoredEpisode>& episodes,
                                       const std::vector<CheckinRecord>& checkins,
                                       const date::time_zone* zone, date::local_days first,
                                       date::local_days last, bool has_wearable);

// When the morning check-in's question goes out, once per night:
// - with a bed sensor: when the sleeper is out of bed from 04:00 (getting
//   up after the night), else at latest_at (10:00, or the sleeper's
//   `checkin: {at}`) at the latest;
// - without one: at prompt_at (`checkin: {at}`; by default the end of quiet
//   hours when they are on, else 07:30).
// Never once the night is answered or the night has ended (noon). Quiet hours
// and Snooze apply downstream, as for reminders (the reminder desk).
struct PromptInput {
    int local_minutes = 0;  // local time after midnight, now
    bool answered = false;  // the night has a check-in
    bool prompted = false;  // already asked this night
    bool has_bed_sensor = false;
    std::optional<bool> in_bed;  // the bed sensor's last reading
    int prompt_at = 7 * 60 + 30;
    int latest_at = 10 * 60;
};
inline constexpr int kGetUpFromMinutes = 4 * 60;
inline constexpr int kFallbackMinutes = 10 * 60;
bool should_prompt(const PromptInput& in);
// Whether the page offers the current night's answer buttons: from when the
// question went out (`asked`) or from kGetUpFromMinutes in the morning, until
// the night ends at noon. An answer stays changeable while it is open.
bool checkin_open(int local_minutes, bool asked);
// The question, as the reminder and the page ask it.
inline constexpr const char* kCheckinTitle = "How was the night?";
inline constexpr const char* kCheckinQuestion = "Leg cramps last night?";
// prompt_at for a sleeper without a bed sensor: the configured time, else the
// end of quiet hours when on, else 07:30.
int prompt_minutes(std::optional<int> configured, bool quiet_hours_on, int quiet_hours_to);
// latest_at for a sleeper with a bed sensor: the configured time, else 10:00.
int latest_minutes(std::optional<int> configured);

// A question asked and not answered by the end of its night (noon) has the
// outcome "no answer" (docs/experiments.md#morning-check-in). True when the
// night `asked` was asked for is over at `current` (the night now) and no
// check-in answers it.
bool unanswered_by_noon(date::local_days asked, date::local_days current, bool answered);

// The stats' nightly counts (per_night, tonight, the 7/14/28-night windows,
// rates, trend) from the reconciled nights, for a sleeper who checks in:
// the histograms, duration and severity stay the episodes' (only they have
// times). `nights` must end with the current night. Sets count_source and
// nights_no_answer.
void apply_checkins(Stats& stats, const std::vector<ReconciledNight>& nights);

}  // namespace bedtimed::cramplog
