// The cramp log's executor: the episode store on the loop thread, the adaptive
// tier each night, "when to worry" notices, the weekly digest, and the
// command-topic edits of the log.
//
// The decisions are the pure functions in cramplog/ (stats, adaptation,
// notices); this class feeds them rows and applies what they say: it records
// decisions and notices in the store and hands notices to the notifiers.
//
// Wearable episodes are committed on Paho's thread by EpisodeIntake before
// the broker gets its PUBACK; here they only enter the in-memory window the
// decisions read, after the routine has reacted. So nothing on the MQTT →
// action path waits for SQLite. Writes made here (hand-logged episodes,
// edits, routine runs, decisions, notices) are rare and small.
//
// Threads: loop thread only. Borrows Clock and Counters (owned by App, which
// outlives it); owns its store connection. The constructor throws StoreError
// when the database cannot be opened; afterwards nothing throws apart from
// std::bad_alloc: store failures are logged once per streak and counted, and
// the in-memory state goes on.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "adaptation.hpp"
#include "clock.hpp"
#include "commands.hpp"
#include "config.hpp"
#include "counters.hpp"
#include "episode_store.hpp"
#include "ingest.hpp"
#include "log.hpp"
#include "notices.hpp"
#include "notifier.hpp"
#include "stats.hpp"
#include "value.hpp"

namespace bedtimed {

class CrampLog {
public:
    struct Options {
        std::string db_path;  // ":memory:" for simulate
        // True when the bus's EpisodeIntake commits wearable episodes (the
        // daemon); false in simulate and unit tests, where this class does.
        bool intake_commits_wearables = false;
        cramplog::TierPolicy policy;
        cramplog::EarlyClusterPolicy cluster;
    };
    using Send = std::function<void(const integrations::Reminder&)>;
    using Timeline = std::function<void(const std::string& sleeper, const std::string& text)>;
    using Changed = std::function<void(const std::string& sleeper)>;

    CrampLog(Clock& clock, Counters& counters, std::shared_ptr<const config::Config> cfg,
             Options options);
    ~CrampLog();

    void set_sender(Send send) { send_ = std::move(send); }
    void set_timeline(Timeline t) { timeline_ = std::move(t); }
    // Stats or tier changed for a sleeper (state topics are re-published).
    void on_changed(Changed fn) { changed_ = std::move(fn); }

    // Loads the recent log from the store.
    void start();
    // The last write to the store failed (and none succeeded since): for the health.
    bool write_failing() const noexcept { return failing_; }
    void apply_config(std::shared_ptr<const config::Config> cfg);

    // The evening for the night `now` falls in: the sleeper's configured
    // routine with the tier's adjustments. Decides the tier first when the
    // night is new. The reference stays valid until apply_config().
    const config::SleeperSpec& evening(const std::string& sleeper, WallTime now);

    // A wearable's episode the engine accepted (already reacted to), with the
    // sleeper the engine routed it to ("" = nobody's).
    void on_episode(const Episode& e, const std::string& sleeper);
    // A sensor changed: the long-immobility rule (config ImmobilityRule) may
    // record travel when a long stretch of sitting still ends.
    void on_sensor(const std::string& name, const Value& value);
    // A routine step ran (recorded for "what helps").
    void step_ran(const std::string& sleeper, const std::string& night, const std::string& step,
                  WallTime at);

