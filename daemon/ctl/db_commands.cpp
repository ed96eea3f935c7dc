// Commands that only read the cramp log (read-only; see log_access.hpp).
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <set>

#include "cli.hpp"
#include "ingest.hpp"
#include "local_time.hpp"
#include "log_access.hpp"
#include "night.hpp"
#include "report.hpp"
#include "stats.hpp"

namespace bedtimed::ctl {

namespace {

// Everything up to now, oldest first; all sleepers when `sleeper` is empty.
std::vector<StoredEpisode> all_rows(const EpisodeStore& store, const std::string& sleeper) {
    return store.since(WallTime{}, sleeper);
}

// --since DATE (local midnight in `zone`) or a full ISO-8601 time.
WallTime since_option(const std::string& text, const date::time_zone* zone) {
    // YYYY-MM-DD by hand: date::parse trips GCC 12's -Wmaybe-uninitialized.
    int y = 0;
    unsigned m = 0, d = 0;
    // Years past 2200 would overflow system_clock's nanoseconds (2262).
    if (text.size() == 10 && text[4] == '-' && text[7] == '-' &&
        std::sscanf(text.c_str(), "%4d-%2u-%2u", &y, &m, &d) == 3 && y >= 1970 && y <= 2200) {
        const date::year_month_day ymd{date::year(y), date::month(m), date::day(d)};
        if (ymd.ok()) return at_local(zone, date::local_days(ymd), 0);
    }
    if (auto t = parse_iso8601(text)) return *t;
    throw CtlError(kExitUsage,
                   "--since wants a date (2026-11-01) or ISO-8601 with a zone, not '" + text + "'");
}

int run_history(Invocation& inv) {
    const std::string sleeper = inv.get("--sleeper").value_or("");
    const auto* zone = inv.zone(sleeper);
    const int limit = parse_int(inv, "--limit", 20, 1, 1'000'000);
    const std::optional<WallTime> from =
        inv.get("--since") ? std::optional(since_option(*inv.get("--since"), zone)) : std::nullopt;
    std::vector<StoredEpisode> rows;
    with_log(inv.state_dir, [&](const EpisodeStore& store) {
        rows = store.since(from.value_or(WallTime{}), sleeper);
    });
    // Newest first, the newest `limit` of them.
    std::reverse(rows.begin(), rows.end());
    if (rows.size() > static_cast<std::size_t>(limit)) rows.resize(static_cast<std::size_t>(limit));
    if (inv.json) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& e : rows) out.push_back(episode_json(e));
        print_json(out);
        return kExitOk;
    }
    if (rows.empty()) {
        std::puts("no episodes");
        return kExitOk;
    }
    for (const auto& e : rows) std::printf("%s\n", episode_line(e, zone).c_str());
    return kExitOk;
}

// Hourly counts from the 15-minute clock histogram, [0] = 00:00-01:00.
std::array<int, 24> hourly(const cramplog::Stats& s) {
    std::array<int, 24> h{};
    for (int i = 0; i < cramplog::Stats::kClockBins; ++i)
        h[static_cast<std::size_t>(i * cramplog::Stats::kBinMinutes / 60)] +=
            s.clock_histogram[static_cast<std::size_t>(i)];
    return h;
}

std::string optional_text(const std::optional<double>& v, const char* unit) {
    return v ? fmt::format("{:.3g}{}", *v, unit) : std::string("-");
}

