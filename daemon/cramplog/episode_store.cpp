#include "episode_store.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cstdint>

namespace bedtimed {

namespace {

std::int64_t to_ms(WallTime t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
WallTime from_ms(std::int64_t ms) {
    return WallTime(std::chrono::duration_cast<WallTime::duration>(std::chrono::milliseconds(ms)));
}

// Each entry upgrades the schema from version (index) to version (index + 1).
const char* const kMigrations[] = {
    // 0 → 1: the episode log and the tables the adaptation work fills.
    R"(
    CREATE TABLE episodes (
        id          INTEGER PRIMARY KEY,
        sleeper     TEXT NOT NULL DEFAULT '',
        source      TEXT NOT NULL,
        source_id   TEXT NOT NULL,
        start_ms    INTEGER NOT NULL,
        duration_s  REAL NOT NULL,
        muscle      TEXT NOT NULL DEFAULT '',
        side        TEXT NOT NULL DEFAULT '',
        severity    REAL,
        notes       TEXT NOT NULL DEFAULT '',
        -- What the sleeper noticed (hand logging); the red-flag notices read these.
        swelling    INTEGER NOT NULL DEFAULT 0,
        redness     INTEGER NOT NULL DEFAULT 0,
        warmth      INTEGER NOT NULL DEFAULT 0,
        numbness    INTEGER NOT NULL DEFAULT 0,
        back_pain   INTEGER NOT NULL DEFAULT 0,
        status      TEXT NOT NULL DEFAULT 'unconfirmed'
                    CHECK (status IN ('unconfirmed', 'confirmed', 'false_positive')),
        received_ms INTEGER NOT NULL,
        UNIQUE (source, source_id)
    );
    CREATE INDEX episodes_by_start ON episodes (sleeper, start_ms);
    CREATE TABLE routine_runs (
        id           INTEGER PRIMARY KEY,
        sleeper      TEXT NOT NULL,
        night        TEXT NOT NULL,
        step         TEXT NOT NULL,
        ran_ms       INTEGER NOT NULL,
        acknowledged INTEGER NOT NULL DEFAULT 0,
        UNIQUE (sleeper, night, step)
    );
    CREATE TABLE adaptation_decisions (
        id      INTEGER PRIMARY KEY,
        sleeper TEXT NOT NULL,
        at_ms   INTEGER NOT NULL,
        tier    TEXT NOT NULL,
        reason  TEXT NOT NULL
    );
    CREATE TABLE travel (
        id      INTEGER PRIMARY KEY,
        sleeper TEXT NOT NULL,
        ended_ms INTEGER NOT NULL
    );
    CREATE TABLE notices (
        id        INTEGER PRIMARY KEY,
        sleeper   TEXT NOT NULL,
        condition TEXT NOT NULL,
        at_ms     INTEGER NOT NULL,
        text      TEXT NOT NULL
    );
    )",
    // 1 → 2: the tier in force survives restarts (hysteresis needs its age),
    // and an override chosen in Home Assistant or bedtimectl.
    R"(
    CREATE TABLE tier_state (
        sleeper      TEXT PRIMARY KEY,
        tier         TEXT NOT NULL,
        days_in_tier INTEGER NOT NULL,
        night        TEXT NOT NULL,
        override     TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX notices_by_sleeper ON notices (sleeper, at_ms);
    )",
};

constexpr const char* kEpisodeColumns =
    "id, sleeper, source, source_id, start_ms, duration_s, muscle, side, severity, status, received_ms, "
    "swelling, redness, warmth, numbness, back_pain, notes";


}  // namespace

// A prepared statement that finalizes itself; bind() takes values in order.
class EpisodeStore::Statement {
public:
    Statement(const EpisodeStore& store, const char* sql) : store_(store) {
        if (sqlite3_prepare_v2(store.db_, sql, -1, &st_, nullptr) != SQLITE_OK) store.fail("prepare");
    }
    ~Statement() { sqlite3_finalize(st_); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    Statement& bind(const std::string& v) {
        sqlite3_bind_text(st_, ++index_, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
        return *this;
    }
    Statement& bind(const char* v) { return bind(std::string(v)); }
    Statement& bind(std::int64_t v) {
        sqlite3_bind_int64(st_, ++index_, v);
        return *this;
    }
    Statement& bind(int v) { return bind(static_cast<std::int64_t>(v)); }
    Statement& bind(double v) {
        sqlite3_bind_double(st_, ++index_, v);
        return *this;
    }
    Statement& bind(WallTime t) { return bind(to_ms(t)); }
    template <typename T>
    Statement& bind(const std::optional<T>& v) {
        if (v) return bind(*v);
        sqlite3_bind_null(st_, ++index_);
        return *this;
    }
    // true while there is a row.
    bool row() {
        const int rc = sqlite3_step(st_);
        if (rc == SQLITE_ROW) return true;
        if (rc != SQLITE_DONE) store_.fail("step");
        return false;
    }
    void run() { row(); }
    std::string text(int col) const {
        const auto* p = sqlite3_column_text(st_, col);
        return p ? std::string(reinterpret_cast<const char*>(p)) : std::string();
    }
    std::int64_t integer(int col) const { return sqlite3_column_int64(st_, col); }
    double real(int col) const { return sqlite3_column_double(st_, col); }
    bool null(int col) const { return sqlite3_column_type(st_, col) == SQLITE_NULL; }
    WallTime time(int col) const { return from_ms(integer(col)); }

    StoredEpisode episode() const {
        StoredEpisode e;
        e.row = integer(0);
        e.sleeper = text(1);
        e.source = text(2);
        e.source_id = text(3);
        e.start = time(4);
        e.duration_s = real(5);
        e.muscle = text(6);
        e.side = text(7);
        if (!null(8)) e.severity = real(8);
        e.status = text(9);
        e.received = time(10);
        e.flags = EpisodeFlags{integer(11) != 0, integer(12) != 0, integer(13) != 0, integer(14) != 0,
                               integer(15) != 0};
        e.notes = text(16);
        return e;
    }

private:
    const EpisodeStore& store_;
    sqlite3_stmt* st_ = nullptr;
    int index_ = 0;
};

EpisodeStore::EpisodeStore(const std::string& path, Mode mode) : path_(path) {
    // The destructor does not run for a constructor that throws, and SQLite
    // hands out a handle even when opening fails: release both here.
    try {
        open(mode);
    } catch (...) {
        sqlite3_finalize(insert_);
        sqlite3_close(db_);
        throw;
    }
}

void EpisodeStore::open(Mode mode) {
    // Once, before SQLite initialises (the first open in the process): no
    // up-front page-cache block per connection. SQLite's default carves 20
    // pages (87 KiB) per connection and writes every one of them, so the
    // daemon's three connections held 260 KiB of resident memory for pages
    // an idle daemon never reads; pages now come one at a time, as needed.
    // SQLITE_MISUSE (SQLite already initialised by someone else) is harmless.
    static const int page_cache_configured = sqlite3_config(SQLITE_CONFIG_PAGECACHE, nullptr, 0, 0);
    (void)page_cache_configured;
    const int flags = mode == Mode::read_only ? SQLITE_OPEN_READONLY
                                              : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    if (sqlite3_open_v2(path_.c_str(), &db_, flags | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK)
        fail("open");
    // Per connection: busy_timeout, synchronous and cache_size are not stored in the file.
    sqlite3_busy_timeout(db_, 5000);
    // 512 KiB of page cache rather than SQLite's 2 MiB: the daemon holds two
    // connections, inserts one row at a time and keeps recent rows in memory
    // itself (CrampLog), so the bigger cache only raised the peak RSS.
    exec("PRAGMA cache_size=-512");
    if (mode == Mode::read_write) {
        // Refuse a newer schema before touching anything, journal mode included.
        if (schema_version() > kSchemaVersion) migrate();
        exec("PRAGMA journal_mode=WAL");
        exec("PRAGMA synchronous=FULL");
        exec("PRAGMA foreign_keys=ON");
        migrate();
        if (sqlite3_prepare_v2(db_,
                               "INSERT INTO episodes (sleeper, source, source_id, start_ms, duration_s, "
                               "muscle, side, severity, received_ms, swelling, redness, warmth, numbness, "
                               "back_pain, notes) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
                               "ON CONFLICT (source, source_id) DO NOTHING",
                               -1, &insert_, nullptr) != SQLITE_OK)
            fail("prepare insert");
    }
}

EpisodeStore::~EpisodeStore() {
    sqlite3_finalize(insert_);
    sqlite3_close(db_);
}

void EpisodeStore::fail(const std::string& what) const {
    throw StoreError(path_ + ": " + what + ": " + (db_ ? sqlite3_errmsg(db_) : "out of memory"));
}

void EpisodeStore::exec(const char* sql) const {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
        const std::string msg = err ? err : "error";
        sqlite3_free(err);
        throw StoreError(path_ + ": " + msg);
    }
}

int EpisodeStore::schema_version() const {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, "PRAGMA user_version", -1, &st, nullptr) != SQLITE_OK) fail("user_version");
    int v = 0;
    if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v;
}

void EpisodeStore::migrate() {
    int v = schema_version();
    if (v > kSchemaVersion)
        throw StoreError(path_ + ": schema version " + std::to_string(v) +
                         " is newer than this bedtimed understands (" + std::to_string(kSchemaVersion) + ")");
    for (; v < kSchemaVersion; ++v) {
        // One transaction per step: a crash leaves the old or the new version.
        exec("BEGIN IMMEDIATE");
        try {
            exec(kMigrations[v]);
            exec(("PRAGMA user_version=" + std::to_string(v + 1)).c_str());
            exec("COMMIT");
        } catch (...) {
            sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
            throw;
        }
    }
}

EpisodeStore::Insert EpisodeStore::insert(const Episode& e, const std::string& sleeper,
                                          const EpisodeFlags& flags, const std::string& notes) {
    if (!insert_) throw StoreError(path_ + ": opened read-only");
    sqlite3_reset(insert_);
    sqlite3_clear_bindings(insert_);
    auto text = [&](int i, const std::string& s) {
        sqlite3_bind_text(insert_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
    };
    text(1, sleeper);
    text(2, e.source);
    text(3, e.id_text);
    sqlite3_bind_int64(insert_, 4, to_ms(e.start));
    sqlite3_bind_double(insert_, 5, e.duration_s);
    text(6, e.muscle);
    text(7, e.side);
    if (e.severity) sqlite3_bind_double(insert_, 8, *e.severity);
    else sqlite3_bind_null(insert_, 8);
    sqlite3_bind_int64(insert_, 9, to_ms(e.received));
    sqlite3_bind_int(insert_, 10, flags.swelling);
    sqlite3_bind_int(insert_, 11, flags.redness);
    sqlite3_bind_int(insert_, 12, flags.warmth);
    sqlite3_bind_int(insert_, 13, flags.numbness);
    sqlite3_bind_int(insert_, 14, flags.back_pain);
    text(15, notes);
    // Autocommit (or insert_all's transaction): durable (WAL + FULL) on commit.
    if (sqlite3_step(insert_) != SQLITE_DONE) fail("insert");
    return sqlite3_changes(db_) == 1 ? Insert::added : Insert::duplicate;
}

std::vector<EpisodeStore::Insert> EpisodeStore::insert_all(const std::vector<NewEpisode>& batch) {
    std::vector<Insert> results;
    results.reserve(batch.size());
    exec("BEGIN IMMEDIATE");
    try {
        for (const auto& n : batch) results.push_back(insert(n.episode, n.sleeper));
        exec("COMMIT");
    } catch (...) {
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
    return results;
}

std::vector<StoredEpisode> EpisodeStore::recent(std::size_t limit) const {
    Statement st(*this, (std::string("SELECT ") + kEpisodeColumns +
                         " FROM episodes ORDER BY start_ms DESC, id DESC LIMIT ?").c_str());
    st.bind(static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX)));
    std::vector<StoredEpisode> out;
    while (st.row()) out.push_back(st.episode());
    return out;
}

std::vector<StoredEpisode> EpisodeStore::since(WallTime from, const std::string& sleeper) const {
    Statement st(*this, (std::string("SELECT ") + kEpisodeColumns +
                         " FROM episodes WHERE start_ms >= ? AND (? = '' OR sleeper = ?)"
                         " ORDER BY start_ms, id").c_str());
    st.bind(from).bind(sleeper).bind(sleeper);
    std::vector<StoredEpisode> out;
    while (st.row()) out.push_back(st.episode());
    return out;
}

std::optional<StoredEpisode> EpisodeStore::find(const std::string& source, const std::string& source_id) const {
    Statement st(*this, (std::string("SELECT ") + kEpisodeColumns +
                         " FROM episodes WHERE source = ? AND source_id = ?").c_str());
    st.bind(source).bind(source_id);
    if (!st.row()) return std::nullopt;
    return st.episode();
}

bool EpisodeStore::update(const std::string& source, const std::string& source_id, const EpisodeEdit& edit) {
    if (edit.status && *edit.status != "unconfirmed" && *edit.status != "confirmed" &&
        *edit.status != "false_positive")
        throw StoreError("unknown episode status '" + *edit.status + "'");
    // COALESCE keeps a column whose new value is NULL (not given); severity
    // and flags use a "given" marker instead because NULL/0 are real values.
    Statement st(*this,
                 "UPDATE episodes SET start_ms = COALESCE(?, start_ms), duration_s = COALESCE(?, duration_s), "
                 "muscle = COALESCE(?, muscle), side = COALESCE(?, side), notes = COALESCE(?, notes), "
                 "status = COALESCE(?, status), severity = CASE WHEN ? THEN ? ELSE severity END, "
                 "swelling = COALESCE(?, swelling), redness = COALESCE(?, redness), "
                 "warmth = COALESCE(?, warmth), numbness = COALESCE(?, numbness), "
                 "back_pain = COALESCE(?, back_pain) WHERE source = ? AND source_id = ?");
    std::optional<std::int64_t> start;
    if (edit.start) start = to_ms(*edit.start);
    st.bind(start).bind(edit.duration_s).bind(edit.muscle).bind(edit.side).bind(edit.notes).bind(edit.status);
    st.bind(edit.severity ? 1 : 0).bind(edit.severity);
    auto flag = [&](bool EpisodeFlags::*member) {
        std::optional<int> v;
        if (edit.flags) v = (*edit.flags).*member ? 1 : 0;
        st.bind(v);
    };
    flag(&EpisodeFlags::swelling);
    flag(&EpisodeFlags::redness);
    flag(&EpisodeFlags::warmth);
    flag(&EpisodeFlags::numbness);
    flag(&EpisodeFlags::back_pain);
    st.bind(source).bind(source_id);
    st.run();
    return sqlite3_changes(db_) == 1;
}

bool EpisodeStore::remove(const std::string& source, const std::string& source_id) {
    Statement st(*this, "DELETE FROM episodes WHERE source = ? AND source_id = ?");
    st.bind(source).bind(source_id).run();
    return sqlite3_changes(db_) == 1;
}

void EpisodeStore::record_step(const std::string& sleeper, const std::string& night, const std::string& step,
                               WallTime ran) {
    Statement st(*this, "INSERT INTO routine_runs (sleeper, night, step, ran_ms) VALUES (?,?,?,?) "
                        "ON CONFLICT (sleeper, night, step) DO NOTHING");
    st.bind(sleeper).bind(night).bind(step).bind(ran).run();
}

bool EpisodeStore::acknowledge(const std::string& sleeper, const std::string& night, const std::string& step) {
    Statement st(*this, "UPDATE routine_runs SET acknowledged = 1 WHERE sleeper = ? AND night = ? AND step = ?");
    st.bind(sleeper).bind(night).bind(step).run();
    return sqlite3_changes(db_) == 1;
}

std::vector<RoutineRun> EpisodeStore::routine_runs(const std::string& sleeper, const std::string& from_night) const {
    Statement st(*this, "SELECT sleeper, night, step, ran_ms, acknowledged FROM routine_runs "
                        "WHERE (? = '' OR sleeper = ?) AND night >= ? ORDER BY night, ran_ms, step");
    st.bind(sleeper).bind(sleeper).bind(from_night);
    std::vector<RoutineRun> out;
    while (st.row()) out.push_back(RoutineRun{st.text(0), st.text(1), st.text(2), st.time(3), st.integer(4) != 0});
    return out;
}

void EpisodeStore::record_decision(const AdaptationRecord& d) {
    Statement st(*this, "INSERT INTO adaptation_decisions (sleeper, at_ms, tier, reason) VALUES (?,?,?,?)");
    st.bind(d.sleeper).bind(d.at).bind(d.tier).bind(d.reason).run();
}

std::vector<AdaptationRecord> EpisodeStore::decisions(std::size_t limit, const std::string& sleeper) const {
    Statement st(*this, "SELECT sleeper, at_ms, tier, reason FROM adaptation_decisions "
                        "WHERE (? = '' OR sleeper = ?) ORDER BY at_ms DESC, id DESC LIMIT ?");
    st.bind(sleeper).bind(sleeper).bind(static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX)));
    std::vector<AdaptationRecord> out;
    while (st.row()) out.push_back(AdaptationRecord{st.text(0), st.time(1), st.text(2), st.text(3)});
    return out;
}

