// The cramp log's connection: opening SQLite with its pragmas and migrating
// the schema. The queries live in episode_store_episodes.cpp (the episode log)
// and episode_store_records.cpp (routine runs, decisions, notices, travel, tiers).
#include "episode_store.hpp"

#include <sqlite3.h>

#include <string>

namespace bedtimed {

namespace {

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
    // 2 → 3: the morning check-in, and n-of-1 experiments with every night's arm.
    R"(
    CREATE TABLE checkins (
        sleeper     TEXT NOT NULL,
        night       TEXT NOT NULL,
        answer      TEXT NOT NULL CHECK (answer IN ('none', 'one', 'two_or_more')),
        answered_ms INTEGER NOT NULL,
        channel     TEXT NOT NULL DEFAULT '',
        muscle      TEXT NOT NULL DEFAULT '',
        side        TEXT NOT NULL DEFAULT '',
        severity    REAL,
        swelling    INTEGER NOT NULL DEFAULT 0,
        redness     INTEGER NOT NULL DEFAULT 0,
        warmth      INTEGER NOT NULL DEFAULT 0,
        numbness    INTEGER NOT NULL DEFAULT 0,
        back_pain   INTEGER NOT NULL DEFAULT 0,
        notes       TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (sleeper, night)
    );
    CREATE TABLE experiments (
        id          INTEGER PRIMARY KEY,
        sleeper     TEXT NOT NULL,
        step        TEXT NOT NULL,
        first_night TEXT NOT NULL,
        nights      INTEGER NOT NULL,
        seed        TEXT NOT NULL,
        started_ms  INTEGER NOT NULL,
        stopped_ms  INTEGER,
        stop_reason TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE experiment_nights (
        experiment  INTEGER NOT NULL REFERENCES experiments (id),
        night       TEXT NOT NULL,
        arm         TEXT NOT NULL CHECK (arm IN ('with', 'without')),
        PRIMARY KEY (experiment, night)
    );
    )",
    // 3 → 4: the check-in's question, so a restart neither asks twice nor
    // forgets a night that had no answer by noon.
    R"(
    CREATE TABLE checkin_prompts (
        sleeper      TEXT NOT NULL,
        night        TEXT NOT NULL,
        asked_ms     INTEGER NOT NULL,
        no_answer_ms INTEGER,
        PRIMARY KEY (sleeper, night)
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
    // Once, before SQLite initialises (the first open in the process): no
    // up-front page-cache block per connection. SQLite's default carves 20
    // pages (87 KiB) per connection and writes every one of them, so the
    // daemon's three connections held 260 KiB of resident memory for pages
    // an idle daemon never reads; pages now come one at a time, as needed.
    // SQLITE_MISUSE (SQLite already initialised by someone else) is harmless.
    // Function-static on purpose, the one such state we keep: sqlite3_config()
    // sets process-wide state and may run only before SQLite initialises, so
    // "once per process" is the truth here, not a cache; and a C++ static's
    // initialisation is thread-safe, should two stores ever open at once.
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
        if (sqlite3_prepare_v2(
                db_,
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
    if (sqlite3_prepare_v2(db_, "PRAGMA user_version", -1, &st, nullptr) != SQLITE_OK)
        fail("user_version");
    int v = 0;
    if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v;
}

void EpisodeStore::migrate() {
    int v = schema_version();
    if (v > kSchemaVersion)
        throw StoreError(path_ + ": schema version " + std::to_string(v) +
                         " is newer than this bedtimed understands (" +
                         std::to_string(kSchemaVersion) + ")");
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

}  // namespace bedtimed
