// Internal to the cramp log's store: the prepared-statement wrapper and the
// episode row's columns that episode_store*.cpp share. Not a public interface.
// Threads: as EpisodeStore (one thread at a time per store). A Statement
// borrows its store's connection and must not outlive it; it throws
// StoreError with SQLite's message.
#pragma once

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "episode_store.hpp"

namespace bedtimed {

namespace store_detail {

inline std::int64_t to_ms(WallTime t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
inline WallTime from_ms(std::int64_t ms) {
    return WallTime(std::chrono::duration_cast<WallTime::duration>(std::chrono::milliseconds(ms)));
}

constexpr const char* kEpisodeColumns =
    "id, sleeper, source, source_id, start_ms, duration_s, muscle, side, severity, status, "
    "received_ms, "
    "swelling, redness, warmth, numbness, back_pain, notes";

}  // namespace store_detail

// A prepared statement that finalizes itself; bind() takes values in order.
class EpisodeStore::Statement {
public:
    Statement(const EpisodeStore& store, const char* sql) : store_(store) {
        if (sqlite3_prepare_v2(store.db_, sql, -1, &st_, nullptr) != SQLITE_OK)
            store.fail("prepare");
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
    Statement& bind(WallTime t) { return bind(store_detail::to_ms(t)); }
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
    WallTime time(int col) const { return store_detail::from_ms(integer(col)); }

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
        e.flags = EpisodeFlags{integer(11) != 0, integer(12) != 0, integer(13) != 0,
                               integer(14) != 0, integer(15) != 0};
        e.notes = text(16);
        return e;
    }

private:
    const EpisodeStore& store_;
    sqlite3_stmt* st_ = nullptr;
    int index_ = 0;
};

}  // namespace bedtimed
