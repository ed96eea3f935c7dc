#include "experiment.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <initializer_list>

namespace bedtimed::cramplog {

namespace {

constexpr ExperimentStep kSteps[] = {
    {"prewarm", "the pre-warm"},
    {"prewarm_cold", "the long pre-warm"},
    {"stretch", "the stretch reminder"},
    {"hydration", "the hydration reminder"},
    {"supplement", "the supplement reminder"},
    {"elevation", "the elevation"},
};

bool any_of(std::span<const std::string> runs, std::initializer_list<std::string_view> ids) {
    return std::any_of(runs.begin(), runs.end(), [&](const std::string& r) {
        return std::find(ids.begin(), ids.end(), r) != ids.end();
    });
}

// SplitMix64: a fixed, documented mixer, so that a seed draws the same pairs
// on every build and platform (std::mt19937's distributions are not portable).
std::uint64_t splitmix64(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

std::string fixed(double v, int digits) { return fmt::format("{:.{}f}", v, digits); }

std::string ratio_text(double v) { return std::isinf(v) ? "unbounded" : fixed(v, 2); }

}  // namespace

std::span<const ExperimentStep> experiment_steps() { return kSteps; }

const ExperimentStep* find_experiment_step(std::string_view id) {
    for (const auto& s : kSteps)
        if (s.id == id) return &s;
    return nullptr;
}

bool step_configured(const config::SleeperSpec& spec, std::string_view step) {
    if (step == "prewarm") return spec.prewarm.enabled && !spec.heating_pad.empty();
    if (step == "prewarm_cold")
        return spec.prewarm.enabled && !spec.heating_pad.empty() &&
               !spec.prewarm.cold_sensor.empty();
    if (step == "stretch") return spec.stretch.enabled;
    if (step == "hydration") return spec.hydration.enabled;
    if (step == "supplement") return spec.supplement.enabled;
    if (step == "elevation") return spec.elevation.enabled && !spec.bed.empty();
    return false;
}

const char* arm_name(Arm a) { return a == Arm::with_step ? "with" : "without"; }

std::optional<Arm> arm_from(std::string_view name) {
    if (name == "with") return Arm::with_step;
    if (name == "without") return Arm::without_step;
    return std::nullopt;
}

std::optional<date::local_days> parse_night(const std::string& text) {
    // By hand: date::parse trips GCC 12's -Wmaybe-uninitialized.
    int y = 0;
    unsigned m = 0, d = 0;
    char tail = 0;
    if (std::sscanf(text.c_str(), "%d-%u-%u%c", &y, &m, &d, &tail) != 3) return std::nullopt;
    const date::year_month_day ymd{date::year(y), date::month(m), date::day(d)};
    if (!ymd.ok()) return std::nullopt;
    return date::local_days(ymd);
}

int planned_nights(int weeks) {
    const int nights = std::max(1, weeks) * 7;
    return nights + nights % 2;
}

std::optional<Arm> assigned_arm(const ExperimentDesign& d, date::local_days night) {
    const auto index = (night - d.first_night).count();
    if (index < 0 || index >= d.nights) return std::nullopt;
    const auto pair = static_cast<std::uint64_t>(index / 2);
    const bool step_first = (splitmix64(d.seed ^ splitmix64(pair)) & 1) != 0;
    const bool first_of_pair = index % 2 == 0;
    return first_of_pair == step_first ? Arm::with_step : Arm::without_step;
}

std::vector<Arm> all_assignments(const ExperimentDesign& d) {
    std::vector<Arm> arms;
    for (int i = 0; i < d.nights; ++i)
        arms.push_back(*assigned_arm(d, d.first_night + date::days(i)));
    return arms;
}

void withhold_step(config::SleeperSpec& evening, std::string_view step) {
    if (step == "prewarm") evening.prewarm.enabled = false;
    else if (step == "prewarm_cold") evening.prewarm.cold_sensor.clear();
    else if (step == "stretch") {
        evening.stretch.enabled = false;
        evening.extra_stretch.enabled = false;
    } else if (step == "hydration") evening.hydration.enabled = false;
    else if (step == "supplement") evening.supplement.enabled = false;
    else if (step == "elevation") evening.elevation.enabled = false;
}

void freeze_step(config::SleeperSpec& evening, const config::SleeperSpec& calm,
                 std::string_view step) {
    if (step == "prewarm" || step == "prewarm_cold") evening.prewarm = calm.prewarm;
    else if (step == "stretch") {
        evening.stretch = calm.stretch;
        evening.extra_stretch = calm.extra_stretch;
    } else if (step == "hydration") evening.hydration = calm.hydration;
    else if (step == "supplement") evening.supplement = calm.supplement;
    else if (step == "elevation") evening.elevation = calm.elevation;
}

bool step_ran_as(std::string_view step, Arm arm, std::span<const std::string> runs) {
    // Withholding the pre-warm switches off both pre-warm rows, and the long
    // one leaves the plain one nothing to do (the pad is already warming).
    if (step == "prewarm") return any_of(runs, {"prewarm", "prewarm_cold"});
    // The cold-room rule: on a "with" night a warm room leaves only the plain
    // pre-warm, which still shows the pad warmed and the rule had its look;
    // on a "without" night only the long pre-warm itself breaks the arm.
    if (step == "prewarm_cold")
        return arm == Arm::with_step ? any_of(runs, {"prewarm_cold", "prewarm"})
                                     : any_of(runs, {"prewarm_cold"});
    // Withholding the stretch reminder withholds the tier's extra stretch too.
    if (step == "stretch") return any_of(runs, {"stretch", "extra_stretch"});
    return any_of(runs, {step});
}

std::string excluded_because(const ExperimentNight& n, bool recorded_as_run) {
    if (!n.finished) return "not over yet";
    if (recorded_as_run && n.arm == Arm::with_step && !n.step_ran)
        return "the step did not run (switched off, away, pad unavailable or no routine)";
    if (recorded_as_run && n.arm == Arm::without_step && n.step_ran)
        return "the step ran on a night without it";
    if (!n.known) return "no answer";
    return {};
}

ExperimentResult summarize(const std::vector<ExperimentNight>& nights, int planned,
                           bool recorded_as_run) {
    ExperimentResult r;
    r.planned = planned;
    for (const auto& n : nights) {
        if (n.finished) ++r.done;
        if (!n.finished) continue;
        if (!excluded_because(n, recorded_as_run).empty()) {
            ++r.excluded;
            continue;
        }
        ArmResult& a = n.arm == Arm::with_step ? r.with_step : r.without_step;
        ++a.nights;
        a.cramps += n.cramps;
        if (n.cramps > 0) ++a.nights_with_cramp;
    }
    for (ArmResult* a : {&r.with_step, &r.without_step})
        a->rate = a->nights ? static_cast<double>(a->cramps) / a->nights : 0.0;
    r.interim = r.done < planned;
    r.ratio = rate_ratio_interval(r.with_step.cramps, r.with_step.nights, r.without_step.cramps,
                                  r.without_step.nights);
    r.probability_lower = probability_step_lowers(r.with_step.cramps, r.with_step.nights,
                                                  r.without_step.cramps, r.without_step.nights);
    return r;
}

std::string why_no_ratio(const ExperimentResult& r, std::string_view step_label) {
    if (r.ratio) return {};
    // rate_ratio_interval has nothing to estimate: say which of its two reasons.
    if (r.with_step.nights == 0 && r.without_step.nights == 0)
        return "No counted nights in either arm yet";
    if (r.with_step.nights == 0) return fmt::format("No counted nights with {} yet", step_label);
    if (r.without_step.nights == 0)
        return fmt::format("No counted nights without {} yet", step_label);
    return "No cramps in either arm yet";
}

std::string describe_result(const ExperimentResult& r, std::string_view step_label) {
    std::string text = fmt::format(
        "{}With {}: {} nights, {} with a cramp, {} cramps ({}/night). Without: {} nights, {} with "
        "a cramp, {} cramps ({}/night).",
        r.interim ? fmt::format("Interim ({} of {} nights): ", r.done, r.planned) : "", step_label,
        r.with_step.nights, r.with_step.nights_with_cramp, r.with_step.cramps,
        fixed(r.with_step.rate, 2), r.without_step.nights, r.without_step.nights_with_cramp,
        r.without_step.cramps, fixed(r.without_step.rate, 2));
    const std::string left_out =
        r.excluded ? fmt::format(" {} nights left out.", r.excluded) : std::string();
    if (!r.ratio) return text + " " + why_no_ratio(r, step_label) + ": no rate ratio." + left_out;
    const auto& i = r.ratio->interval;
    text += fmt::format(
        " Rate ratio {} (95% interval {} to {}); probability that the rate was lower with the "
        "step: {}%.",
        ratio_text(r.ratio->estimate), ratio_text(i.lower), ratio_text(i.upper),
        fixed(100 * r.probability_lower, 0));
    if (i.upper < 1)
        text += " On these nights, there were fewer cramps with the step than without it.";
    else if (i.lower > 1)
        text += " On these nights, there were more cramps with the step than without it.";
    else text += " On these nights, the numbers do not tell the two arms apart.";
    return text + left_out;
}

}  // namespace bedtimed::cramplog