    struct Result {
        bool ok = true;
        std::string error;
        nlohmann::json reply = nlohmann::json::object();
    };
    Result log(const commands::LogEpisode& c);
    Result edit(const commands::EditEpisode& c);
    Result mark(const commands::MarkEpisode& c);
    Result travel(const commands::Travel& c);
    Result acknowledge(const std::string& sleeper, const std::string& night,
                       const std::string& step);
    Result set_tier(const commands::SetTier& c);
    // The morning check-in and experiments (cramp_log_checkins.cpp).
    Result checkin(const commands::CheckIn& c);
    Result experiment(const commands::Experiment& c);
    // The running experiment's state for the stats topic; null when none.
    nlohmann::json experiment_json(const std::string& sleeper) const;
    // The planned length in weeks: the running experiment's, else the one the
    // next start without `weeks` takes (the `weeks` action, Home Assistant's
    // number; 6 until set, in memory only).
    int experiment_weeks(const std::string& sleeper) const;
    // Whether this morning's check-in question was asked and is still open
    // (not answered, its night not over): a snoozed or held copy goes out
    // again only then (ReminderDesk::set_still_wanted).
    bool checkin_waiting(const std::string& sleeper) const;
    // The current night's check-in for the page (docs/web.md): the night it
    // answers, whether it is open (checkin_open), the answer so far; null for
    // a sleeper not configured.
    nlohmann::json checkin_json(const std::string& sleeper) const;
    // The descriptive "what helps" of the last 28 finished nights
    // (notices.hpp what_helps): {"nights", "steps": [...], "text"} (cramp_log_night.cpp).
    nlohmann::json what_helps_json(const std::string& sleeper) const;

    cramplog::Stats stats(const std::string& sleeper) const;
    cramplog::Tier tier(const std::string& sleeper) const;
    std::optional<WallTime> last_episode(const std::string& sleeper) const;
    // The tier set by hand, or "auto".
    std::string tier_override(const std::string& sleeper) const;
    // The condition of the latest "when to worry" notice of the last 7 days, "" when none.
    std::string recent_notice(const std::string& sleeper) const;
    // The sleeper a command names, or the only one when it names none; "" if neither.
    std::string resolve_sleeper(const std::string& named) const;

private:
    struct SleeperLog;
    SleeperLog& sleeper(const std::string& name);
    const SleeperLog* find(const std::string& name) const;
    void decide_night(SleeperLog& s, const std::string& name, WallTime now);
    void refresh_evening(SleeperLog& s);
    bool clustered_early(const SleeperLog& s, date::local_days night) const;
    std::vector<int> nightly_counts(const SleeperLog& s, date::local_days first,
                                    date::local_days last) const;
    // The nights first..last with the steps acknowledged in them (for "what helps").
    std::vector<cramplog::NightRecord> night_records(const SleeperLog& s, date::local_days first,
                                                     date::local_days last,
                                                     const std::vector<RoutineRun>& runs) const;
    void check_notices(const std::string& name, SleeperLog& s);
    void maybe_send_digest(const std::string& name, SleeperLog& s);
    void remember(SleeperLog& s, StoredEpisode row);
    // Check-ins and experiments (cramp_log_checkins.cpp).
    void load_checkins(SleeperLog& s, date::local_days from);
    void apply_experiment(SleeperLog& s);
    void finish_experiment(SleeperLog& s, date::local_days night);
    cramplog::Stats with_checkins(const SleeperLog& s, cramplog::Stats stats) const;
    void arm_checkin_timer();
    void maybe_prompt_checkin(SleeperLog& s);
    // Notes "no answer" for asked nights that ended (noon) without an answer.
    void close_unanswered(SleeperLog& s);
    void forget(const std::string& source, const std::string& source_id);
    void send(const std::string& sleeper, const std::string& step, const std::string& title,
              const std::string& text, bool urgent);
    void say(const std::string& sleeper, const std::string& text);
    // Runs a store write; false (logged once per failure streak, counted) when it fails.
    template <typename Fn>
    bool write(const char* what, Fn&& fn);

    Clock& clock_;
    Counters& counters_;
    std::shared_ptr<const config::Config> cfg_;
    Options options_;
    std::shared_ptr<spdlog::logger> log_;
    std::unique_ptr<EpisodeStore> store_;
    std::map<std::string, std::unique_ptr<SleeperLog>> sleepers_;
    std::optional<WallTime> log_started_;
    bool failing_ = false;
    std::uint64_t manual_ids_ = 0;
    // How many adapted evenings refresh_evening() has built: each one's
    // SleeperSpec::revision, so a cached night plan knows its spec changed.
    std::uint64_t evenings_built_ = 0;
    std::unique_ptr<Timer> checkin_timer_;  // the check-in's question, every few minutes
    Send send_;
    Timeline timeline_;
    Changed changed_;
};

}  // namespace bedtimed
