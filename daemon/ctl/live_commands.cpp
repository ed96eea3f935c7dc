// Commands that show what the running daemon publishes as retained state:
// <base>/status, <base>/counters, <base>/<sleeper>/plan and .../stats, read
// by live_state.hpp.
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <set>

#include "cli.hpp"
#include "ingest.hpp"
#include "live_state.hpp"
#include "local_time.hpp"
#include "log_access.hpp"

namespace bedtimed::ctl {

namespace {

std::string str(const nlohmann::json& j, const char* key, const std::string& fallback = "?") {
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : fallback;
}

// "22:30" in `zone` for an ISO-8601 time, or the text as it came.
std::string clock_text(const date::time_zone* zone, const std::string& iso) {
    const auto t = parse_iso8601(iso);
    if (!t) return iso;
    const int m = local_minutes(zone, *t);
    return fmt::format("{:02}:{:02}", m / 60, m % 60);
}

struct Progress {
    int done = 0, total = 0;
    std::string next;  // "prewarm at 22:15"
};

Progress progress_of(const nlohmann::json& plan, const date::time_zone* zone) {
    Progress p;
    const auto it = plan.find("steps");
    if (it == plan.end() || !it->is_array()) return p;
    for (const auto& step : *it) {
        if (!step.is_object()) continue;
        ++p.total;
        const std::string state = str(step, "state");
        if (state == "done") ++p.done;
        if (state == "pending" && p.next.empty())
            p.next = str(step, "id") + " at " + clock_text(zone, str(step, "at", ""));
    }
    return p;
}

// The nights that follow life (docs/life.md): the profile in force and why,
// away, the bedtime from the house, the devices left alone.
void print_life(const nlohmann::json& plan, const date::time_zone* zone) {
    const auto field = [&](const char* key) {
        const auto it = plan.find(key);
        return it != plan.end() && it->is_object() ? *it : nlohmann::json::object();
    };
    const auto profile = field("profile");
    if (profile.contains("name"))
        std::printf("  profile %s: %s\n", str(profile, "name").c_str(),
                    str(profile, "why").c_str());
    if (const auto away = field("away"); away.value("away", false))
        std::printf("  away: %s\n", str(away, "why").c_str());
    if (const auto from = field("bedtime_from"); from.contains("why"))
        std::printf("  bedtime from the house: %s\n", str(from, "why").c_str());
    const auto hand_offs = field("hand_offs");
    for (const auto& [device, until] : hand_offs.items())
        if (until.is_string())
            std::printf("  left alone (hand-off): %s until %s\n", device.c_str(),
                        clock_text(zone, until.get<std::string>()).c_str());
}

void print_plan(const std::string& sleeper, const nlohmann::json& plan,
                const date::time_zone* zone) {
    const Progress p = progress_of(plan, zone);
    std::printf("%s: night of %s, bedtime %s, tier %s: %d of %d done\n", sleeper.c_str(),
                str(plan, "night").c_str(), clock_text(zone, str(plan, "bedtime", "")).c_str(),
                str(plan, "tier").c_str(), p.done, p.total);
    print_life(plan, zone);
    const auto it = plan.find("steps");
    if (it == plan.end() || !it->is_array()) return;
    for (const auto& step : *it) {
        if (!step.is_object()) continue;
        std::printf("  %s  %-14s %s\n", clock_text(zone, str(step, "at", "")).c_str(),
                    str(step, "id").c_str(), str(step, "state").c_str());
    }
}

// The zone to show `sleeper`'s times in: --timezone, else the config's, else
// the zone the daemon published in the plan, else the system's.
const date::time_zone* display_zone(Invocation& inv, const std::string& sleeper, const Live& live) {
    if (!inv.has("--timezone") && !inv.sleeper_spec(sleeper)) {
        if (auto it = live.plans.find(sleeper); it != live.plans.end()) {
            const std::string name = str(it->second, "timezone", "");
            try {
                if (!name.empty()) return zone_named(name);
            } catch (const std::exception&) {
                // Not in this machine's tz database: fall through to the system's.
            }
        }
    }
    return inv.zone(sleeper);
}

std::vector<std::string> wanted_sleepers(Invocation& inv, const Live& live) {
    if (auto s = inv.get("--sleeper")) return {*s};
    std::set<std::string> names;
    for (const auto& [s, p] : live.plans) names.insert(s);
    for (const auto& [s, p] : live.stats) names.insert(s);
    if (const auto* c = inv.config())
        for (const auto& s : c->sleepers) names.insert(s.name);
    return {names.begin(), names.end()};
}

int exit_for(const Live& live) { return live.status == "online" ? kExitOk : kExitOffline; }

void warn_not_online(const Live& live) {
    if (live.status == "unreachable") std::fprintf(stderr, "bedtimectl: %s\n", live.error.c_str());
    else if (live.status != "online")
        std::fprintf(stderr, "bedtimectl: bedtimed is %s; what is shown may be out of date\n",
                     live.status.c_str());
}

// Nothing at all came back, not even <base>/status: never "no plan".
int report_read_nothing(Invocation& inv) {
    const auto settings = inv.mqtt();
    std::fprintf(stderr,
                 "bedtimectl: could not read anything from %s under %s/ (not even %s/status): is "
                 "the base topic "
                 "right (--base, mqtt.base_topic), may this user read it, and does bedtimed run "
                 "against this broker?\n",
                 settings.uri.c_str(), settings.base_topic.c_str(), settings.base_topic.c_str());
    return kExitOffline;
}

int run_tonight(Invocation& inv) {
    const Live live = read_live(inv, false);
    if (live.read_nothing && !inv.json) return report_read_nothing(inv);
    const auto sleepers = wanted_sleepers(inv, live);
    if (inv.json) {
        nlohmann::json plans = nlohmann::json::array();
        for (const auto& s : sleepers) {
            const auto it = live.plans.find(s);
            plans.push_back(
                {{"sleeper", s},
                 {"plan", it != live.plans.end() ? it->second : nlohmann::json(nullptr)}});
        }
        print_json(
            {{"status", live.status}, {"read_nothing", live.read_nothing}, {"plans", plans}});
    } else {
        for (const auto& s : sleepers) {
            const auto* zone = display_zone(inv, s, live);
            if (auto it = live.plans.find(s); it != live.plans.end())
                print_plan(s, it->second, zone);
            else std::printf("%s: no plan published\n", s.c_str());
        }
        if (sleepers.empty() && live.status != "unreachable") std::puts("no plan published");
    }
    warn_not_online(live);
    return exit_for(live);
}

// What `status` shows from the log: the last episodes and each sleeper's
// tier. Optional: status is about the daemon, so a missing log says why
// instead of failing the command.
struct LogPart {
    std::vector<StoredEpisode> last;
    std::map<std::string, std::optional<TierRecord>> tiers;
    std::string error;
};

LogPart read_log_part(Invocation& inv, const std::vector<std::string>& sleepers) {
    LogPart part;
    try {
        with_log(inv.state_dir, [&](const EpisodeStore& store) {
            const std::string only = inv.get("--sleeper").value_or("");
            part.last = only.empty() ? store.recent(5) : store.since(WallTime{}, only);
            if (!only.empty()) {
                std::reverse(part.last.begin(), part.last.end());
                if (part.last.size() > 5) part.last.resize(5);
            }
            for (const auto& s : sleepers) part.tiers[s] = store.tier(s);
        });
    } catch (const CtlError& e) {
        if (e.code() != kExitNoLog && e.code() != kExitLogError) throw;
        part.error = e.what();
    }
    return part;
}

void print_status_json(const config::MqttSettings& settings, const Live& live,
                       const std::vector<std::string>& sleepers, const LogPart& log) {
    nlohmann::json ss = nlohmann::json::array();
    for (const auto& s : sleepers) {
        nlohmann::json j = {
            {"sleeper", s}, {"plan", nullptr}, {"stats", nullptr}, {"tier", nullptr}};
        if (auto it = live.plans.find(s); it != live.plans.end()) j["plan"] = it->second;
        if (auto it = live.stats.find(s); it != live.stats.end()) j["stats"] = it->second;
        if (auto it = live.plans.find(s);
            it != live.plans.end() && it->second.contains("heating_pad"))
            if (auto pad = live.pads.find(str(it->second, "heating_pad", ""));
                pad != live.pads.end())
                j["pad"] = pad->second;
        if (auto it = log.tiers.find(s); it != log.tiers.end() && it->second) {
            j["tier"] = {{"tier", it->second->tier},
                         {"days_in_tier", it->second->days_in_tier},
                         {"night", it->second->night}};
        }
        ss.push_back(std::move(j));
    }
    nlohmann::json eps = nlohmann::json::array();
    for (const auto& e : log.last) eps.push_back(episode_json(e));
    print_json(
        {{"broker", settings.uri},
         {"base", settings.base_topic},
         {"status", live.status},
         {"read_nothing", live.read_nothing},
         {"counters", live.counters},
         {"sleepers", ss},
         {"last_episodes", eps},
         {"log_error", log.error.empty() ? nlohmann::json(nullptr) : nlohmann::json(log.error)}});
}

// "  heating pad pad_left: ON until 22:45; device cap verified (on_time); 60 W".
void print_pad_status(const std::string& pad, const Live& live, const date::time_zone* zone) {
    const auto p = live.pads.find(pad);
    if (p == live.pads.end()) {
        std::printf("  heating pad %s: no state published\n", pad.c_str());
        return;
    }
    const auto& j = p->second;
    std::string line =
        fmt::format("  heating pad {}: {}", pad, j.value("on", false) ? "ON" : "off");
    if (j.value("on", false) && j.contains("off_at") && j["off_at"].is_string())
        line += " until " + clock_text(zone, j["off_at"].get<std::string>());
    line += fmt::format("; device cap {}", str(j, "cap"));
    if (const auto m = str(j, "cap_method", ""); !m.empty()) line += " (" + m + ")";
    if (j.contains("power_w") && j["power_w"].is_number())
        line += fmt::format("; {:.0f} W", j["power_w"].get<double>());
    if (j.value("manual_off_tonight", false)) line += "; switched off by hand tonight";
    std::printf("%s\n", line.c_str());
    if (str(j, "cap") == "none")
        std::printf("    no device cap (%s): heat stops on bedtimed's own timer only\n",
                    str(j, "cap_note", "").c_str());
}

// One sleeper's lines: tier and counts, tonight's progress, the pad.
void print_sleeper_status(Invocation& inv, const std::string& s, const Live& live,
                          const LogPart& log) {
    const auto* zone = display_zone(inv, s, live);
    std::string tier = "?";
    if (auto it = log.tiers.find(s); it != log.tiers.end() && it->second) tier = it->second->tier;
    std::string line = s + ":";
    if (auto it = live.stats.find(s); it != live.stats.end()) {
        const auto& st = it->second;
        tier = str(st, "tier", tier);
        line += fmt::format(" tier {}; tonight {}, last 7 nights {}, {}/week over 28 nights", tier,
                            st.value("tonight", 0), st.value("last_7_days", 0),
                            st.value("rate_28d_per_week", 0.0));
        if (const auto last_ep = str(st, "last_episode", ""); !last_ep.empty()) {
            const auto t = parse_iso8601(last_ep);
            line += "; last cramp " + (t ? local_text(zone, *t) : last_ep);
        }
    } else {
        line += " tier " + tier + " (no stats published)";
    }
    std::printf("%s\n", line.c_str());
    const auto plan = live.plans.find(s);
    if (plan == live.plans.end()) {
        std::printf("  tonight: no plan published\n");
        return;
    }
    const Progress p = progress_of(plan->second, zone);
    std::printf("  tonight: night of %s, bedtime %s: %d of %d steps done%s\n",
                str(plan->second, "night").c_str(),
                clock_text(zone, str(plan->second, "bedtime", "")).c_str(), p.done, p.total,
                p.next.empty() ? "" : ("; next " + p.next).c_str());
    if (const std::string pad = str(plan->second, "heating_pad", ""); !pad.empty())
        print_pad_status(pad, live, zone);
}

void print_counters(const Live& live) {
    if (!live.counters.is_object()) {
        std::printf("counters:  %s\n",
                    live.counters.is_null() ? "(none yet)" : live.counters.dump().c_str());
        return;
    }
    std::string c;
    for (const auto& [k, v] : live.counters.items()) {
        if (v.is_number() && v.get<double>() == 0) continue;  // the non-zero ones say what happened
        c += (c.empty() ? "" : " ") + k + "=" + v.dump();
    }
    std::printf("counters:  %s\n", c.empty() ? "(all zero)" : c.c_str());
}

int run_status(Invocation& inv) {
    const Live live = read_live(inv, true);
    if (live.read_nothing && !inv.json) return report_read_nothing(inv);
    const auto settings = inv.mqtt();
    const auto sleepers = wanted_sleepers(inv, live);
    const LogPart log = read_log_part(inv, sleepers);
    if (inv.json) {
        print_status_json(settings, live, sleepers, log);
        return exit_for(live);
    }
    std::printf("broker:    %s (base topic %s)\n", settings.uri.c_str(),
                settings.base_topic.c_str());
    std::printf("bedtimed:  %s\n",
                live.status == "unknown" ? "unknown (no status published)" : live.status.c_str());
    for (const auto& s : sleepers) print_sleeper_status(inv, s, live, log);
    if (!log.error.empty()) {
        std::printf("log:       %s\n", log.error.c_str());
    } else if (log.last.empty()) {
        std::printf("log:       no episodes yet\n");
    } else {
        std::printf("last episodes:\n");
        for (const auto& e : log.last)
            std::printf("  %s\n", episode_line(e, inv.zone(e.sleeper)).c_str());
    }
    print_counters(live);
    if (live.status == "unreachable") std::fprintf(stderr, "bedtimectl: %s\n", live.error.c_str());
    return exit_for(live);
}

CommandSpec live_command(std::string_view name, std::string_view summary, std::string_view details,
                         int (*run)(Invocation&)) {
    return CommandSpec{
        .name = std::string(name),
        .args = "",
        .summary = summary,
        .details = details,
        .options = {{"--sleeper", "NAME", "only this sleeper (default: everyone)"},
                    {"--timezone", "ZONE",
                     "show times in ZONE (default: the sleeper's, else the system's)"}},
        .min_positional = 0,
        .max_positional = 0,
        .run = run,
        .uses_db = name == "status",
        .uses_mqtt = true,
        .has_json = true};
}

}  // namespace

std::vector<CommandSpec> live_commands() {
    return {
        live_command(
            "status", "is bedtimed online; tonight's progress, tier, last episodes, counters",
            "Reads the retained <base>/status, <base>/counters, <base>/<sleeper>/plan and\n"
            "<base>/<sleeper>/stats from the broker, and the last episodes from the log\n"
            "(when readable). Exits 0 when bedtimed is online, 3 otherwise.\n"
            "Example: bedtimectl status --config /etc/bedtimed/config.yaml",
            run_status),
        live_command("tonight",
                     "tonight's plan per sleeper: each step's time and done/pending/missed",
                     "Reads the retained <base>/<sleeper>/plan. Exits 0 when bedtimed is online,\n"
                     "3 otherwise (the plan shown may then be stale).\n"
                     "Example: bedtimectl tonight --sleeper alex",
                     run_tonight),
    };
}

}  // namespace bedtimed::ctl
