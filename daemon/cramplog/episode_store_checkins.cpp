// The cramp log's check-ins, the check-in's questions (schema version 4) and
// experiments (schema version 3).
#include <sqlite3.h>

#include <string>

#include "episode_store.hpp"
#include "episode_store_statement.hpp"

namespace bedtimed {

namespace {

constexpr const char* kCheckinColumns =
    "sleeper, night, answer, answered_ms, channel, muscle, side, severity, swelling, redness, "
    "warmth, numbness, back_pain, notes";

}  // namespace

void EpisodeStore::save_checkin(const CheckinRecord& c) {
    Statement st(*this, (std::string("INSERT OR REPLACE INTO checkins (") + kCheckinColumns +
                         ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
                            .c_str());
    st.bind(c.sleeper).bind(c.night).bind(c.answer).bind(c.answered).bind(c.channel);
    st.bind(c.muscle).bind(c.side).bind(c.severity);
    st.bind(int{c.flags.swelling}).bind(int{c.flags.redness}).bind(int{c.flags.warmth});
    st.bind(int{c.flags.numbness}).bind(int{c.flags.back_pain}).bind(c.notes).run();
}

std::vector<CheckinRecord> EpisodeStore::checkins(const std::string& sleeper,
                                                  const std::string& from_night) const {
    Statement st(*this, (std::string("SELECT ") + kCheckinColumns +
                         " FROM checkins WHERE (? = '' OR sleeper = ?) AND night >= ? "
                         "ORDER BY night, sleeper")
                            .c_str());
    st.bind(sleeper).bind(sleeper).bind(from_night);
    std::vector<CheckinRecord> out;
    while (st.row()) {
        CheckinRecord c;
        c.sleeper = st.text(0);
        c.night = st.text(1);
        c.answer = st.text(2);
        c.answered = st.time(3);
        c.channel = st.text(4);
        c.muscle = st.text(5);
        c.side = st.text(6);
        if (!st.null(7)) c.severity = st.real(7);
        c.flags = EpisodeFlags{st.integer(8) != 0, st.integer(9) != 0, st.integer(10) != 0,
                               st.integer(11) != 0, st.integer(12) != 0};
        c.notes = st.text(13);
        out.push_back(std::move(c));
    }
    return out;
}

std::optional<CheckinRecord> EpisodeStore::checkin(const std::string& sleeper,
                                                   const std::string& night) const {
    for (auto& c : checkins(sleeper, night))
        if (c.night == night) return std::move(c);
    return std::nullopt;
}

void EpisodeStore::save_checkin_prompt(const std::string& sleeper, const std::string& night,
                                       WallTime asked) {
    Statement st(*this,
                 "INSERT OR IGNORE INTO checkin_prompts (sleeper, night, asked_ms) VALUES (?,?,?)");
    st.bind(sleeper).bind(night).bind(asked).run();
}

void EpisodeStore::close_checkin_prompt(const std::string& sleeper, const std::string& night,
                                        WallTime at) {
    Statement st(*this,
                 "UPDATE checkin_prompts SET no_answer_ms = ? "
                 "WHERE sleeper = ? AND night = ? AND no_answer_ms IS NULL");
    st.bind(at).bind(sleeper).bind(night).run();
}

std::vector<CheckinPromptRecord> EpisodeStore::checkin_prompts(
    const std::string& sleeper, const std::string& from_night) const {
    Statement st(*this,
                 "SELECT sleeper, night, asked_ms, no_answer_ms FROM checkin_prompts "
                 "WHERE sleeper = ? AND night >= ? ORDER BY night");
    st.bind(sleeper).bind(from_night);
    std::vector<CheckinPromptRecord> out;
    while (st.row()) {
        CheckinPromptRecord p{st.text(0), st.text(1), st.time(2), std::nullopt};
        if (!st.null(3)) p.no_answer = st.time(3);
        out.push_back(std::move(p));
    }
    return out;
}

std::int64_t EpisodeStore::start_experiment(const ExperimentRecord& e,
                                            const std::vector<ExperimentNightRecord>& nights) {
    exec("BEGIN IMMEDIATE");
    try {
        Statement st(*this,
                     "INSERT INTO experiments (sleeper, step, first_night, nights, seed, "
                     "started_ms) VALUES (?,?,?,?,?,?)");
        // The seed as text: SQLite's integers are signed.
        st.bind(e.sleeper).bind(e.step).bind(e.first_night).bind(e.nights);
        st.bind(std::to_string(e.seed)).bind(e.started).run();
        const std::int64_t id = sqlite3_last_insert_rowid(db_);
        for (const auto& n : nights) {
            Statement night(
                *this, "INSERT INTO experiment_nights (experiment, night, arm) VALUES (?,?,?)");
            night.bind(id).bind(n.night).bind(n.arm).run();
        }
        exec("COMMIT");
        return id;
    } catch (...) {
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
}

void EpisodeStore::stop_experiment(std::int64_t id, WallTime at, const std::string& reason) {
    Statement st(*this,
                 "UPDATE experiments SET stopped_ms = ?, stop_reason = ? "
                 "WHERE id = ? AND stopped_ms IS NULL");
    st.bind(at).bind(reason).bind(id).run();
}

std::vector<ExperimentRecord> EpisodeStore::experiments(const std::string& sleeper) const {
    Statement st(*this,
                 "SELECT id, sleeper, step, first_night, nights, seed, started_ms, stopped_ms, "
                 "stop_reason FROM experiments WHERE (? = '' OR sleeper = ?) ORDER BY id DESC");
    st.bind(sleeper).bind(sleeper);
    std::vector<ExperimentRecord> out;
    while (st.row()) {
        ExperimentRecord e;
        e.id = st.integer(0);
        e.sleeper = st.text(1);
        e.step = st.text(2);
        e.first_night = st.text(3);
        e.nights = static_cast<int>(st.integer(4));
        e.seed = std::stoull(st.text(5));
        e.started = st.time(6);
        if (!st.null(7)) e.stopped = st.time(7);
        e.stop_reason = st.text(8);
        out.push_back(std::move(e));
    }
    return out;
}

std::vector<ExperimentNightRecord> EpisodeStore::experiment_nights(std::int64_t id) const {
    Statement st(*this,
                 "SELECT night, arm FROM experiment_nights WHERE experiment = ? ORDER BY night");
    st.bind(id);
    std::vector<ExperimentNightRecord> out;
    while (st.row()) out.push_back(ExperimentNightRecord{st.text(0), st.text(1)});
    return out;
}

}  // namespace bedtimed