int run_stats(Invocation& inv) {
    const std::string sleeper = inv.get("--sleeper").value_or("");
    const auto* zone = inv.zone(sleeper);
    cramplog::StatsOptions options;
    if (const auto* spec = inv.sleeper_spec(sleeper)) options.bedtime = spec->bedtime;
    options.per_night_nights = parse_int(inv, "--nights", 28, 1, 3660);
    std::vector<StoredEpisode> rows;
    with_log(inv.state_dir, [&](const EpisodeStore& store) { rows = all_rows(store, sleeper); });
    const auto now = std::chrono::system_clock::now();
    const cramplog::Stats s = cramplog::compute_stats(rows, zone, now, options);
    const auto hours = hourly(s);
    int counted = 0;
    for (int n : hours) counted += n;

    if (inv.json) {
        nlohmann::json per_night = nlohmann::json::array();
        for (const auto& n : s.per_night)
            per_night.push_back({{"night", n.night}, {"count", n.count}});
        nlohmann::json j = {
            {"sleeper", sleeper.empty() ? nlohmann::json(nullptr) : nlohmann::json(sleeper)},
            {"timezone", std::string(zone->name())},
            {"night", cramplog::night_text(cramplog::night_of(zone, now))},
            {"episodes", counted},
            {"tonight", s.tonight},
            {"last_7_days", s.last_7_days},
            {"last_28_days", s.last_28_days},
            {"rate_7d_per_week", s.rate_7d_per_week},
            {"rate_28d_per_week", s.rate_28d_per_week},
            {"median_duration_s", nullptr},
            {"mean_severity", nullptr},
            {"trend", cramplog::trend_text(s.trend)},
            {"last_14_days", s.last_14_days},
            {"prior_14_days", s.prior_14_days},
            {"per_night", per_night},
            {"hourly_histogram", hours}};
        if (s.median_duration_s) j["median_duration_s"] = *s.median_duration_s;
        if (s.mean_severity) j["mean_severity"] = *s.mean_severity;
        print_json(j);
        return kExitOk;
    }
    std::printf("Cramps%s (nights run noon to noon, %s; false positives left out)\n",
                sleeper.empty() ? "" : (" of " + sleeper).c_str(),
                std::string(zone->name()).c_str());
    std::printf("  tonight            %d\n", s.tonight);
    std::printf("  last 7 nights      %-4d (%.2g/week)\n", s.last_7_days, s.rate_7d_per_week);
    std::printf("  last 28 nights     %-4d (%.3g/week)\n", s.last_28_days, s.rate_28d_per_week);
    std::printf("  median duration    %s   (28 nights)\n",
                optional_text(s.median_duration_s, " s").c_str());
    std::printf("  mean severity      %s   (28 nights, 0-10)\n",
                optional_text(s.mean_severity, "").c_str());
    std::printf("  trend              %s (last 14 nights %d, the 14 before %d)\n",
                cramplog::trend_text(s.trend), s.last_14_days, s.prior_14_days);
    if (counted == 0) {
        std::puts("Time of night: no episodes yet");
        return kExitOk;
    }
    // Hours in night order (noon to noon), trimmed to the first and last hour with episodes.
    std::vector<int> order;
    for (int k = 0; k < 24; ++k) order.push_back((12 + k) % 24);
    std::size_t first = 0, last = order.size() - 1;
    while (hours[static_cast<std::size_t>(order[first])] == 0) ++first;
    while (hours[static_cast<std::size_t>(order[last])] == 0) --last;
    const int peak = *std::max_element(hours.begin(), hours.end());
    constexpr int kWidth = 30;
    std::printf("Time of night (%d episodes, all history):\n", counted);
    for (std::size_t k = first; k <= last; ++k) {
        const int h = order[k], n = hours[static_cast<std::size_t>(h)];
        const int bar = n == 0 ? 0 : std::max(1, n * kWidth / peak);
        std::printf("  %02d:00 %-*s %d\n", h, kWidth,
                    std::string(static_cast<std::size_t>(bar), '#').c_str(), n);
    }
    return kExitOk;
}

