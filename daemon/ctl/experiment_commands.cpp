// The morning check-in and n-of-1 experiments on the command line:
// `checkin` and `experiment start|stop` are verbs sent to the daemon (verb
// table, commands/verbs.hpp); `experiment status|report` read the log
// read-only, as `export --format fhir` does (its FHIR part is here).
#include <cmath>
#include <cstdio>
#include <set>

#include <fmt/format.h>

#include "cli.hpp"
#include "experiment_report.hpp"
#include "fhir.hpp"
#include "log_access.hpp"

namespace bedtimed::ctl {

namespace {

[[noreturn]] void usage_error(const std::string& what) { throw CtlError(kExitUsage, what); }

int run_checkin(Invocation& inv) {
    nlohmann::json j = {{"answer", inv.positional.at(0)}, {"channel", "ctl"}};
    if (const std::string s = inv.sleeper(false); !s.empty()) j["sleeper"] = s;
    for (const char* key : {"night", "muscle", "side", "notes"})
        if (auto v = inv.get(std::string("--") + key)) j[key] = *v;
    if (auto v = inv.get("--severity")) j["severity"] = parse_int(inv, "--severity", 0, 0, 10);
    return send_verb(inv, std::move(j), [](const nlohmann::json& r) {
        return "check-in saved for the night of " + text_of(r, "night") + ": " +
               text_of(r, "answer");
    });
}

bool has_wearable(Invocation& inv, const std::string& sleeper) {
    if (const auto* c = inv.config())
        for (const auto& s : c->sleepers)
            if (s.name == sleeper) return !s.wearable.empty();
    return false;
}

std::string ratio(const nlohmann::json& v) {
    return v.is_number() ? fmt::format("{:.2f}", v.get<double>()) : std::string("unbounded");
}

void print_report(const cramplog::ExperimentReport& r, bool with_nights) {
    const auto j = cramplog::experiment_report_json(r);
    std::printf("%s: experiment on %s (%s), %d of %d nights from %s, seed %s\n",
                r.record.sleeper.c_str(), r.record.step.c_str(), r.status.c_str(), r.result.done,
                r.result.planned, r.record.first_night.c_str(),
                std::to_string(r.record.seed).c_str());
    std::printf("  %-8s %6s %12s %7s %9s\n", "arm", "nights", "with cramp", "cramps", "per night");
    for (const auto& [name, arm] :
         {std::pair{"with", r.result.with_step}, std::pair{"without", r.result.without_step}})
        std::printf("  %-8s %6d %12d %7d %9.2f\n", name, arm.nights, arm.nights_with_cramp,
                    arm.cramps, arm.rate);
    if (j["rate_ratio"].is_object())
        std::printf(
            "  rate ratio %s, exact 95%% interval %s to %s; P(lower with the step) %.0f%%\n",
            ratio(j["rate_ratio"]["estimate"]).c_str(), ratio(j["rate_ratio"]["lower_95"]).c_str(),
            ratio(j["rate_ratio"]["upper_95"]).c_str(), 100 * r.result.probability_lower);
    std::printf("  %s\n", r.text.c_str());
    if (!with_nights) return;
    std::puts("  Nights:");
    for (const auto& n : r.nights)
        std::printf("    %s  %-7s %s %s\n", n.night.c_str(), cramplog::arm_name(n.arm),
                    !n.finished ? "(to come)"
                    : n.known   ? std::to_string(n.cramps).c_str()
                                : "no answer",
                    cramplog::excluded_because(n, true).empty() || !n.finished
                        ? ""
                        : ("left out: " + cramplog::excluded_because(n, true)).c_str());
}

int show_experiments(Invocation& inv, bool report) {
    const std::string only = inv.get("--sleeper").value_or("");
    std::vector<cramplog::ExperimentReport> reports;
    const auto now = std::chrono::system_clock::now();
    with_log(inv.state_dir, [&](const EpisodeStore& store) {
        for (const auto& e : store.experiments(only)) {
            reports.push_back(cramplog::experiment_report(store, e, inv.zone(e.sleeper),
                                                          has_wearable(inv, e.sleeper), now));
            if (!report) break;  // status: the latest only
        }
    });
    if (inv.json) {
        nlohmann::json all = nlohmann::json::array();
        for (const auto& r : reports) all.push_back(cramplog::experiment_report_json(r));
        print_json(report ? all : (all.empty() ? nlohmann::json() : all[0]));
        return kExitOk;
    }
    if (reports.empty()) std::puts("no experiment yet (bedtimectl experiment start --step STEP)");
    for (const auto& r : reports) print_report(r, report);
    return kExitOk;
}

int run_experiment(Invocation& inv) {
    const std::string action = inv.positional.at(0);
    if (action == "status" || action == "report") return show_experiments(inv, action == "report");
    if (action != "start" && action != "stop")
        usage_error("'" + action + "': say start, stop, status or report");
    nlohmann::json j = {{"action", action}};
    if (const std::string s = inv.sleeper(false); !s.empty()) j["sleeper"] = s;
    if (action == "start") {
        const auto step = inv.get("--step");
        if (!step) usage_error("experiment start needs --step STEP");
        j["step"] = *step;
        j["weeks"] = parse_int(inv, "--weeks", 6, 1, 52);
        if (auto seed = inv.get("--seed")) j["seed"] = parse_int(inv, "--seed", 0, 0, 2147483647);
    }
    return send_verb(inv, std::move(j), [](const nlohmann::json& r) {
        if (!r.contains("first_night")) return std::string("experiment stopped");
        return "experiment started: " + std::to_string(r.value("nights", 0)) + " nights from " +
               text_of(r, "first_night") + ", seed " + text_of(r, "seed");
    });
}

const OptionSpec kSleeper{"--sleeper", "NAME", "which sleeper (optional with one sleeper)"};

}  // namespace

void export_fhir(Invocation& inv) {
    const std::string only = inv.get("--sleeper").value_or("");
    nlohmann::json bundles = nlohmann::json::array();
    std::vector<cramplog::FhirExport> exports;
    with_log(inv.state_dir, [&](const EpisodeStore& store) {
        std::set<std::string> names;
        for (const auto& e : store.since(WallTime{}, only)) names.insert(e.sleeper);
        for (const auto& c : store.checkins(only, "")) names.insert(c.sleeper);
        if (!only.empty()) names = {only};
        for (const auto& name : names)
            exports.push_back({name, store.since(WallTime{}, name), store.checkins(name, ""),
                               std::chrono::system_clock::now()});
    });
    if (exports.size() > 1 && only.empty())
        usage_error("the log has more than one sleeper: name one with --sleeper");
    if (exports.empty()) exports.push_back({only, {}, {}, std::chrono::system_clock::now()});
    print_json(cramplog::fhir_bundle(exports.front()));
}

std::vector<CommandSpec> experiment_commands() {
    return {
        verb_command(
            "checkin", "none|one|two_or_more",
            "What the morning check-in's buttons send: the night's answer (0, 1 and 2+\n"
            "work too). Details may follow later with the same command.\n"
            "Example: bedtimectl checkin one --muscle calf --side left --severity 6",
            {kSleeper,
             {"--night", "DATE", "the night's evening (default: the night ending at noon)"},
             {"--muscle", "M", "where"},
             {"--side", "S", "left, right or both"},
             {"--severity", "N", "0 to 10"},
             {"--notes", "TEXT", "free text"}},
            1, run_checkin),
        verb_command(
            "experiment", "start|stop|status|report",
            "start: withhold STEP on one night of each pair, in random order, for WEEKS\n"
            "weeks from the next night (docs/experiments.md). status: the latest\n"
            "experiment's numbers; report: every experiment, night by night.\n"
            "Example: bedtimectl experiment start --sleeper alex --step prewarm --weeks 6",
            {kSleeper,
             {"--step", "STEP", "prewarm, prewarm_cold, stretch, hydration, supplement, elevation"},
             {"--weeks", "N", "planned length (default 6)"},
             {"--seed", "N", "the random seed (default: drawn by bedtimed)"}},
            1, run_experiment),
    };
}

}  // namespace bedtimed::ctl
