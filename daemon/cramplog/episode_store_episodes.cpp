// The episode log's rows: inserting (idempotent per source and id), reading
// back, correcting and deleting episodes.
#include <sqlite3.h>

#include <algorithm>
#include <cstdint>

#include "episode_store.hpp"
#include "episode_store_statement.hpp"

namespace bedtimed {

using store_detail::kEpisodeColumns;
using store_detail::to_ms;

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
                         " FROM episodes ORDER BY start_ms DESC, id DESC LIMIT ?")
                            .c_str());
    st.bind(static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX)));
    std::vector<StoredEpisode> out;
    while (st.row()) out.push_back(st.episode());
    return out;
}

std::vector<StoredEpisode> EpisodeStore::since(WallTime from, const std::string& sleeper) const {
    Statement st(*this, (std::string("SELECT ") + kEpisodeColumns +
                         " FROM episodes WHERE start_ms >= ? AND (? = '' OR sleeper = ?)"
                         " ORDER BY start_ms, id")
                            .c_str());
    st.bind(from).bind(sleeper).bind(sleeper);
    std::vector<StoredEpisode> out;
    while (st.row()) out.push_back(st.episode());
    return out;
}

std::optional<StoredEpisode> EpisodeStore::find(const std::string& source,
                                                const std::string& source_id) const {
    Statement st(*this, (std::string("SELECT ") + kEpisodeColumns +
                         " FROM episodes WHERE source = ? AND source_id = ?")
                            .c_str());
    st.bind(source).bind(source_id);
    if (!st.row()) return std::nullopt;
    return st.episode();
}

bool EpisodeStore::update(const std::string& source, const std::string& source_id,
                          const EpisodeEdit& edit) {
    if (edit.status && *edit.status != "unconfirmed" && *edit.status != "confirmed" &&
        *edit.status != "false_positive")
        throw StoreError("unknown episode status '" + *edit.status + "'");
    // COALESCE keeps a column whose new value is NULL (not given); severity
    // and flags use a "given" marker instead because NULL/0 are real values.
    Statement st(
        *this,
        "UPDATE episodes SET start_ms = COALESCE(?, start_ms), duration_s = COALESCE(?, "
        "duration_s), "
        "muscle = COALESCE(?, muscle), side = COALESCE(?, side), notes = COALESCE(?, notes), "
        "status = COALESCE(?, status), severity = CASE WHEN ? THEN ? ELSE severity END, "
        "swelling = COALESCE(?, swelling), redness = COALESCE(?, redness), "
        "warmth = COALESCE(?, warmth), numbness = COALESCE(?, numbness), "
        "back_pain = COALESCE(?, back_pain) WHERE source = ? AND source_id = ?");
    std::optional<std::int64_t> start;
    if (edit.start) start = to_ms(*edit.start);
    st.bind(start)
        .bind(edit.duration_s)
        .bind(edit.muscle)
        .bind(edit.side)
        .bind(edit.notes)
        .bind(edit.status);
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

std::optional<WallTime> EpisodeStore::first_record() const {
    Statement st(*this,
                 "SELECT min(t) FROM (SELECT min(received_ms) AS t FROM episodes "
                 "UNION ALL SELECT min(ran_ms) FROM routine_runs)");
    if (!st.row() || st.null(0)) return std::nullopt;
    return st.time(0);
}

std::int64_t EpisodeStore::count() const {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, "SELECT count(*) FROM episodes", -1, &st, nullptr) != SQLITE_OK)
        fail("count");
    std::int64_t n = 0;
    if (sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

}  // namespace bedtimed