void EpisodeStore::record_notice(const NoticeRecord& n) {
    Statement st(*this, "INSERT INTO notices (sleeper, condition, at_ms, text) VALUES (?,?,?,?)");
    st.bind(n.sleeper).bind(n.condition).bind(n.at).bind(n.text).run();
}

std::vector<NoticeRecord> EpisodeStore::notices(const std::string& sleeper, WallTime from) const {
    Statement st(*this, "SELECT sleeper, condition, at_ms, text FROM notices "
                        "WHERE (? = '' OR sleeper = ?) AND at_ms >= ? ORDER BY at_ms, id");
    st.bind(sleeper).bind(sleeper).bind(from);
    std::vector<NoticeRecord> out;
    while (st.row()) out.push_back(NoticeRecord{st.text(0), st.text(1), st.time(2), st.text(3)});
    return out;
}

void EpisodeStore::record_travel(const std::string& sleeper, WallTime ended) {
    Statement st(*this, "INSERT INTO travel (sleeper, ended_ms) VALUES (?,?)");
    st.bind(sleeper).bind(ended).run();
}

std::vector<WallTime> EpisodeStore::travel(const std::string& sleeper, WallTime from) const {
    Statement st(*this, "SELECT ended_ms FROM travel WHERE (? = '' OR sleeper = ?) AND ended_ms >= ? "
                        "ORDER BY ended_ms");
    st.bind(sleeper).bind(sleeper).bind(from);
    std::vector<WallTime> out;
    while (st.row()) out.push_back(st.time(0));
    return out;
}

