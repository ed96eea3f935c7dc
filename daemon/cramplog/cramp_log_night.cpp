// The cramp log's nightly decisions, applied: the adaptive tier and the
// adapted evening, the "when to worry" notices and the weekly digest
// (the decisions themselves are the pure functions in adaptation/notices/stats).
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "cramp_log.hpp"
#include "checkin.hpp"
#include "cramp_log_sleeper.hpp"
#include "local_time.hpp"
#include "night.hpp"
#include "notices.hpp"
#include "routine.hpp"
#include "steps.hpp"

namespace bedtimed {

using cramplog::Tier;
using cramplog_detail::kWindowNights;
using date::days;
using date::local_days;

namespace {

std::string fixed1(double v) { return fmt::format("{:.1f}", v); }

}  // namespace

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

std::vector<cramplog::NightRecord> CrampLog::night_records(
    const SleeperLog& s, local_days first, local_days last,
    const std::vector<RoutineRun>& runs) const {
    std::map<std::string, cramplog::NightRecord> nights;
    const auto counts = nightly_counts(s, first, last);
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
    return records;
}

nlohmann::json CrampLog::what_helps_json(const std::string& name) const {
    constexpr int kNights = 28;  // the digest's window: the same sentences
    nlohmann::json out{{"nights", kNights}, {"steps", nlohmann::json::array()}, {"text", ""}};
    const SleeperLog* s = find(name);
    if (!s) return out;
    const local_days night = cramplog::night_of(s->zone, clock_.wall_now());
    const local_days first = night - days(kNights);
    std::vector<RoutineRun> runs;
    try {
        runs = store_->routine_runs(name, cramplog::night_text(first));
    } catch (const std::exception& e) {
        log_->warn("what helps not read: {}", e.what());
        return out;
    }
    const auto steps = cramplog::what_helps(night_records(*s, first, night - days(1), runs));
    for (const auto& c : steps) {
        const std::string_view label = routine::step_label(c.step);
        if (label.empty()) continue;  // as the digest: an id is not a sentence
        out["steps"].push_back({{"step", c.step},
                                {"label", std::string(label)},
                                {"nights_with", c.nights_with},
                                {"nights_without", c.nights_without},
                                {"cramps_with", c.cramps_with},
                                {"cramps_without", c.cramps_without},
                                {"rate_with", c.rate_with},
                                {"rate_without", c.rate_without},
                                {"caution", c.caution}});
    }
    out["text"] = cramplog::describe_what_helps(steps);
    return out;
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
    const auto records = night_records(s, first, night - days(1), runs);
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

}  // namespace bedtimed
