// The durable cramp log: SQLite in the state directory.
//
// Every connection runs in WAL mode with synchronous=FULL (a commit survives
// power loss where the disk honours flushes) and a 5 s busy_timeout, so a
// reader such as bedtimectl never makes the daemon fail with SQLITE_BUSY. The
// schema is migrated through PRAGMA user_version. UNIQUE(source, source_id)
// turns a QoS 1 redelivery into a no-op.
//
// Threads: one EpisodeStore is one connection and is used by one thread at a
// time; open one per thread that needs it (SQLite serialises writers across
// connections). Constructors and methods throw StoreError with SQLite's
// message; nothing else is thrown apart from std::bad_alloc.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "clock.hpp"
#include "ingest.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace bedtimed {

class StoreError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// What the sleeper noticed with a cramp (hand logging).
struct EpisodeFlags {
    bool swelling = false;
    bool redness = false;
    bool warmth = false;
    bool numbness = false;
    bool back_pain = false;
};

struct StoredEpisode {
    std::int64_t row = 0;
    std::string sleeper;
    std::string source;
    std::string source_id;
    WallTime start;
    double duration_s = 0;
    std::string muscle, side;
    std::optional<double> severity;
    std::string status;  // unconfirmed, confirmed, false_positive
    WallTime received;
    EpisodeFlags flags;
    std::string notes;
};

// A correction to a stored episode; unset fields are left as they are.
struct EpisodeEdit {
    std::optional<WallTime> start;
    std::optional<double> duration_s;
    std::optional<std::string> muscle, side, notes;
    std::optional<double> severity;
    std::optional<std::string> status;  // unconfirmed, confirmed, false_positive
    std::optional<EpisodeFlags> flags;
};

// One routine step on one night: it ran, and maybe the sleeper said "Done".
struct RoutineRun {
    std::string sleeper, night, step;  // night: the plan night (routine::plan_night_text)
    WallTime ran;
    bool acknowledged = false;
};

// The morning check-in's answer for one log night (cramplog/checkin.hpp);
// one row per (sleeper, night): a later answer or details replace it.
struct CheckinRecord {
    std::string sleeper, night;  // night: the log night (night.hpp), "2026-11-26"
    std::string answer;          // "none", "one", "two_or_more"
    WallTime answered;
    std::string channel;  // how it came: "ctl", "home_assistant", "phone"
    // Details added later (all optional).
    std::string muscle, side;
    std::optional<double> severity;
    EpisodeFlags flags;
    std::string notes;
};

// The morning check-in's question for one log night: when it was asked and,
// once the night ended (noon) without an answer, when that was noted as "no
// answer". One row per (sleeper, night); it is what keeps a restart from
// asking twice or forgetting the outcome (cramp_log_checkins.cpp).
struct CheckinPromptRecord {
    std::string sleeper, night;  // night: the log night
    WallTime asked;
    std::optional<WallTime> no_answer;  // nullopt: open, or answered (see `checkins`)
};

// An n-of-1 experiment (cramplog/experiment.hpp) as stored: its design and
// every planned night's arm, written once at the start.
struct ExperimentRecord {
    std::int64_t id = 0;
    std::string sleeper, step;
    std::string first_night;  // log night
    int nights = 0;
    std::uint64_t seed = 0;
    WallTime started;
    std::optional<WallTime> stopped;
    std::string stop_reason;  // "" while running; "completed", "stopped"
};
struct ExperimentNightRecord {
    std::string night;  // log night
    std::string arm;    // "with", "without"
};

struct AdaptationRecord {
    std::string sleeper;
    WallTime at;
    std::string tier;
    std::string reason;
};

struct NoticeRecord {
    std::string sleeper, condition;
    WallTime at;
    std::string text;
};

// The adaptive tier in force for a sleeper, and since how many nights.
struct TierRecord {
    std::string tier;  // "calm", "moderate", "frequent"
    int days_in_tier = 0;
    std::string night;          // the night of the latest decision, "2026-11-26"
    std::string override_tier;  // "" = automatic
};

class EpisodeStore {
public:
    static constexpr int kSchemaVersion = 4;
    enum class Mode { read_write, read_only };

    explicit EpisodeStore(const std::string& path, Mode mode = Mode::read_write);
    ~EpisodeStore();
    EpisodeStore(const EpisodeStore&) = delete;
    EpisodeStore& operator=(const EpisodeStore&) = delete;

