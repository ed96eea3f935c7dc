#include "cramp_log.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>

#include "checkin.hpp"
#include "cramp_log_sleeper.hpp"
#include "local_time.hpp"
#include "night.hpp"
#include "notices.hpp"
#include "routine.hpp"

namespace bedtimed {

using cramplog::Tier;
using date::days;
using date::local_days;

namespace {

// Nights of episodes kept in memory: the 28-night rates and notices need 35,
// the early-cluster rule 28, the stats window 56.
constexpr int kWindowNights = 60;
// A flood of distinct, valid episodes must not grow memory without bound;
// far above any real night (the stats then cover the newest rows).
constexpr std::size_t kMaxRowsPerSleeper = 10'000;

std::optional<local_days> night_from_text(const std::string& text) {
    // By hand: date::parse trips GCC 12's -Wmaybe-uninitialized.
    int y = 0;
    unsigned m = 0, d = 0;
    if (std::sscanf(text.c_str(), "%d-%u-%u", &y, &m, &d) != 3) return std::nullopt;
    const date::year_month_day ymd{date::year(y), date::month(m), date::day(d)};
    if (!ymd.ok()) return std::nullopt;
    return local_days(ymd);
}

std::string fixed1(double v) { return fmt::format("{:.1f}", v); }

}  // namespace

CrampLog::CrampLog(Clock& clock, Counters& counters, std::shared_ptr<const config::Config> cfg,
                   Options options)
    : clock_(clock), counters_(counters), cfg_(std::move(cfg)), options_(std::move(options)),
      log_(logger("cramplog")), store_(std::make_unique<EpisodeStore>(options_.db_path)) {
    apply_config(cfg_);
}

CrampLog::~CrampLog() = default;

void CrampLog::say(const std::string& sleeper, const std::string& text) {
    log_->info("{}: {}", sleeper, text);
    if (timeline_) timeline_(sleeper, text);
}

void CrampLog::apply_config(std::shared_ptr<const config::Config> cfg) {
    cfg_ = std::move(cfg);
    for (auto& [name, s] : sleepers_) s->configured = nullptr;
    for (const auto& spec : cfg_->sleepers) {
        auto& s = sleeper(spec.name);
        s.view(spec);
        refresh_evening(s);
    }
}

CrampLog::SleeperLog& CrampLog::sleeper(const std::string& name) {
    auto& slot = sleepers_[name];
    if (!slot) {
        slot = std::make_unique<SleeperLog>();
        slot->name = name;  // also for a sleeper no longer configured (its check-ins are its own)
        slot->zone = zone_named("");
    }
    return *slot;
}

const CrampLog::SleeperLog* CrampLog::find(const std::string& name) const {
    auto it = sleepers_.find(name);
    return it == sleepers_.end() ? nullptr : it->second.get();
}

std::string CrampLog::resolve_sleeper(const std::string& named) const {
    if (named.empty())
        return cfg_->sleepers.size() == 1 ? cfg_->sleepers.front().name : std::string();
    for (const auto& s : cfg_->sleepers)
        if (s.name == named) return named;
    return {};
}

void CrampLog::start() {
    const WallTime now = clock_.wall_now();
    const WallTime window_start = now - std::chrono::hours(24 * (kWindowNights + 1));
    write("loading", [&] {
        log_started_ = store_->first_record();
        for (auto& row : store_->since(window_start))
            remember(sleeper(row.sleeper), std::move(row));
        for (auto& [name, s] : sleepers_) {
            s->travel = store_->travel(name, now - std::chrono::hours(24 * 8));
            for (const auto& n : store_->notices(name, now - std::chrono::hours(24 * 8))) {
                if (n.condition == "weekly_digest") s->last_digest = n.at;
                else s->sent.push_back({n.condition, n.at});
            }
            load_checkins(*s, cramplog::night_of(s->zone, now) - days(kWindowNights));
            if (auto t = store_->tier(name)) {
                s->tier = {tier_from(t->tier).value_or(Tier::calm), t->days_in_tier};
                s->override_tier = t->override_tier;
                if (auto night = night_from_text(t->night)) s->decided = night;
            }
        }
    });
    for (const auto& spec : cfg_->sleepers) {
        auto& s = sleeper(spec.name);
        decide_night(s, spec.name, now);
        refresh_evening(s);
    }
    arm_checkin_timer();
    log_->info(
        "cramp log {}: {} episodes in the last {} nights", options_.db_path,
        [&] {
            std::size_t n = 0;
            for (const auto& [name, s] : sleepers_) n += s->recent.size();
            return n;
        }(),
        kWindowNights);
}

void CrampLog::remember(SleeperLog& s, StoredEpisode row) {
    auto& v = s.recent;
    v.erase(std::remove_if(v.begin(), v.end(),
                           [&](const StoredEpisode& e) {
                               return e.source == row.source && e.source_id == row.source_id;
                           }),
            v.end());
    auto pos = std::upper_bound(v.begin(), v.end(), row.start,
                                [](WallTime t, const StoredEpisode& e) { return t < e.start; });
    v.insert(pos, std::move(row));
    if (v.size() > kMaxRowsPerSleeper)
        v.erase(v.begin(), v.begin() + static_cast<long>(v.size() - kMaxRowsPerSleeper));
}

void CrampLog::forget(const std::string& source, const std::string& source_id) {
    for (auto& [name, s] : sleepers_)
        s->recent.erase(std::remove_if(s->recent.begin(), s->recent.end(),
                                       [&](const StoredEpisode& e) {
                                           return e.source == source && e.source_id == source_id;
                                       }),
                        s->recent.end());
}

std::vector<int> CrampLog::nightly_counts(const SleeperLog& s, local_days first,
                                          local_days last) const {
    if (last < first) return {};
    std::vector<int> counts(static_cast<std::size_t>((last - first).count() + 1), 0);
    for (const auto& e : s.recent) {
        if (e.status == "false_positive") continue;
        const local_days n = cramplog::night_of(s.zone, e.start);
        if (n < first || n > last) continue;
        ++counts[static_cast<std::size_t>((n - first).count())];
    }
    // A morning check-in counts once with the episodes of its night (checkin.hpp).
    for (const auto& c : s.checkins) {
        const auto n = cramplog::parse_night(c.night);
        const auto answer = cramplog::answer_from(c.answer);
        if (!n || !answer || *n < first || *n > last) continue;
        auto& count = counts[static_cast<std::size_t>((*n - first).count())];
        count = std::max(count, cramplog::answer_count(*answer));
    }
    return counts;
}

bool CrampLog::clustered_early(const SleeperLog& s, local_days night) const {
    if (!s.configured) return false;
    std::vector<std::chrono::minutes> since;
    for (const auto& e : s.recent) {
        if (e.status == "false_positive") continue;
        const local_days n = cramplog::night_of(s.zone, e.start);
        if (n < night - days(28) || n >= night) continue;
        // Measured from the configured bedtime: the adapted one moves with the result.
        if (auto plan = routine::plan_in_log_night(*s.configured, s.zone, n))
            since.push_back(std::chrono::floor<std::chrono::minutes>(e.start - plan->bedtime));
    }
    return cramplog::clusters_early(options_.cluster, since);
}

void CrampLog::refresh_evening(SleeperLog& s) {
    if (!s.configured) return;
    const auto* pad = cfg_->find_actuator(s.configured->heating_pad);
    const auto cap = pad ? pad->max_on : std::chrono::seconds(0);
    s.evening = cramplog::adapted_spec(
        *s.configured,
        cramplog::adjustments_for(s.effective_tier(), *s.configured, cap, s.clustered));
    apply_experiment(s);
    // New for every evening built here (across reloads too: the log outlives
    // them): RoutineRunner's plan cache keys on it.
    s.evening.revision = ++evenings_built_;
}

void CrampLog::decide_night(SleeperLog& s, const std::string& name, WallTime now) {
    if (!s.configured) return;
    const local_days night = cramplog::night_of(s.zone, now);
    if (s.decided && *s.decided >= night) return;
    finish_experiment(s, night);
    // Catch up the nights bedtimed was down for, so the tier's age is right.
    local_days from = s.decided ? *s.decided + days(1) : night;
    if (night - from > days(kWindowNights)) from = night - days(kWindowNights);
    const auto* pad = cfg_->find_actuator(s.configured->heating_pad);
    const auto cap = pad ? pad->max_on : std::chrono::seconds(0);
    const int window = std::max(1, options_.policy.window_nights);
    for (local_days d = from; d <= night; d += days(1)) {
        const auto counts = nightly_counts(s, d - days(window), d - days(1));
        const auto decision = cramplog::decide_tier(options_.policy, s.tier, counts);
        const bool clustered = clustered_early(s, d);
        if (decision.changed || clustered != s.clustered) {
            const auto before =
                cramplog::adjustments_for(s.tier.tier, *s.configured, cap, s.clustered);
            const auto after =
                cramplog::adjustments_for(decision.state.tier, *s.configured, cap, clustered);
            std::string reason =
                decision.changed ? decision.reason
                : clustered      ? "cramps cluster in the first 2 h after bedtime (last 28 nights)"
                                 : "cramps no longer cluster early in the night";
            const std::string change = cramplog::describe_change(before, after);
            if (!change.empty()) reason += ": " + change;
            const AdaptationRecord record{name, now, cramplog::tier_name(decision.state.tier),
                                          reason};
            write("adaptation decision", [&] { store_->record_decision(record); });
            if (decision.changed) ++counters_.tier_changes;
            say(name, fmt::format("tier {} → {} for the night of {}: {}",
                                  cramplog::tier_name(s.tier.tier),
                                  cramplog::tier_name(decision.state.tier), cramplog::night_text(d),
                                  reason));
        }
        s.tier = decision.state;
        s.clustered = clustered;
    }
    s.decided = night;
    const TierRecord record{cramplog::tier_name(s.tier.tier), s.tier.days_in_tier,
                            cramplog::night_text(night), s.override_tier};
    write("tier", [&] { store_->save_tier(name, record); });
    // Rows older than the window are no longer needed in memory.
    const local_days oldest = night - days(kWindowNights);
    s.recent.erase(std::remove_if(s.recent.begin(), s.recent.end(),
                                  [&](const StoredEpisode& e) {
                                      return cramplog::night_of(s.zone, e.start) < oldest;
                                  }),
                   s.recent.end());
    refresh_evening(s);
    maybe_send_digest(name, s);
    check_notices(name, s);
    if (changed_) changed_(name);
}

const config::SleeperSpec& CrampLog::evening(const std::string& name, WallTime now) {
    auto& s = sleeper(name);
    decide_night(s, name, now);
    return s.evening;
}

void CrampLog::send(const std::string& sleeper, const std::string& step, const std::string& title,
                    const std::string& text, bool urgent) {
    if (send_) send_(integrations::Reminder{sleeper, step, title, text, urgent, clock_.wall_now()});
}

void CrampLog::check_notices(const std::string& name, SleeperLog& s) {
    cramplog::NoticeInput in;
    const WallTime now = clock_.wall_now();
    in.episodes = s.recent;
    for (const auto& e : s.recent)
        if (e.row) in.flags[e.row] = e.flags;
    in.travel_ended = s.travel;
    in.zone = s.zone;
    in.now = now;
    in.sent = s.sent;
    in.log_started = log_started_;
    for (const auto& n : cramplog::due_notices(in)) {
        send(name, "notice", n.title, n.text, n.urgent);
        const NoticeRecord record{name, n.condition, now, n.text};
        write("notice", [&] { store_->record_notice(record); });
        s.sent.push_back({n.condition, now});
        ++counters_.notices_sent;
        say(name, "notice (" + n.condition + "): " + n.title);
    }
    // Only the last week matters for the once-per-7-days rule.
    std::erase_if(s.sent, [&](const cramplog::SentNotice& n) {
        return now - n.sent_at > std::chrono::hours(24 * 8);
    });
}

void CrampLog::maybe_send_digest(const std::string& name, SleeperLog& s) {
    const WallTime now = clock_.wall_now();
    const auto week = std::chrono::hours(24 * 7);
    if (!log_started_ || now - *log_started_ < week) return;
    // An hour's slack: the digest goes out at the same night change each week.
    if (s.last_digest && now - *s.last_digest < week - std::chrono::hours(1)) return;
    const local_days night = cramplog::night_of(s.zone, now);
    const local_days first = night - days(28);
    std::vector<RoutineRun> runs;
    if (!write("reading routine runs",
               [&] { runs = store_->routine_runs(name, cramplog::night_text(first)); }))
        return;
    std::map<std::string, cramplog::NightRecord> nights;
    const auto counts = nightly_counts(s, first, night - days(1));
    for (std::size_t i = 0; i < counts.size(); ++i) {
        const std::string text = cramplog::night_text(first + days(static_cast<int>(i)));
        nights[text] = cramplog::NightRecord{text, counts[i], {}};
    }
    // A run is recorded under its plan night (routine.hpp); here it counts
    // for the log night it ran in, which differs for a bedtime after midnight.
    for (const auto& r : runs) {
        const std::string log_night = cramplog::night_text(cramplog::night_of(s.zone, r.ran));
        if (r.acknowledged && nights.count(log_night)) nights[log_night].steps_done.insert(r.step);
    }
    std::vector<cramplog::NightRecord> records;
    for (auto& [k, v] : nights) records.push_back(std::move(v));
    const auto st = stats(name);
    std::string text =
        fmt::format("Last 7 nights: {} cramp{}; 28-night average {}/week; trend {}; tier {}.",
                    st.last_7_days, st.last_7_days == 1 ? "" : "s", fixed1(st.rate_28d_per_week),
                    cramplog::trend_text(st.trend), cramplog::tier_name(s.effective_tier()));
    // Each step by its label in the step catalogue (routine/steps.hpp).
    const std::string helps = cramplog::describe_what_helps(cramplog::what_helps(records));
    if (!helps.empty()) text += "\n\n" + helps;
    // The randomised comparison, when one runs (experiments.md).
    if (const auto x = experiment_json(name); x.is_object() && x.contains("text"))
        text += "\n\nExperiment: " + x["text"].get<std::string>();
    send(name, "digest", "Your week of nights", text, false);
    const NoticeRecord record{name, "weekly_digest", now, text};
    write("weekly digest", [&] { store_->record_notice(record); });
    s.last_digest = now;
    ++counters_.notices_sent;
    say(name, "weekly digest sent");
}

void CrampLog::on_episode(const Episode& e, const std::string& name) {
    if (!options_.intake_commits_wearables) {
        if (write("episode", [&] { store_->insert(e, name); })) ++counters_.episodes_stored;
    }
    if (!log_started_) log_started_ = e.received;
    // An episode of no configured sleeper changes nobody's evening: it is in
    // the store (the intake committed it), and memory stays flat under a flood.
    if (name.empty()) return;
    StoredEpisode row;
    row.sleeper = name;
    row.source = e.source;
    row.source_id = e.id_text;
    row.start = e.start;
    row.duration_s = e.duration_s;
    row.muscle = e.muscle;
    row.side = e.side;
    row.severity = e.severity;
    row.status = "unconfirmed";
    row.received = e.received;
    auto& s = sleeper(name);
    remember(s, std::move(row));
    check_notices(name, s);
    if (changed_) changed_(name);
}

void CrampLog::on_sensor(const std::string& name, const Value& value) {
    const auto* b = std::get_if<bool>(&value);
    if (!b) return;
    const WallTime now = clock_.wall_now();
    for (const auto& spec : cfg_->sleepers)
        if (spec.occupancy_sensor == name) {
            auto& s = sleeper(spec.name);
            s.in_bed = *b;
            maybe_prompt_checkin(s);  // out of bed in the morning: the check-in's question
        }
    for (const auto& spec : cfg_->sleepers) {
        if (!spec.immobility || spec.immobility->sensor != name) continue;
        auto& s = sleeper(spec.name);
        if (*b) {
            if (!s.immobile_since) s.immobile_since = now;
            continue;
        }
        if (!s.immobile_since) continue;
        const auto still = now - *s.immobile_since;
        s.immobile_since.reset();
        if (still < spec.immobility->min_duration) continue;
        say(spec.name,
            fmt::format("{} min without moving ({} read true) ended",
                        std::chrono::duration_cast<std::chrono::minutes>(still).count(), name));
        travel(commands::Travel{spec.name, now});
    }
}

void CrampLog::step_ran(const std::string& sleeper, const std::string& night,
                        const std::string& step, WallTime at) {
    if (!log_started_) log_started_ = at;
    write("routine step", [&] { store_->record_step(sleeper, night, step, at); });
}

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
        return {false, "the cramp log could not be written (see the daemon's log)", {}};
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
        return {false, "the cramp log could not be written (see the daemon's log)", {}};
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
            return {false, "the cramp log could not be written (see the daemon's log)", {}};
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
        return {false, "the cramp log could not be written (see the daemon's log)", {}};
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
        return {false, "the cramp log could not be written (see the daemon's log)", {}};
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

cramplog::Stats CrampLog::stats(const std::string& name) const {
    const SleeperLog* s = find(name);
    if (!s) return {};
    cramplog::StatsOptions opts;
    if (s->configured) opts.bedtime = s->configured->bedtime;
    return with_checkins(*s, cramplog::compute_stats(s->recent, s->zone, clock_.wall_now(), opts));
}

Tier CrampLog::tier(const std::string& name) const {
    const SleeperLog* s = find(name);
    return s ? s->effective_tier() : Tier::calm;
}

std::string CrampLog::tier_override(const std::string& name) const {
    const SleeperLog* s = find(name);
    return s && !s->override_tier.empty() ? s->override_tier : "auto";
}

std::string CrampLog::recent_notice(const std::string& name) const {
    const SleeperLog* s = find(name);
    if (!s) return {};
    const WallTime since = clock_.wall_now() - std::chrono::hours(24 * 7);
    std::string latest;
    WallTime at{};
    for (const auto& n : s->sent)
        if (n.sent_at >= since && n.sent_at >= at) {
            latest = n.condition;
            at = n.sent_at;
        }
    return latest;
}

std::optional<WallTime> CrampLog::last_episode(const std::string& name) const {
    const SleeperLog* s = find(name);
    if (!s) return std::nullopt;
    for (auto it = s->recent.rbegin(); it != s->recent.rend(); ++it)
        if (it->status != "false_positive") return it->start;
    return std::nullopt;
}

}  // namespace bedtimed
