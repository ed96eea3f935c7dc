// Internal to the cramp log's executor (cramp_log*.cpp): what it keeps per
// sleeper, the window it keeps in memory, and its one way to write the store;
// shared by cramp_log.cpp, cramp_log_night.cpp, cramp_log_edits.cpp and
// cramp_log_checkins.cpp.
// Not part of the library's interface; loop thread only, like CrampLog.
#pragma once

#include <cstddef>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "cramp_log.hpp"
#include "experiment.hpp"
#include "notices.hpp"
#include "sleeper_view.hpp"

namespace bedtimed::cramplog_detail {

// Nights of episodes kept in memory: the 28-night rates and notices need 35,
// the early-cluster rule 28, the stats window 56.
constexpr int kWindowNights = 60;
// A flood of distinct, valid episodes must not grow memory without bound;
// far above any real night (the stats then cover the newest rows).
constexpr std::size_t kMaxRowsPerSleeper = 10'000;

// Shown when a command's write fails: the reason is in the daemon's log
// (logged once per failure streak by CrampLog::write).
inline constexpr const char* kNotWritten =
    "the cramp log could not be written (see the daemon's log)";

inline std::optional<cramplog::Tier> tier_from(const std::string& name) {
    if (name == "calm") return cramplog::Tier::calm;
    if (name == "moderate") return cramplog::Tier::moderate;
    if (name == "frequent") return cramplog::Tier::frequent;
    return std::nullopt;
}

}  // namespace bedtimed::cramplog_detail

namespace bedtimed {

// A running experiment as the daemon holds it (the store has the same).
struct RunningExperiment {
    ExperimentRecord record;
    cramplog::ExperimentDesign design;
};

// What the cramp log keeps per sleeper, beside the shared view of its config
// (`configured` is null for the episodes of a sleeper no longer configured).
struct CrampLog::SleeperLog : SleeperView {
    std::vector<StoredEpisode> recent;  // oldest first
    std::vector<WallTime> travel;
    std::vector<cramplog::SentNotice> sent;
    std::optional<WallTime> last_digest;
    cramplog::TierState tier;
    std::string override_tier;  // "" = automatic
    bool clustered = false;
    std::optional<date::local_days> decided;
    config::SleeperSpec evening;
    std::optional<WallTime> immobile_since;
    std::vector<CheckinRecord> checkins;  // the window's, oldest night first
    std::optional<RunningExperiment> experiment;
    int next_experiment_weeks = 6;  // the length a start without `weeks` takes
    // The night the check-in was last asked for, and the asked nights not yet
    // answered nor closed as "no answer" (both loaded from checkin_prompts).
    std::optional<date::local_days> prompted;
    std::vector<date::local_days> open_prompts;
    std::optional<bool> in_bed;  // the occupancy sensor's last reading

    cramplog::Tier effective_tier() const {
        return cramplog_detail::tier_from(override_tier).value_or(tier.tier);
    }
};

template <typename Fn>
bool CrampLog::write(const char* what, Fn&& fn) {
    try {
        fn();
        if (failing_) log_->info("cramp log writable again");
        failing_ = false;
        return true;
    } catch (const std::exception& e) {
        ++counters_.store_failures;
        // Once per streak: a full disk would otherwise log every event.
        if (!failing_) log_->error("cramp log: {} not saved: {}", what, e.what());
        failing_ = true;
        return false;
    }
}

}  // namespace bedtimed
