// Internal to the cramp log: what CrampLog keeps per sleeper, shared by
// cramp_log.cpp and cramp_log_checkins.cpp. Not a public interface.
// Threads: loop thread only, as CrampLog.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cramp_log.hpp"
#include "experiment.hpp"
#include "notices.hpp"
#include "sleeper_view.hpp"

namespace bedtimed {

inline std::optional<cramplog::Tier> tier_from(const std::string& name) {
    using cramplog::Tier;
    if (name == "calm") return Tier::calm;
    if (name == "moderate") return Tier::moderate;
    if (name == "frequent") return Tier::frequent;
    return std::nullopt;
}

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
    std::optional<date::local_days> prompted;  // the night the check-in was last asked for
    std::optional<bool> in_bed;                // the occupancy sensor's last reading

    cramplog::Tier effective_tier() const { return tier_from(override_tier).value_or(tier.tier); }
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
