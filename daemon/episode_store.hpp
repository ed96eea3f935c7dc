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
};

class EpisodeStore {
public:
    static constexpr int kSchemaVersion = 1;
    enum class Mode { read_write, read_only };

    explicit EpisodeStore(const std::string& path, Mode mode = Mode::read_write);
    ~EpisodeStore();
    EpisodeStore(const EpisodeStore&) = delete;
    EpisodeStore& operator=(const EpisodeStore&) = delete;

    enum class Insert { added, duplicate };
    // Committed (durable) when it returns.
    Insert insert(const Episode& e, const std::string& sleeper, const EpisodeFlags& flags = {});
    std::vector<StoredEpisode> recent(std::size_t limit) const;
    std::int64_t count() const;
    int schema_version() const;
    const std::string& path() const noexcept { return path_; }

private:
    void open(Mode mode);
    void exec(const char* sql) const;
    void migrate();
    [[noreturn]] void fail(const std::string& what) const;

    std::string path_;
    sqlite3* db_ = nullptr;
    sqlite3_stmt* insert_ = nullptr;
};

}  // namespace bedtimed
