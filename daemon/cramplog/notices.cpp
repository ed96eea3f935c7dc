#include "notices.hpp"

#include <cstdio>

#include "night.hpp"
#include "steps.hpp"

namespace bedtimed::cramplog {

namespace {

// Every text ends with this, so no notice reads as a medical assessment.
constexpr const char* kFooter =
    " This is a reminder based on your own log, not a medical assessment.";

std::string one_decimal(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", v);
    return buf;
}

std::string plural(int n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
}

// True when `condition` was sent less than kRepeatAfter before `now`.
bool sent_recently(const NoticeInput& in, std::string_view condition) {
    for (const auto& s : in.sent) {
        if (s.condition == condition && s.sent_at <= in.now && in.now - s.sent_at < kRepeatAfter) {
            return true;
        }
    }
    return false;
}

const EpisodeFlags* flags_of(const NoticeInput& in, std::int64_t row) {
    const auto it = in.flags.find(row);
    return it == in.flags.end() ? nullptr : &it->second;
}

struct Window {
    int recent7 = 0;  // nights -6..0
    int prior28 = 0;  // nights -34..-7
    int numbness14 = 0;
    bool back_pain14 = false;
    bool clot_flag7 = false;     // swelling, redness or warmth
    bool after_travel7 = false;  // within kTravelWindow after a travel mark
    double longest7_s = 0;
};

Window scan(const NoticeInput& in) {
    Window w;
    const auto tonight = night_of(in.zone, in.now);
    for (const auto& e : in.episodes) {
        if (e.status == "false_positive" || e.start > in.now) continue;
        const auto age = (tonight - night_of(in.zone, e.start)).count();  // 0 = tonight
        const EpisodeFlags* f = flags_of(in, e.row);
        if (age <= 6) {
            ++w.recent7;
            if (e.duration_s > w.longest7_s) w.longest7_s = e.duration_s;
            if (f && (f->swelling || f->redness || f->warmth)) w.clot_flag7 = true;
            for (const auto& t : in.travel_ended) {
                if (e.start >= t && e.start - t <= kTravelWindow) w.after_travel7 = true;
            }
        } else if (age <= 34) {
            ++w.prior28;
        }
        if (age <= 13 && f) {
            if (f->numbness) ++w.numbness14;
            if (f->back_pain) w.back_pain14 = true;
        }
    }
    return w;
}

// The log must reach back to the first of the prior 28 nights for "none
// before" or "more than usual" to mean anything.
bool history_covers_baseline(const NoticeInput& in) {
    if (!in.log_started) return true;
    const auto tonight = night_of(in.zone, in.now);
    return night_of(in.zone, *in.log_started) <= tonight - date::days(34);
}

}  // namespace

std::vector<Notice> due_notices(const NoticeInput& in) {
    const Window w = scan(in);
    const bool baseline = history_covers_baseline(in);
    std::vector<Notice> out;
    auto add = [&](std::string_view id, bool urgent, std::string title, std::string text) {
        if (sent_recently(in, id)) return;
        out.push_back(Notice{std::string(id), urgent, std::move(title), std::move(text) + kFooter});
    };

    const bool new_onset = baseline && w.prior28 == 0 && w.recent7 >= kNewOnsetMinRecent;
    if (new_onset) {
        add(kNewOnset, false, "New leg cramps in your log",
            "You logged " + plural(w.recent7, "cramp", "cramps") +
                " in the last 7 nights and none in the 4 weeks before. New cramps, for example "
                "after starting a new medication, are worth discussing with a doctor.");
    }

    // recent ≥ factor × (prior / 4), kept in integers. A zero baseline is the
    // new_onset case, not escalation, so the user gets one notice, not two.
    if (baseline && w.prior28 > 0 && w.recent7 >= kEscalationMinRecent &&
        w.recent7 * 4 >= kEscalationFactor * w.prior28) {
        add(kEscalation, false, "More leg cramps than usual",
            "You logged " + plural(w.recent7, "cramp", "cramps") +
                " in the last 7 nights, against about " + one_decimal(w.prior28 / 4.0) +
                " a week in the 4 weeks before. A sudden rise in cramps may be worth discussing "
                "with a doctor, especially if something else changed, such as a new medication.");
    }

    if (w.clot_flag7 || w.after_travel7) {
        const std::string why =
            w.clot_flag7 ? "You marked a recent cramp with swelling, redness or warmth."
                         : "You logged a cramp within 48 hours after long travel or a long time "
                           "sitting still.";
        add(kOneLegSwelling, true, "Seek care promptly if your leg is swollen or painful",
            why +
                " Please seek care promptly: pain, swelling, warmth or redness in one leg can be "
                "a sign of a blood clot (DVT). Sudden breathlessness or chest pain needs "
                "emergency care: call your local emergency number.");
    }

    if (w.numbness14 >= kNumbnessMinEpisodes || w.back_pain14) {
        std::string why;
        if (w.numbness14 >= kNumbnessMinEpisodes) {
            why = "You marked numbness with " + plural(w.numbness14, "cramp", "cramps") +
                  " in the last 14 nights.";
        }
        if (w.back_pain14)
            why += std::string(why.empty() ? "" : " ") + "You marked back pain with a cramp.";
        add(kNumbnessOrBackPain, false, "Cramps with numbness or back pain",
            why +
                " Cramps that come with numbness, tingling or back pain are worth discussing "
                "with a doctor.");
    }

    if (w.longest7_s > kLongCrampSeconds) {
        add(kLongCramp, false, "A long cramp",
            "A cramp in the last 7 nights lasted about " +
                plural(static_cast<int>(w.longest7_s / 60), "minute", "minutes") +
                ". A cramp lasting more than 10 minutes that does not ease is worth getting "
                "checked, so this is worth discussing with a doctor. If a cramp like that is "
                "happening now and does not ease, seek care.");
    }
    return out;
}

std::vector<StepComparison> what_helps(const std::vector<NightRecord>& nights) {
    std::set<std::string> steps;
    for (const auto& n : nights) steps.insert(n.steps_done.begin(), n.steps_done.end());

    std::vector<StepComparison> out;
    for (const auto& step : steps) {
        StepComparison c;
        c.step = step;
        for (const auto& n : nights) {
            if (n.steps_done.count(step)) {
                ++c.nights_with;
                c.cramps_with += n.cramps;
            } else {
                ++c.nights_without;
                c.cramps_without += n.cramps;
            }
        }
        c.rate_with = c.nights_with ? static_cast<double>(c.cramps_with) / c.nights_with : 0;
        c.rate_without =
            c.nights_without ? static_cast<double>(c.cramps_without) / c.nights_without : 0;
        c.caution = c.nights_with < kWhatHelpsMinNights || c.nights_without < kWhatHelpsMinNights;
        out.push_back(std::move(c));
    }
    return out;
}

std::string describe_what_helps(const std::vector<StepComparison>& steps) {
    std::string out;
    for (const auto& c : steps) {
        // A step no row knows (a run recorded before it left the catalogue)
        // has no words to show; an id is not a sentence.
        const std::string_view label = routine::step_label(c.step);
        if (label.empty()) continue;
        if (!out.empty()) out += "\n";
        out += "On the " + plural(c.nights_with, "night", "nights") + " you did " +
               std::string(label) + ", you logged " + one_decimal(c.rate_with) +
               " cramps a night; ";
        if (c.nights_without == 0) {
            out += "there are no nights without it to compare yet.";
        } else {
            out += "on the " + plural(c.nights_without, "night", "nights") + " you did not, " +
                   one_decimal(c.rate_without) + ".";
        }
        if (c.caution) out += " Few nights so far, read with care.";
    }
    if (!out.empty()) {
        // Nights with and without a step differ in more than the step.
        out += "\nThis compares your own nights; it does not show what caused the difference.";
    }
    return out;
}

}  // namespace bedtimed::cramplog
