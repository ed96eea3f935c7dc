// Commands that show what the running daemon publishes as retained state:
// <base>/status, <base>/counters, <base>/<sleeper>/plan and .../stats.
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <set>

#include "cli.hpp"
#include "command_client.hpp"
#include "ingest.hpp"
#include "local_time.hpp"
#include "log_access.hpp"

namespace bedtimed::ctl {

namespace {

struct Live {
    std::string status = "unknown";  // online, offline, unknown (nothing retained), unreachable
    std::string error;               // why unreachable
    nlohmann::json counters;         // null when none
    std::map<std::string, nlohmann::json> plans, stats;  // by sleeper
    std::map<std::string, nlohmann::json> pads;          // <base>/pads/<pad>, by pad
    bool read_nothing = false;       // the broker was reached, but not one retained message came
};

// The sleeper in "<base>/<sleeper>/<leaf>", or "" for another topic.
std::string sleeper_of(const std::string& base, const std::string& topic, const std::string& leaf) {
    const std::string prefix = base + "/", suffix = "/" + leaf;
    if (topic.size() <= prefix.size() + suffix.size() || topic.rfind(prefix, 0) != 0 ||
        topic.compare(topic.size() - suffix.size(), suffix.size(), suffix) != 0)
        return {};
    return topic.substr(prefix.size(), topic.size() - prefix.size() - suffix.size());
}

// A sleeper name the daemon's index may hold that is safe in a topic.
bool topic_safe_name(const std::string& name) {
    return !name.empty() && name.find_first_of("/+#") == std::string::npos;
}

// Reads the retained state. Not every broker sends retained messages to a
// wildcard subscription (RabbitMQ does not), so the sleepers' topics are
// read by name when the sleepers are known: from --sleeper or the config, or
// else from the daemon's retained index <base>/sleepers, itself read by name.
// The wildcards stay, for a daemon too old to publish the index.
Live read_live(Invocation& inv, bool with_counters) {
    Live live;
    const auto settings = inv.mqtt();
    const std::string& base = settings.base_topic;
    std::map<std::string, std::string> got;
    std::set<std::string> by_name;
    if (auto s = inv.get("--sleeper")) by_name.insert(*s);
    if (const auto* c = inv.config())
        for (const auto& s : c->sleepers) by_name.insert(s.name);
    auto add_named = [&](const std::set<std::string>& names, std::vector<std::string>& filters) {
        for (const auto& n : names)
            if (topic_safe_name(n)) {
                filters.push_back(base + "/" + n + "/plan");
                filters.push_back(base + "/" + n + "/stats");
            }
    };
    try {
        CommandClient client(settings, std::chrono::steady_clock::now() + inv.timeout);
        std::vector<std::string> filters = {base + "/status", base + "/sleepers", base + "/+/plan", base + "/+/stats"};
        if (with_counters) filters.push_back(base + "/counters");
        add_named(by_name, filters);
        got = client.retained(filters);
        std::set<std::string> indexed;
        if (auto it = got.find(base + "/sleepers"); it != got.end()) {
            const auto j = nlohmann::json::parse(it->second, nullptr, false);
            if (j.is_array())
                for (const auto& n : j)
                    if (n.is_string() && !by_name.count(n.get<std::string>())) indexed.insert(n.get<std::string>());
        }
        if (!indexed.empty()) {
            std::vector<std::string> more;
            add_named(indexed, more);
            if (!more.empty()) got.merge(client.retained(more));
        }
        // Each sleeper's pad state (device cap, power), by name: from the
        // config's pads and the plans' "heating_pad".
        std::set<std::string> pads;
        if (const auto* c = inv.config())
            for (const auto& a : c->actuators)
                if (a.kind == config::ActuatorSpec::Kind::heating_pad) pads.insert(a.name);
        for (const auto& [topic, payload] : got)
            if (!sleeper_of(base, topic, "plan").empty()) {
                const auto j = nlohmann::json::parse(payload, nullptr, false);
                if (j.is_object() && j.contains("heating_pad") && j["heating_pad"].is_string())
                    pads.insert(j["heating_pad"].get<std::string>());
            }
        std::vector<std::string> pad_topics;
        for (const auto& p : pads)
            if (topic_safe_name(p)) pad_topics.push_back(base + "/pads/" + p);
        if (!pad_topics.empty()) got.merge(client.retained(pad_topics));
    } catch (const CtlError& e) {
        if (e.code() != kExitOffline) throw;
        live.status = "unreachable";
        live.error = e.what();
        return live;
    }
    live.read_nothing = got.empty();
    for (const auto& [topic, payload] : got) {
        if (topic == base + "/status") {
            live.status = payload;
        } else if (topic == base + "/counters") {
            live.counters = nlohmann::json::parse(payload, nullptr, false);
            if (live.counters.is_discarded()) live.counters = payload;
        } else if (auto s = sleeper_of(base, topic, "plan"); !s.empty()) {
            // An empty retained payload is how a plan is cleared; skip it.
            auto j = nlohmann::json::parse(payload, nullptr, false);
            if (j.is_object()) live.plans[s] = std::move(j);
        } else if (auto st = sleeper_of(base, topic, "stats"); !st.empty()) {
            auto j = nlohmann::json::parse(payload, nullptr, false);
            if (j.is_object()) live.stats[st] = std::move(j);
        } else if (topic.rfind(base + "/pads/", 0) == 0) {
            auto j = nlohmann::json::parse(payload, nullptr, false);
            if (j.is_object()) live.pads[topic.substr(base.size() + 6)] = std::move(j);
        }
    }
    return live;
}

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

void print_plan(const std::string& sleeper, const nlohmann::json& plan, const date::time_zone* zone) {
    const Progress p = progress_of(plan, zone);
    std::printf("%s: night of %s, bedtime %s, tier %s: %d of %d done\n", sleeper.c_str(), str(plan, "night").c_str(),
                clock_text(zone, str(plan, "bedtime", "")).c_str(), str(plan, "tier").c_str(), p.done, p.total);
    const auto it = plan.find("steps");
    if (it == plan.end() || !it->is_array()) return;
    for (const auto& step : *it) {
        if (!step.is_object()) continue;
        std::printf("  %s  %-14s %s\n", clock_text(zone, str(step, "at", "")).c_str(), str(step, "id").c_str(),
                    str(step, "state").c_str());
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
        std::fprintf(stderr, "bedtimectl: bedtimed is %s; what is shown may be out of date\n", live.status.c_str());
}

// Nothing at all came back, not even <base>/status: never "no plan".
int report_read_nothing(Invocation& inv) {
    const auto settings = inv.mqtt();
    std::fprintf(stderr,
                 "bedtimectl: could not read anything from %s under %s/ (not even %s/status): is the base topic "
                 "right (--base, mqtt.base_topic), may this user read it, and does bedtimed run against this broker?\n",
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
            plans.push_back({{"sleeper", s}, {"plan", it != live.plans.end() ? it->second : nlohmann::json(nullptr)}});
        }
        print_json({{"status", live.status}, {"read_nothing", live.read_nothing}, {"plans", plans}});
    } else {
        for (const auto& s : sleepers) {
            const auto* zone = display_zone(inv, s, live);
            if (auto it = live.plans.find(s); it != live.plans.end()) print_plan(s, it->second, zone);
            else std::printf("%s: no plan published\n", s.c_str());
        }
        if (sleepers.empty() && live.status != "unreachable") std::puts("no plan published");
    }
    warn_not_online(live);
    return exit_for(live);
}

int run_status(Invocation& inv) {
    const Live live = read_live(inv, true);
    if (live.read_nothing && !inv.json) return report_read_nothing(inv);
    const auto settings = inv.mqtt();
    const auto sleepers = wanted_sleepers(inv, live);
    // The log is optional here: status is about the daemon; the log part says
    // why it is missing instead of failing the command.
    std::vector<StoredEpisode> last;
    std::map<std::string, std::optional<TierRecord>> tiers;
    std::string log_error;
    try {
        with_log(inv.state_dir, [&](const EpisodeStore& store) {
            const std::string only = inv.get("--sleeper").value_or("");
            last = only.empty() ? store.recent(5) : store.since(WallTime{}, only);
            if (!only.empty()) {
                std::reverse(last.begin(), last.end());
                if (last.size() > 5) last.resize(5);
            }
            for (const auto& s : sleepers) tiers[s] = store.tier(s);
        });
    } catch (const CtlError& e) {
        if (e.code() != kExitNoLog && e.code() != kExitLogError) throw;
        log_error = e.what();
    }

    if (inv.json) {
        nlohmann::json ss = nlohmann::json::array();
        for (const auto& s : sleepers) {
            nlohmann::json j = {{"sleeper", s}, {"plan", nullptr}, {"stats", nullptr}, {"tier", nullptr}};
            if (auto it = live.plans.find(s); it != live.plans.end()) j["plan"] = it->second;
            if (auto it = live.stats.find(s); it != live.stats.end()) j["stats"] = it->second;
            if (auto it = live.plans.find(s); it != live.plans.end() && it->second.contains("heating_pad"))
                if (auto pad = live.pads.find(str(it->second, "heating_pad", "")); pad != live.pads.end())
                    j["pad"] = pad->second;
            if (auto it = tiers.find(s); it != tiers.end() && it->second) {
                j["tier"] = {{"tier", it->second->tier},
                             {"days_in_tier", it->second->days_in_tier},
                             {"night", it->second->night}};
            }
            ss.push_back(std::move(j));
        }
        nlohmann::json eps = nlohmann::json::array();
        for (const auto& e : last) eps.push_back(episode_json(e));
        nlohmann::json j = {{"broker", settings.uri},
                            {"base", settings.base_topic},
                            {"status", live.status},
                            {"read_nothing", live.read_nothing},
                            {"counters", live.counters},
                            {"sleepers", ss},
                            {"last_episodes", eps},
                            {"log_error", log_error.empty() ? nlohmann::json(nullptr) : nlohmann::json(log_error)}};
        print_json(j);
        return exit_for(live);
    }

    std::printf("broker:    %s (base topic %s)\n", settings.uri.c_str(), settings.base_topic.c_str());
    std::printf("bedtimed:  %s\n", live.status == "unknown" ? "unknown (no status published)" : live.status.c_str());
    for (const auto& s : sleepers) {
        const auto* zone = display_zone(inv, s, live);
        std::string tier = "?";
        if (auto it = tiers.find(s); it != tiers.end() && it->second) tier = it->second->tier;
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
        if (auto it = live.plans.find(s); it != live.plans.end()) {
            const Progress p = progress_of(it->second, zone);
            std::printf("  tonight: night of %s, bedtime %s: %d of %d steps done%s\n", str(it->second, "night").c_str(),
                        clock_text(zone, str(it->second, "bedtime", "")).c_str(), p.done, p.total,
                        p.next.empty() ? "" : ("; next " + p.next).c_str());
        } else {
            std::printf("  tonight: no plan published\n");
        }
        if (auto it = live.plans.find(s); it != live.plans.end() && !str(it->second, "heating_pad", "").empty()) {
            const std::string pad = str(it->second, "heating_pad", "");
            if (auto p = live.pads.find(pad); p != live.pads.end()) {
                const auto& j = p->second;
                std::string pad_line = fmt::format("  heating pad {}: {}", pad, j.value("on", false) ? "ON" : "off");
                if (j.value("on", false) && j.contains("off_at") && j["off_at"].is_string())
                    pad_line += " until " + clock_text(zone, j["off_at"].get<std::string>());
                pad_line += fmt::format("; device cap {}", str(j, "cap"));
                if (const auto m = str(j, "cap_method", ""); !m.empty()) pad_line += " (" + m + ")";
                if (j.contains("power_w") && j["power_w"].is_number())
                    pad_line += fmt::format("; {:.0f} W", j["power_w"].get<double>());
                if (j.value("manual_off_tonight", false)) pad_line += "; switched off by hand tonight";
                std::printf("%s\n", pad_line.c_str());
                if (str(j, "cap") == "none")
                    std::printf("    no device cap (%s): heat stops on bedtimed's own timer only\n",
                                str(j, "cap_note", "").c_str());
            } else {
                std::printf("  heating pad %s: no state published\n", pad.c_str());
            }
        }
    }
    if (!log_error.empty()) {
        std::printf("log:       %s\n", log_error.c_str());
    } else if (last.empty()) {
        std::printf("log:       no episodes yet\n");
    } else {
        std::printf("last episodes:\n");
        for (const auto& e : last) std::printf("  %s\n", episode_line(e, inv.zone(e.sleeper)).c_str());
    }
    if (live.counters.is_object()) {
        std::string c;
        for (const auto& [k, v] : live.counters.items()) {
            if (v.is_number() && v.get<double>() == 0) continue;  // the non-zero ones say what happened
            c += (c.empty() ? "" : " ") + k + "=" + v.dump();
        }
        std::printf("counters:  %s\n", c.empty() ? "(all zero)" : c.c_str());
    } else {
        std::printf("counters:  %s\n", live.counters.is_null() ? "(none yet)" : live.counters.dump().c_str());
    }
    if (live.status == "unreachable") std::fprintf(stderr, "bedtimectl: %s\n", live.error.c_str());
    return exit_for(live);
}

CommandSpec live_command(std::string_view name, std::string_view summary, std::string_view details,
                         int (*run)(Invocation&)) {
    return CommandSpec{.name = std::string(name),
                       .args = "",
                       .summary = summary,
                       .details = details,
                       .options = {{"--sleeper", "NAME", "only this sleeper (default: everyone)"},
                                   {"--timezone", "ZONE", "show times in ZONE (default: the sleeper's, else the system's)"}},
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
        live_command("status", "is bedtimed online; tonight's progress, tier, last episodes, counters",
                     "Reads the retained <base>/status, <base>/counters, <base>/<sleeper>/plan and\n"
                     "<base>/<sleeper>/stats from the broker, and the last episodes from the log\n"
                     "(when readable). Exits 0 when bedtimed is online, 3 otherwise.\n"
                     "Example: bedtimectl status --config /etc/bedtimed/config.yaml",
                     run_status),
        live_command("tonight", "tonight's plan per sleeper: each step's time and done/pending/missed",
                     "Reads the retained <base>/<sleeper>/plan. Exits 0 when bedtimed is online,\n"
                     "3 otherwise (the plan shown may then be stale).\n"
                     "Example: bedtimectl tonight --sleeper alex",
                     run_tonight),
    };
}

}  // namespace bedtimed::ctl