int run_why(Invocation& inv) {
    const std::string only = inv.get("--sleeper").value_or("");
    const int limit = parse_int(inv, "--limit", 20, 1, 100'000);
    std::vector<AdaptationRecord> decisions;
    std::vector<std::pair<std::string, std::optional<TierRecord>>> tiers;
    std::vector<ExperimentRecord> running;
    with_log(inv.state_dir, [&](const EpisodeStore& store) {
        decisions = store.decisions(static_cast<std::size_t>(limit), only);
        // The sleepers to show a tier for: the one asked for, else those the
        // config names and those the log has decisions for.
        std::set<std::string> names;
        if (!only.empty()) names.insert(only);
        else {
            if (const auto* c = inv.config())
                for (const auto& s : c->sleepers) names.insert(s.name);
            for (const auto& d : store.decisions(1'000'000)) names.insert(d.sleeper);
        }
        for (const auto& n : names) tiers.emplace_back(n, store.tier(n));
        for (const auto& e : store.experiments(only))
            if (!e.stopped) running.push_back(e);
    });
    if (inv.json) {
        nlohmann::json t = nlohmann::json::array(), d = nlohmann::json::array();
        for (const auto& [name, rec] : tiers) {
            if (!rec) t.push_back({{"sleeper", name}, {"tier", nullptr}});
            else
                t.push_back({{"sleeper", name},
                             {"tier", rec->tier},
                             {"days_in_tier", rec->days_in_tier},
                             {"night", rec->night},
                             {"override", rec->override_tier.empty()
                                              ? nlohmann::json(nullptr)
                                              : nlohmann::json(rec->override_tier)}});
        }
        for (const auto& r : decisions)
            d.push_back({{"sleeper", r.sleeper},
                         {"at", format_iso8601(r.at)},
                         {"tier", r.tier},
                         {"reason", r.reason}});
        print_json({{"tiers", t}, {"decisions", d}});
        return kExitOk;
    }
    for (const auto& [name, rec] : tiers) {
        if (!rec) {
            std::printf("%s: no tier decided yet (the evening runs as configured)\n", name.c_str());
            continue;
        }
        std::printf(
            "%s: tier %s for %d night%s (latest decision for the night of %s)%s\n", name.c_str(),
            rec->tier.c_str(), rec->days_in_tier, rec->days_in_tier == 1 ? "" : "s",
            rec->night.c_str(),
            rec->override_tier.empty() ? "" : (", overridden to " + rec->override_tier).c_str());
    }
    for (const auto& e : running)
        std::printf(
            "%s: experiment on %s running since the night of %s: the adaptive tier does "
            "not move %s while it runs (the other steps adapt as before)\n",
            e.sleeper.c_str(), e.step.c_str(), e.first_night.c_str(), e.step.c_str());
    if (decisions.empty()) {
        std::puts("no adaptation decisions recorded yet");
        return kExitOk;
    }
    std::puts("Decisions, newest first:");
    for (const auto& r : decisions) {
        const auto* zone = inv.zone(r.sleeper);
        std::printf("  %s  %-8s %-9s %s\n", local_text(zone, r.at).c_str(), r.sleeper.c_str(),
                    r.tier.c_str(), r.reason.c_str());
    }
    return kExitOk;
}

int run_export(Invocation& inv) {
    std::string format = inv.get("--format").value_or(inv.json ? "json" : "csv");
    if (format == "fhir") return export_fhir(inv), kExitOk;
    if (format != "csv" && format != "json")
        throw CtlError(kExitUsage, "--format wants csv, json or fhir");
    const std::string sleeper = inv.get("--sleeper").value_or("");
    std::vector<StoredEpisode> rows;
    with_log(inv.state_dir, [&](const EpisodeStore& store) { rows = all_rows(store, sleeper); });
    std::fputs((format == "csv" ? cramplog::export_csv(rows) : cramplog::export_json(rows)).c_str(),
               stdout);
    return kExitOk;
}

// The sleeper's (or, without --sleeper, anyone's) newest experiment, running
// or not, as `experiment status` shows it; nullopt when there is none.
std::optional<cramplog::ExperimentReport> latest_experiment(Invocation& inv,
                                                            const EpisodeStore& store,
                                                            const std::string& sleeper,
                                                            WallTime now) {
    std::vector<ExperimentRecord> all;
    try {
        all = store.experiments(sleeper);
    } catch (const StoreError&) {
        // A log from before experiments (schema 2, its daemon not yet
        // restarted): the charts are still worth drawing.
        return std::nullopt;
    }
    if (all.empty()) return std::nullopt;
    const auto& e = all.front();
    bool wearable = false;
    if (const auto* c = inv.config())
        for (const auto& s : c->sleepers)
            if (s.name == e.sleeper) wearable = !s.wearable.empty();
    return cramplog::experiment_report(store, e, inv.zone(e.sleeper), wearable, now);
}

int run_report(Invocation& inv) {
    const auto svg_path = inv.get("--svg");
    if (!svg_path) throw CtlError(kExitUsage, "report needs --svg FILE");
    const std::string sleeper = inv.get("--sleeper").value_or("");
    const int nights = parse_int(inv, "--nights", 56, 1, 3660);
    std::vector<StoredEpisode> rows;
    const WallTime now = std::chrono::system_clock::now();
    std::optional<cramplog::ExperimentReport> experiment;
    with_log(inv.state_dir, [&](const EpisodeStore& store) {
        rows = all_rows(store, sleeper);
        experiment = latest_experiment(inv, store, sleeper, now);
    });
    auto data = cramplog::report_data(rows, inv.zone(sleeper), now, nights);
    data.experiment = std::move(experiment);
    std::ofstream out(*svg_path, std::ios::trunc);
    out << cramplog::svg_report(data);
    out.close();
    if (!out) throw CtlError(kExitFailed, "cannot write " + *svg_path);
    if (inv.json)
        print_json(
            {{"svg", *svg_path}, {"nights", data.per_night.size()}, {"episodes", rows.size()}});
    else
        std::printf("%s: %zu nights, %zu episodes in the log\n", svg_path->c_str(),
                    data.per_night.size(), rows.size());
    return kExitOk;
}

CommandSpec db_command(std::string_view name, std::string_view summary, std::string_view details,
                       std::vector<OptionSpec> options, int (*run)(Invocation&)) {
    return CommandSpec{.name = std::string(name),
                       .args = "",
                       .summary = summary,
                       .details = details,
                       .options = std::move(options),
                       .min_positional = 0,
                       .max_positional = 0,
                       .run = run,
                       .uses_db = true,
                       .uses_mqtt = false,
                       .has_json = true};
}

}  // namespace

