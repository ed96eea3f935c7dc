// The cramp log's edits from the command path (bedtimectl, MQTT, Home
// Assistant): log by hand, edit, confirm / false positive / delete, travel,
// Done on a step, the tier by hand. Each writes the store first and changes
// the in-memory window only once the write succeeded.
#include <fmt/format.h>

#include "cramp_log.hpp"
#include "cramp_log_sleeper.hpp"
#include "local_time.hpp"
#include "night.hpp"

namespace bedtimed {

CrampLog::Result CrampLog::log(const commands::LogEpisode& c) {
    const std::string name = resolve_sleeper(c.sleeper);
    if (name.empty())
        return {false,
                c.sleeper.empty() ? "name the sleeper (there is more than one)"
                                  : "unknown sleeper \"" + c.sleeper + "\"",
                {}};
    Episode e;
    e.source = "manual";
    e.id_text = c.id.empty() ? fmt::format("m{}-{}",
                                           std::chrono::duration_cast<std::chrono::milliseconds>(
                                               clock_.wall_now().time_since_epoch())
                                               .count(),
                                           ++manual_ids_)
                             : c.id;
    e.id = e.id_text;
    e.start = c.start;
    e.duration_s = c.duration_s;
    e.muscle = c.muscle;
    e.side = c.side;
    e.severity = c.severity;
    e.received = clock_.wall_now();
    bool duplicate = false;
    std::optional<StoredEpisode> row;
    if (!write("hand-logged episode", [&] {
            duplicate =
                store_->insert(e, name, c.flags, c.notes) == EpisodeStore::Insert::duplicate;
            row = store_->find(e.source, e.id_text);
        }))
        return {false, cramplog_detail::kNotWritten, {}};
    if (!duplicate) ++counters_.episodes_stored;
    auto& s = sleeper(name);
    if (row) remember(s, std::move(*row));
    if (!log_started_) log_started_ = e.received;
    say(name, fmt::format("episode logged by hand: {} {}{}", local_text(s.zone, c.start), c.muscle,
                          duplicate ? " (already logged)" : ""));
    check_notices(name, s);
    if (changed_) changed_(name);
    return {true, {}, {{"source", e.source}, {"source_id", e.id_text}, {"duplicate", duplicate}}};
}

CrampLog::Result CrampLog::edit(const commands::EditEpisode& c) {
    bool found = false;
    std::optional<StoredEpisode> row;
    if (!write("edit", [&] {
            found = store_->update(c.source, c.source_id, c.edit);
            if (found) row = store_->find(c.source, c.source_id);
        }))
        return {false, cramplog_detail::kNotWritten, {}};
    if (!found || !row) return {false, "no episode " + c.source + "/" + c.source_id, {}};
    const std::string name = row->sleeper;
    forget(c.source, c.source_id);
    auto& s = sleeper(name);
    remember(s, std::move(*row));
    say(name, "episode " + c.source + "/" + c.source_id + " edited");
    check_notices(name, s);
    if (changed_) changed_(name);
    return {};
}

CrampLog::Result CrampLog::mark(const commands::MarkEpisode& c) {
    using Mark = commands::MarkEpisode::Mark;
    if (c.mark == Mark::remove) {
        std::optional<StoredEpisode> row;
        bool removed = false;
        if (!write("delete", [&] {
                row = store_->find(c.source, c.source_id);
                removed = store_->remove(c.source, c.source_id);
            }))
            return {false, cramplog_detail::kNotWritten, {}};
        if (!removed) return {false, "no episode " + c.source + "/" + c.source_id, {}};
        forget(c.source, c.source_id);
        const std::string name = row ? row->sleeper : std::string();
        say(name, "episode " + c.source + "/" + c.source_id + " deleted");
        if (changed_) changed_(name);
        return {};
    }
    commands::EditEpisode edit;
    edit.source = c.source;
    edit.source_id = c.source_id;
    edit.edit.status = c.mark == Mark::confirm ? "confirmed" : "false_positive";
    return this->edit(edit);
}

CrampLog::Result CrampLog::travel(const commands::Travel& c) {
    const std::string name = resolve_sleeper(c.sleeper);
    if (name.empty()) return {false, "unknown sleeper \"" + c.sleeper + "\"", {}};
    if (!write("travel", [&] { store_->record_travel(name, c.ended); }))
        return {false, cramplog_detail::kNotWritten, {}};
    auto& s = sleeper(name);
    s.travel.push_back(c.ended);
    say(name, "long travel or immobility ended " + local_text(s.zone, c.ended));
    check_notices(name, s);
    return {};
}

CrampLog::Result CrampLog::acknowledge(const std::string& sleeper, const std::string& night,
                                       const std::string& step) {
    bool ok = false;
    if (!write("acknowledgement", [&] { ok = store_->acknowledge(sleeper, night, step); }))
        return {false, cramplog_detail::kNotWritten, {}};
    if (!ok) return {false, "step \"" + step + "\" has not run on the night of " + night, {}};
    say(sleeper, step + " acknowledged (Done)");
    return {};
}

CrampLog::Result CrampLog::set_tier(const commands::SetTier& c) {
    const std::string name = resolve_sleeper(c.sleeper);
    if (name.empty()) return {false, "unknown sleeper \"" + c.sleeper + "\"", {}};
    auto& s = sleeper(name);
    s.override_tier = c.tier == "auto" ? "" : c.tier;
    refresh_evening(s);
    const std::string reason =
        c.tier == "auto"
            ? "tier back to automatic (" + std::string(cramplog::tier_name(s.tier.tier)) + ")"
            : "tier set by hand to " + c.tier;
    const TierRecord record{cramplog::tier_name(s.tier.tier), s.tier.days_in_tier,
                            s.decided ? cramplog::night_text(*s.decided) : "", s.override_tier};
    const AdaptationRecord decision{name, clock_.wall_now(),
                                    cramplog::tier_name(s.effective_tier()), reason};
    write("tier override", [&] {
        store_->save_tier(name, record);
        store_->record_decision(decision);
    });
    say(name, reason);
    if (changed_) changed_(name);
    return {};
}

}  // namespace bedtimed
