#include "episode_store.hpp"

#include <sqlite3.h>

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
};

}  // namespace

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
    const int flags = mode == Mode::read_only ? SQLITE_OPEN_READONLY
                                              : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    if (sqlite3_open_v2(path_.c_str(), &db_, flags | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK)
        fail("open");
    // Per connection: busy_timeout and synchronous are not stored in the file.
    sqlite3_busy_timeout(db_, 5000);
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
                               "back_pain) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
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
                                          const EpisodeFlags& flags) {
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
    // Autocommit: the statement is its own transaction, durable (WAL + FULL) on return.
    if (sqlite3_step(insert_) != SQLITE_DONE) fail("insert");
    return sqlite3_changes(db_) == 1 ? Insert::added : Insert::duplicate;
}

std::vector<StoredEpisode> EpisodeStore::recent(std::size_t limit) const {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_,
                           "SELECT id, sleeper, source, source_id, start_ms, duration_s, muscle, side, "
                           "severity, status, received_ms, swelling, redness, warmth, numbness, back_pain "
                           "FROM episodes ORDER BY start_ms DESC, id DESC LIMIT ?",
                           -1, &st, nullptr) != SQLITE_OK)
        fail("select");
    sqlite3_bind_int64(st, 1, static_cast<sqlite3_int64>(limit));
    std::vector<StoredEpisode> out;
    auto str = [&](int col) {
        const auto* p = sqlite3_column_text(st, col);
        return p ? std::string(reinterpret_cast<const char*>(p)) : std::string();
    };
    while (sqlite3_step(st) == SQLITE_ROW) {
        StoredEpisode e;
        e.row = sqlite3_column_int64(st, 0);
        e.sleeper = str(1);
        e.source = str(2);
        e.source_id = str(3);
        e.start = from_ms(sqlite3_column_int64(st, 4));
        e.duration_s = sqlite3_column_double(st, 5);
        e.muscle = str(6);
        e.side = str(7);
        if (sqlite3_column_type(st, 8) != SQLITE_NULL) e.severity = sqlite3_column_double(st, 8);
        e.status = str(9);
        e.received = from_ms(sqlite3_column_int64(st, 10));
        e.flags = EpisodeFlags{sqlite3_column_int(st, 11) != 0, sqlite3_column_int(st, 12) != 0,
                               sqlite3_column_int(st, 13) != 0, sqlite3_column_int(st, 14) != 0,
                               sqlite3_column_int(st, 15) != 0};
        out.push_back(std::move(e));
    }
    sqlite3_finalize(st);
    return out;
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
