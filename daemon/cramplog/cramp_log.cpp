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
#include "sleeper_view.hpp"

namespace bedtimed {

using cramplog::Tier;
using cramplog_detail::kMaxRowsPerSleeper;
using cramplog_detail::kWindowNights;
using cramplog_detail::tier_from;
using date::days;
using date::local_days;

namespace {

std::optional<local_days> night_from_text(const std::string& text) {
    // By hand: date::parse trips GCC 12's -Wmaybe-uninitialized.
    int y = 0;
    unsigned m = 0, d = 0;
    if (std::sscanf(text.c_str(), "%d-%u-%u", &y, &m, &d) != 3) return std::nullopt;
    const date::year_month_day ymd{date::year(y), date::month(m), date::day(d)};
    if (!ymd.ok()) return std::nullopt;
    return local_days(ymd);
}

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
        for (auto& row : store_->since(window_start)) {
            // The sleeper first: in remember(sleeper(row.sleeper), std::move(row))
            // the by-value argument may be moved from before row.sleeper is read
            // (GCC does), which put every stored row under sleeper "".
            SleeperLog& s = sleeper(row.sleeper);
            remember(s, std::move(row));
        }
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
        close_unanswered(s);  // a restart after noon still notes the morning's "no answer"
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
