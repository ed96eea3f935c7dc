#include "checkin.hpp"

#include <algorithm>
#include <map>

#include "night.hpp"

namespace bedtimed::cramplog {

const char* answer_name(CheckinAnswer a) {
    switch (a) {
        case CheckinAnswer::none:
            return "none";
        case CheckinAnswer::one:
            return "one";
        case CheckinAnswer::two_or_more:
            return "two_or_more";
    }
    return "none";
}

std::optional<CheckinAnswer> answer_from(std::string_view t) {
    if (t == "none" || t == "0" || t == "no_cramps") return CheckinAnswer::none;
    if (t == "one" || t == "1") return CheckinAnswer::one;
    if (t == "two_or_more" || t == "2" || t == "2+") return CheckinAnswer::two_or_more;
    return std::nullopt;
}

int answer_count(CheckinAnswer a) {
    return a == CheckinAnswer::none ? 0 : a == CheckinAnswer::one ? 1 : 2;
}

const char* answer_label(CheckinAnswer a) {
    return a == CheckinAnswer::none  ? "No cramps"
           : a == CheckinAnswer::one ? "1 cramp"
                                     : "2 or more";
}

const char* source_name(CountSource s) {
    switch (s) {
        case CountSource::none:
            return "none";
        case CountSource::episodes:
            return "episodes";
        case CountSource::checkin:
            return "checkin";
        case CountSource::both:
            return "both";
    }
    return "none";
}

namespace {

// The answer's category of an episode count: 0, 1, 2 or more.
bool same_category(int episodes, CheckinAnswer a) {
    return std::min(episodes, 2) == answer_count(a);
}

}  // namespace

std::vector<ReconciledNight> reconcile(const std::vector<StoredEpisode>& episodes,
                                       const std::vector<CheckinRecord>& checkins,
                                       const date::time_zone* zone, date::local_days first,
                                       date::local_days last, bool has_wearable) {
    std::vector<ReconciledNight> out;
    if (last < first) return out;
    const auto n = static_cast<std::size_t>((last - first).count() + 1);
    out.resize(n);
    for (std::size_t i = 0; i < n; ++i)
        out[i].night = night_text(first + date::days(static_cast<int>(i)));
    for (const auto& e : episodes) {
        if (e.status == "false_positive") continue;
        const auto night = night_of(zone, e.start);
        if (night < first || night > last) continue;
        ++out[static_cast<std::size_t>((night - first).count())].episodes;
    }
    std::map<std::string, CheckinAnswer> answers;
    for (const auto& c : checkins)
        if (auto a = answer_from(c.answer)) answers[c.night] = *a;
    for (auto& night : out) {
        if (auto it = answers.find(night.night); it != answers.end()) night.checkin = it->second;
        const int reported = night.checkin ? answer_count(*night.checkin) : 0;
        night.count = std::max(night.episodes, reported);
        night.known = night.episodes > 0 || night.checkin || has_wearable;
        night.disagree = night.checkin && !same_category(night.episodes, *night.checkin);
        if (night.checkin && (night.episodes > 0 || has_wearable)) night.source = CountSource::both;
        else if (night.checkin) night.source = CountSource::checkin;
        else if (night.known) night.source = CountSource::episodes;
    }
    return out;
}

bool should_prompt(const PromptInput& in) {
    if (in.answered || in.prompted) return false;
    if (in.local_minutes >= 12 * 60) return false;  // the night has ended: "no answer"
    if (in.has_bed_sensor) {
        if (in.local_minutes >= kGetUpFromMinutes && in.in_bed == false) return true;
        return in.local_minutes >= in.latest_at;
    }
    return in.local_minutes >= in.prompt_at;
}

bool checkin_open(int local_minutes, bool asked) {
    if (local_minutes >= 12 * 60) return false;  // the night has ended
    return asked || local_minutes >= kGetUpFromMinutes;
}

int prompt_minutes(std::optional<int> configured, bool quiet_hours_on, int quiet_hours_to) {
    if (configured) return *configured;
    return quiet_hours_on ? quiet_hours_to : 7 * 60 + 30;
}

int latest_minutes(std::optional<int> configured) { return configured.value_or(kFallbackMinutes); }

bool unanswered_by_noon(date::local_days asked, date::local_days current, bool answered) {
    return !answered && asked < current;
}

void apply_checkins(Stats& stats, const std::vector<ReconciledNight>& nights) {
    std::map<std::string, int> count_of;
    for (const auto& n : nights)
        if (n.known) count_of[n.night] = n.count;
    for (auto& pn : stats.per_night) {
        auto it = count_of.find(pn.night);
        pn.count = it == count_of.end() ? 0 : it->second;
    }
    stats.tonight = stats.last_7_days = stats.last_28_days = 0;
    stats.last_14_days = stats.prior_14_days = stats.nights_no_answer = 0;
    int known_7 = 0, known_28 = 0;
    const int total = static_cast<int>(nights.size());
    for (int i = 0; i < total; ++i) {
        const auto& n = nights[static_cast<std::size_t>(i)];
        const int ago = total - 1 - i;
        if (ago >= 28) continue;
        // The current night may still be answered: it is not "no answer" yet.
        if (!n.known) {
            if (ago > 0) ++stats.nights_no_answer;
            continue;
        }
        if (ago == 0) stats.tonight = n.count;
        if (ago < 7) stats.last_7_days += n.count, ++known_7;
        if (ago < 14) stats.last_14_days += n.count;
        else stats.prior_14_days += n.count;
        stats.last_28_days += n.count;
        ++known_28;
    }
    // Rates over the nights that are known, so "no answer" never reads as "no cramps".
    stats.rate_7d_per_week = known_7 ? 7.0 * stats.last_7_days / known_7 : 0.0;
    stats.rate_28d_per_week = known_28 ? 7.0 * stats.last_28_days / known_28 : 0.0;
    stats.trend = trend_of(stats.last_14_days, stats.prior_14_days);
    stats.count_source = "episodes+checkins";
}

}  // namespace bedtimed::cramplog