void EpisodeStore::save_tier(const std::string& sleeper, const TierRecord& t) {
    Statement st(*this, "INSERT INTO tier_state (sleeper, tier, days_in_tier, night, override) VALUES (?,?,?,?,?) "
                        "ON CONFLICT (sleeper) DO UPDATE SET tier = excluded.tier, "
                        "days_in_tier = excluded.days_in_tier, night = excluded.night, "
                        "override = excluded.override");
    st.bind(sleeper).bind(t.tier).bind(t.days_in_tier).bind(t.night).bind(t.override_tier).run();
}

std::optional<TierRecord> EpisodeStore::tier(const std::string& sleeper) const {
    Statement st(*this, "SELECT tier, days_in_tier, night, override FROM tier_state WHERE sleeper = ?");
    st.bind(sleeper);
    if (!st.row()) return std::nullopt;
    return TierRecord{st.text(0), static_cast<int>(st.integer(1)), st.text(2), st.text(3)};
}

std::optional<WallTime> EpisodeStore::first_record() const {
    Statement st(*this, "SELECT min(t) FROM (SELECT min(received_ms) AS t FROM episodes "
                        "UNION ALL SELECT min(ran_ms) FROM routine_runs)");
    if (!st.row() || st.null(0)) return std::nullopt;
    return st.time(0);
}

std::int64_t EpisodeStore::count() const {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, "SELECT count(*) FROM episodes", -1, &st, nullptr) != SQLITE_OK) fail("count");
    std::int64_t n = 0;
    if (sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

}  // namespace bedtimed
