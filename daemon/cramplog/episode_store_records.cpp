// The cramp log's other tables: routine runs (and their "Done"), adaptation
// decisions, notices, travel and the tier in force per sleeper.
#include <sqlite3.h>

#include <algorithm>
#include <cstdint>

#include "episode_store.hpp"
#include "episode_store_statement.hpp"

namespace bedtimed {

void EpisodeStore::record_step(const std::string& sleeper, const std::string& night,
                               const std::string& step, WallTime ran) {
    Statement st(*this,
                 "INSERT INTO routine_runs (sleeper, night, step, ran_ms) VALUES (?,?,?,?) "
                 "ON CONFLICT (sleeper, night, step) DO NOTHING");
    st.bind(sleeper).bind(night).bind(step).bind(ran).run();
}

bool EpisodeStore::acknowledge(const std::string& sleeper, const std::string& night,
                               const std::string& step) {
    Statement st(
        *this,
        "UPDATE routine_runs SET acknowledged = 1 WHERE sleeper = ? AND night = ? AND step = ?");
    st.bind(sleeper).bind(night).bind(step).run();
    return sqlite3_changes(db_) == 1;
}

std::vector<RoutineRun> EpisodeStore::routine_runs(const std::string& sleeper,
                                                   const std::string& from_night) const {
    Statement st(*this,
                 "SELECT sleeper, night, step, ran_ms, acknowledged FROM routine_runs "
                 "WHERE (? = '' OR sleeper = ?) AND night >= ? ORDER BY night, ran_ms, step");
    st.bind(sleeper).bind(sleeper).bind(from_night);
    std::vector<RoutineRun> out;
    while (st.row())
        out.push_back(
            RoutineRun{st.text(0), st.text(1), st.text(2), st.time(3), st.integer(4) != 0});
    return out;
}

void EpisodeStore::record_decision(const AdaptationRecord& d) {
    Statement st(
        *this, "INSERT INTO adaptation_decisions (sleeper, at_ms, tier, reason) VALUES (?,?,?,?)");
    st.bind(d.sleeper).bind(d.at).bind(d.tier).bind(d.reason).run();
}

std::vector<AdaptationRecord> EpisodeStore::decisions(std::size_t limit,
                                                      const std::string& sleeper) const {
    Statement st(*this,
                 "SELECT sleeper, at_ms, tier, reason FROM adaptation_decisions "
                 "WHERE (? = '' OR sleeper = ?) ORDER BY at_ms DESC, id DESC LIMIT ?");
    st.bind(sleeper).bind(sleeper).bind(
        static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX)));
    std::vector<AdaptationRecord> out;
    while (st.row())
        out.push_back(AdaptationRecord{st.text(0), st.time(1), st.text(2), st.text(3)});
    return out;
}

void EpisodeStore::record_notice(const NoticeRecord& n) {
    Statement st(*this, "INSERT INTO notices (sleeper, condition, at_ms, text) VALUES (?,?,?,?)");
    st.bind(n.sleeper).bind(n.condition).bind(n.at).bind(n.text).run();
}

std::vector<NoticeRecord> EpisodeStore::notices(const std::string& sleeper, WallTime from) const {
    Statement st(*this,
                 "SELECT sleeper, condition, at_ms, text FROM notices "
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
    Statement st(*this,
                 "SELECT ended_ms FROM travel WHERE (? = '' OR sleeper = ?) AND ended_ms >= ? "
                 "ORDER BY ended_ms");
    st.bind(sleeper).bind(sleeper).bind(from);
    std::vector<WallTime> out;
    while (st.row()) out.push_back(st.time(0));
    return out;
}

void EpisodeStore::save_tier(const std::string& sleeper, const TierRecord& t) {
    Statement st(
        *this,
        "INSERT INTO tier_state (sleeper, tier, days_in_tier, night, override) VALUES (?,?,?,?,?) "
        "ON CONFLICT (sleeper) DO UPDATE SET tier = excluded.tier, "
        "days_in_tier = excluded.days_in_tier, night = excluded.night, "
        "override = excluded.override");
    st.bind(sleeper).bind(t.tier).bind(t.days_in_tier).bind(t.night).bind(t.override_tier).run();
}

std::optional<TierRecord> EpisodeStore::tier(const std::string& sleeper) const {
    Statement st(*this,
                 "SELECT tier, days_in_tier, night, override FROM tier_state WHERE sleeper = ?");
    st.bind(sleeper);
    if (!st.row()) return std::nullopt;
    return TierRecord{st.text(0), static_cast<int>(st.integer(1)), st.text(2), st.text(3)};
}

}  // namespace bedtimed
