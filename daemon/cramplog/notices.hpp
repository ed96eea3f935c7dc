// "When to worry" notices and "what helps" summaries from the cramp log.
//
// Both are pure: the caller passes the episodes, hand-logged flags, the zone
// and "now", and decides how to deliver the result. Nothing here diagnoses or
// recommends a remedy: the notices point at a doctor or at care, and the
// "what helps" text only describes the user's own nights (a comparison of
// nights, not cause and effect; see docs/cramp-log.md).
//
// Nights are counted as in night.hpp (noon to noon, local). "The last 7
// nights" are the night containing `now` and the 6 before it; "the prior 28"
// are the 28 nights before those.
//
// Threads: any thread; no shared state. Ownership: inputs are borrowed for the
// call only; results are plain values. Throws nothing but std::bad_alloc for a
// valid zone (a null zone is a caller bug).
#pragma once

#include <date/tz.h>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "clock.hpp"
#include "episode_store.hpp"

namespace bedtimed::cramplog {

// Stable condition ids; the caller stores them with the time a notice was sent.
inline constexpr std::string_view kNewOnset = "new_onset";
inline constexpr std::string_view kEscalation = "escalation";
inline constexpr std::string_view kOneLegSwelling = "one_leg_swelling";
inline constexpr std::string_view kNumbnessOrBackPain = "numbness_or_back_pain";
inline constexpr std::string_view kLongCramp = "long_cramp";

// Thresholds, named so tests and docs can quote them.
inline constexpr int kNewOnsetMinRecent = 3;      // episodes in the last 7 nights
inline constexpr int kEscalationMinRecent = 4;    // episodes in the last 7 nights
inline constexpr int kEscalationFactor = 2;       // × the prior weekly rate
inline constexpr int kNumbnessMinEpisodes = 2;    // in the last 14 nights
inline constexpr double kLongCrampSeconds = 600;  // strictly more than this
inline constexpr auto kTravelWindow = std::chrono::hours(48);
inline constexpr auto kRepeatAfter = std::chrono::hours(24 * 7);
inline constexpr int kWhatHelpsMinNights = 7;  // per side, else `caution`

// What the user ticked when logging or correcting an episode by hand: the
// flags the store keeps with each episode (episode_store.hpp).
using ::bedtimed::EpisodeFlags;

struct SentNotice {
    std::string condition;  // one of the k* ids above
    WallTime sent_at;
};

struct NoticeInput {
    // Rows from the episode store. Episodes with status "false_positive" are
    // skipped here too, so passing them is harmless.
    std::vector<StoredEpisode> episodes;
    std::map<std::int64_t, EpisodeFlags> flags;  // keyed by StoredEpisode::row
    std::vector<WallTime> travel_ended;          // "long travel / immobility ended at"
    const date::time_zone* zone = nullptr;
    WallTime now;
    std::vector<SentNotice> sent;
    // When the log began. If it began after the start of the prior 28 nights,
    // "no cramps before" means "not logging yet", so new_onset and escalation
    // stay quiet. Unset: the log is taken to cover the whole window.
    std::optional<WallTime> log_started;
};

struct Notice {
    std::string condition;
    bool urgent = false;  // only one_leg_swelling (possible blood clot)
    std::string title;
    std::string text;
};

// The notices due now, in the order of the ids above, each condition at most
// once per kRepeatAfter (counted from the latest matching entry in `sent`).
std::vector<Notice> due_notices(const NoticeInput& in);

// ---- What helps (n-of-1) ----

struct NightRecord {
    std::string night;                 // night_text(), e.g. "2026-11-26"
    int cramps = 0;                    // episodes logged that night
    std::set<std::string> steps_done;  // routine steps that ran and were acknowledged
};

struct StepComparison {
    std::string step;
    int nights_with = 0, nights_without = 0;
    int cramps_with = 0, cramps_without = 0;
    double rate_with = 0, rate_without = 0;  // cramps per night; 0 when no nights
    bool caution = false;                    // either side < kWhatHelpsMinNights
};

// One comparison per step id seen in any record, sorted by step id. Each
// record is one night; a night listed twice counts twice.
std::vector<StepComparison> what_helps(const std::vector<NightRecord>& nights);

// Neutral sentences about the user's own nights, one paragraph per step,
// each named by its label in the step catalogue ("you did the stretch",
// routine/steps.hpp); a step the catalogue does not know is left out. Empty
// when there is nothing.
std::string describe_what_helps(const std::vector<StepComparison>& steps);

}  // namespace bedtimed::cramplog