    enum class Insert { added, duplicate };
    // Committed (durable) when it returns.
    Insert insert(const Episode& e, const std::string& sleeper, const EpisodeFlags& flags = {},
                  const std::string& notes = {});
    // Several episodes in one transaction (one fsync): all committed when it
    // returns, or none (it throws). Result i is for batch[i].
    struct NewEpisode {
        Episode episode;
        std::string sleeper;
    };
    std::vector<Insert> insert_all(const std::vector<NewEpisode>& batch);
    // Newest first.
    std::vector<StoredEpisode> recent(std::size_t limit) const;
    // Oldest first: every episode that started at or after `from` (all
    // sleepers when `sleeper` is empty).
    std::vector<StoredEpisode> since(WallTime from, const std::string& sleeper = {}) const;
    std::optional<StoredEpisode> find(const std::string& source,
                                      const std::string& source_id) const;
    // false when there is no such episode. Throws StoreError for a bad status.
    bool update(const std::string& source, const std::string& source_id, const EpisodeEdit& edit);
    bool remove(const std::string& source, const std::string& source_id);
    std::int64_t count() const;

    // Routine runs: record_step is idempotent per (sleeper, night, step).
    // `night` is the routine's plan night (routine::plan_night_text), not a
    // log night (night.hpp): a run is found by the night its plan had.
    void record_step(const std::string& sleeper, const std::string& night, const std::string& step,
                     WallTime ran);
    // false when the step has not run that night.
    bool acknowledge(const std::string& sleeper, const std::string& night, const std::string& step);
    std::vector<RoutineRun> routine_runs(const std::string& sleeper,
                                         const std::string& from_night) const;

    void record_decision(const AdaptationRecord& d);
    // Newest first; all sleepers when `sleeper` is empty.
    std::vector<AdaptationRecord> decisions(std::size_t limit,
                                            const std::string& sleeper = {}) const;
    void record_notice(const NoticeRecord& n);
    std::vector<NoticeRecord> notices(const std::string& sleeper, WallTime from) const;
    void record_travel(const std::string& sleeper, WallTime ended);
    std::vector<WallTime> travel(const std::string& sleeper, WallTime from) const;
    void save_tier(const std::string& sleeper, const TierRecord& t);
    std::optional<TierRecord> tier(const std::string& sleeper) const;
    // Check-ins (episode_store_checkins.cpp): one per (sleeper, night), replaced by a new answer.
    void save_checkin(const CheckinRecord& c);
    std::optional<CheckinRecord> checkin(const std::string& sleeper,
                                         const std::string& night) const;
    // Oldest first, nights >= from_night (all sleepers when `sleeper` is empty).
    std::vector<CheckinRecord> checkins(const std::string& sleeper,
                                        const std::string& from_night) const;
    // The check-in's question: asked (a second ask of the same night is
    // ignored), and closed as "no answer" (only an open one).
    void save_checkin_prompt(const std::string& sleeper, const std::string& night, WallTime asked);
    void close_checkin_prompt(const std::string& sleeper, const std::string& night, WallTime at);
    // Oldest first, nights >= from_night.
    std::vector<CheckinPromptRecord> checkin_prompts(const std::string& sleeper,
                                                     const std::string& from_night) const;
    // Experiments: the design and every night's arm in one transaction; the id.
    std::int64_t start_experiment(const ExperimentRecord& e,
                                  const std::vector<ExperimentNightRecord>& nights);
    void stop_experiment(std::int64_t id, WallTime at, const std::string& reason);
    // Newest first; all sleepers when `sleeper` is empty.
    std::vector<ExperimentRecord> experiments(const std::string& sleeper = {}) const;
    std::vector<ExperimentNightRecord> experiment_nights(std::int64_t id) const;

    // When the first episode or routine run was recorded (the log's start).
    std::optional<WallTime> first_record() const;
    int schema_version() const;
    const std::string& path() const noexcept { return path_; }

private:
    void open(Mode mode);
    void exec(const char* sql) const;
    void migrate();
    [[noreturn]] void fail(const std::string& what) const;
    class Statement;

    std::string path_;
    sqlite3* db_ = nullptr;
    sqlite3_stmt* insert_ = nullptr;
};

}  // namespace bedtimed