std::vector<CommandSpec> db_commands() {
    const OptionSpec sleeper{"--sleeper", "NAME", "only this sleeper (default: everyone)"};
    const OptionSpec zone{
        "--timezone", "ZONE",
        "IANA zone for nights and clock times (default: the sleeper's, else the system's)"};
    return {
        db_command(
            "history", "past episodes from the log, newest first",
            "Example: bedtimectl history --since 2026-11-01 --limit 50 --sleeper alex\n"
            "Each line ends with the episode's SOURCE and ID, for edit/confirm/delete.",
            {sleeper,
             {"--since", "DATE", "from local midnight of DATE (2026-11-01), or an ISO-8601 time"},
             {"--limit", "N", "at most the newest N (default 20)"},
             zone},
            run_history),
        db_command("stats",
                   "how often and when: tonight, 7/28 nights, rates, duration, severity, trend",
                   "Example: bedtimectl stats --sleeper alex\n"
                   "Ends with a histogram of the time of night, hour by hour.",
                   {sleeper,
                    zone,
                    {"--nights", "N", "nights in the per-night list of --json (default 28)"}},
                   run_stats),
        db_command("why", "the adaptive tier decisions, newest first, and the tier in force",
                   "Example: bedtimectl why --sleeper alex",
                   {sleeper, {"--limit", "N", "at most N decisions (default 20)"}, zone}, run_why),
        db_command("export", "the whole log as CSV or JSON, oldest first",
                   "Example: bedtimectl export --format csv > cramps.csv  (--json = --format json)",
                   {{"--format", "F", "csv (default), json or fhir (a FHIR R4 Bundle)"}, sleeper},
                   run_export),
        db_command("report", "an SVG report: cramps per night and the time-of-night histogram",
                   "Example: bedtimectl report --svg cramps.svg --nights 56",
                   {{"--svg", "FILE", "where to write the SVG (required)"},
                    {"--nights", "N", "nights to draw (default 56)"},
                    sleeper,
                    zone},
                   run_report),
    };
}

}  // namespace bedtimed::ctl
