// Commands that change something go to the running daemon as MQTT commands
// (command_client.hpp), never to the database: bedtimed is the log's only
// writer, and it validates a command from bedtimectl exactly as one from a
// Home Assistant button.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "block.hpp"  // the config's duration syntax, reused for --duration
#include "cli.hpp"
#include "command_client.hpp"
#include "ingest.hpp"

namespace bedtimed::ctl {

namespace {

constexpr const char* kFlagNames[] = {"swelling", "redness", "warmth", "numbness", "back_pain"};

std::string flag_option(const char* field) {
    std::string o = std::string("--") + field;
    for (auto& c : o)
        if (c == '_') c = '-';
    return o;
}

[[noreturn]] void usage_error(const std::string& what) { throw CtlError(kExitUsage, what); }

// Episode fields shared by `log` and `edit`, from the command line into the
// request's JSON. Checked here as the daemon will check them, so a typo is a
// usage error before anything is sent.
void episode_fields(const Invocation& inv, nlohmann::json& j) {
    if (auto v = inv.get("--start")) j["start"] = format_iso8601(parse_time_option(*v, "--start"));
    if (auto v = inv.get("--duration")) {
        // "45", "45s", "2m", "1m30s": the config's duration syntax.
        const auto d = config::detail::Block::parse_duration(*v);
        if (!d) usage_error("--duration wants seconds or e.g. 45s, 2m, 1m30s, not '" + *v + "'");
        j["duration_s"] = d->count();
    }
    if (auto v = inv.get("--muscle")) j["muscle"] = *v;
    if (auto v = inv.get("--side")) {
        if (*v != "left" && *v != "right" && *v != "both") usage_error("--side wants left, right or both");
        j["side"] = *v;
    }
    if (auto v = inv.get("--severity")) {
        char* end = nullptr;
        const double s = std::strtod(v->c_str(), &end);
        if (v->empty() || *end != '\0' || !(s >= 0 && s <= 10)) usage_error("--severity wants a number from 0 to 10");
        if (s == std::floor(s)) j["severity"] = static_cast<int>(s);
        else j["severity"] = s;
    }
    if (auto v = inv.get("--notes")) j["notes"] = *v;
    for (const char* f : kFlagNames) {
        const std::string on = flag_option(f);
        const std::string off = "--no-" + on.substr(2);
        if (inv.has(on) && inv.has(off)) usage_error(on + " and " + off + " contradict each other");
        if (inv.has(on)) j[f] = true;
        if (inv.has(off)) j[f] = false;
    }
}

std::vector<OptionSpec> episode_options() {
    return {
        {"--start", "TIME", "when it began: ISO-8601 with a zone, or 'now' (log: default now)"},
        {"--duration", "D", "how long: seconds, or 45s, 2m, 1m30s"},
        {"--muscle", "M", "calf, hamstring, thigh, foot, other (free text allowed)"},
        {"--side", "S", "left, right or both"},
        {"--severity", "N", "0 to 10"},
        {"--notes", "TEXT", "anything worth remembering"},
        {"--swelling", "", "swelling of the leg (--no-swelling to clear)"},
        {"--redness", "", "redness (--no-redness)"},
        {"--warmth", "", "the leg felt warm (--no-warmth)"},
        {"--numbness", "", "numbness or weakness (--no-numbness)"},
        {"--back-pain", "", "back pain (--no-back-pain)"},
        {"--no-swelling", "", ""},
        {"--no-redness", "", ""},
        {"--no-warmth", "", ""},
        {"--no-numbness", "", ""},
        {"--no-back-pain", "", ""},
    };
}

// Sends the command and reports the reply: the whole reply with --json, else
// `describe(reply)` on success; the daemon's error on stderr and exit 1 on refusal.
int send(Invocation& inv, const std::string& verb, nlohmann::json fields,
         std::string (*describe)(const nlohmann::json&)) {
    CommandClient client(inv.mqtt(), std::chrono::steady_clock::now() + inv.timeout);
    const nlohmann::json reply = client.request(verb, std::move(fields));
    const bool ok = reply["ok"].get<bool>();
    if (inv.json) print_json(reply);
    if (!ok) {
        const auto e = reply.find("error");
        const std::string why = e != reply.end() && e->is_string() ? e->get<std::string>() : reply.dump();
        std::fprintf(stderr, "bedtimectl: bedtimed refused '%s': %s\n", verb.c_str(), why.c_str());
        return kExitFailed;
    }
    if (!inv.json) std::printf("%s\n", describe(reply).c_str());
    return kExitOk;
}

nlohmann::json episode_key(const Invocation& inv) {
    return {{"source", inv.positional.at(0)}, {"source_id", inv.positional.at(1)}};
}

std::string text_of(const nlohmann::json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string("?");
}

int run_log(Invocation& inv) {
    nlohmann::json j = nlohmann::json::object();
    if (const std::string s = inv.sleeper(false); !s.empty()) j["sleeper"] = s;
    // Always explicit: "now" is when the user typed it, not when bedtimed read it.
    j["start"] = format_iso8601(std::chrono::system_clock::now());
    episode_fields(inv, j);
    if (auto v = inv.get("--id")) j["id"] = *v;
    return send(inv, "log", std::move(j), [](const nlohmann::json& r) {
        return "logged " + text_of(r, "source") + " " + text_of(r, "source_id");
    });
}

int run_edit(Invocation& inv) {
    nlohmann::json j = episode_key(inv);
    episode_fields(inv, j);
    if (j.size() == 2) usage_error("edit: nothing to change (give --start, --duration, --muscle, ...)");
    return send(inv, "edit", std::move(j), [](const nlohmann::json&) { return std::string("edited"); });
}

int run_confirm(Invocation& inv) {
    return send(inv, "confirm", episode_key(inv), [](const nlohmann::json&) { return std::string("confirmed"); });
}

int run_false_positive(Invocation& inv) {
    return send(inv, "false_positive", episode_key(inv),
                [](const nlohmann::json&) { return std::string("marked as a false positive"); });
}

int run_delete(Invocation& inv) {
    return send(inv, "delete", episode_key(inv), [](const nlohmann::json&) { return std::string("deleted"); });
}

int run_travel(Invocation& inv) {
    nlohmann::json j = {{"sleeper", inv.sleeper(true)}};
    j["ended"] = format_iso8601(inv.get("--ended") ? parse_time_option(*inv.get("--ended"), "--ended")
                                                   : std::chrono::system_clock::now());
    return send(inv, "travel", std::move(j), [](const nlohmann::json&) { return std::string("travel recorded"); });
}

int run_test_notify(Invocation& inv) {
    nlohmann::json j = nlohmann::json::object();
    if (auto s = inv.get("--sleeper")) j["sleeper"] = *s;
    return send(inv, "test_notify", std::move(j), [](const nlohmann::json& r) {
        const auto it = r.find("sent");
        const auto n = it != r.end() && it->is_number() ? it->get<long long>() : 0;
        return "sent " + std::to_string(n) + " test notification" + (n == 1 ? "" : "s");
    });
}

int run_pad_off(Invocation& inv) {
    return send(inv, "heat_off", nlohmann::json::object(), [](const nlohmann::json& r) {
        std::string pads;
        if (const auto it = r.find("pads"); it != r.end() && it->is_array()) {
            for (const auto& p : *it) {
                if (!pads.empty()) pads += ", ";
                pads += p.is_string() ? p.get<std::string>() : p.dump();
            }
        }
        return "all heat off" + (pads.empty() ? std::string() : ": " + pads);
    });
}

int run_pad_test(Invocation& inv) {
    // The daemon answers when the test ends: up to 15 s of watching the plug.
    inv.timeout = std::max(inv.timeout, std::chrono::milliseconds(30000));
    return send(inv, "pad_test", {{"pad", inv.positional.at(0)}}, [](const nlohmann::json& r) {
        return text_of(r, "pad") + ": " + text_of(r, "result");
    });
}

int run_resume(Invocation& inv) {
    return send(inv, "resume", nlohmann::json::object(),
                [](const nlohmann::json&) { return std::string("safe mode ended: the routine runs again"); });
}

}  // namespace

std::vector<CommandSpec> daemon_commands() {
    const std::vector<OptionSpec> ep = episode_options();
    std::vector<OptionSpec> log_opts = {{"--sleeper", "NAME", "whose cramp (optional with one sleeper)"}};
    for (const auto& o : ep)
        if (o.name.rfind("--no-", 0) != 0) log_opts.push_back(o);
    log_opts.push_back({"--id", "ID", "your own id for the episode (default: bedtimed picks one)"});
    std::vector<OptionSpec> edit_opts = ep;

    const CommandSpec base{.name = "",
                           .args = "",
                           .summary = "",
                           .details = "",
                           .options = {},
                           .min_positional = 0,
                           .max_positional = 0,
                           .run = nullptr,
                           .uses_db = false,
                           .uses_mqtt = true,
                           .has_json = true};
    auto make = [&](std::string_view name, std::string_view args, std::string_view summary,
                    std::string_view details, std::vector<OptionSpec> opts, std::size_t positional,
                    int (*run)(Invocation&)) {
        CommandSpec c = base;
        c.name = name;
        c.args = args;
        c.summary = summary;
        c.details = details;
        c.options = std::move(opts);
        c.min_positional = c.max_positional = positional;
        c.run = run;
        return c;
    };
    const std::string_view key_details =
        "SOURCE and ID name the episode as 'bedtimectl history' shows them (e.g. 'manual ctl-1234-1'\n"
        "or 'left_band 8812').";
    return {
        make("log", "", "log a cramp by hand (sent to bedtimed, which writes it to the log)",
             "Example: bedtimectl log --muscle calf --side left --duration 2m --severity 6\n"
             "         bedtimectl log --start 2026-11-26T03:10:00+01:00 --muscle foot --numbness",
             std::move(log_opts), 0, run_log),
        make("edit", "SOURCE ID", "correct a logged episode",
             "Only the fields given change. Example: bedtimectl edit manual ctl-1234-1 --duration 90 --no-swelling",
             std::move(edit_opts), 2, run_edit),
        make("confirm", "SOURCE ID", "confirm that an episode from a wearable was a real cramp", key_details, {}, 2,
             run_confirm),
        make("false-positive", "SOURCE ID", "mark an episode as a false positive (kept, but left out of all stats)",
             key_details, {}, 2, run_false_positive),
        make("delete", "SOURCE ID", "delete an episode from the log", key_details, {}, 2, run_delete),
        make("travel", "", "record long travel or immobility (for the blood-clot notice)",
             "Example: bedtimectl travel --sleeper alex --ended 2026-11-26T18:00:00+01:00",
             {{"--sleeper", "NAME", "who travelled (optional with one sleeper)"},
              {"--ended", "TIME", "when the travel ended: ISO-8601 with a zone, or 'now' (default now)"}},
             0, run_travel),
        make("test-notify", "", "send a test notification through every configured notifier",
             "Example: bedtimectl test-notify --sleeper alex",
             {{"--sleeper", "NAME", "only this sleeper's notifiers (default: all)"}}, 0, run_test_notify),
        make("pad-off", "", "EMERGENCY: switch every heating pad off now",
             "Sends the heat_off command; bedtimed switches every pad off and says which.\n"
             "If bedtimed is not running, switch the plugs off by hand: their own\n"
             "on-time cap stops them anyway.",
             {}, 0, run_pad_off),
        make("pad-test", "PAD", "prove that a heating pad's plug switches itself off",
             "Switches PAD on with a 5 s cap on the plug itself and no OFF from bedtimed\n"
             "for 15 s, and reports whether the plug switched itself off. A pass marks\n"
             "the pad's device cap 'verified'; a fail marks it 'none' (bedtimed then\n"
             "stops heat on its own timer only). At most about 15 s of heat; refused\n"
             "while the pad is on or its sleeper is asleep.",
             {}, 1, run_pad_test),
        make("resume", "", "end crash-loop safe mode (heat and the routine run again)",
             "After bedtimed restarted too often it starts with every pad off and the\n"
             "routine paused, until a person says so with this command.",
             {}, 0, run_resume),
    };
}

}  // namespace bedtimed::ctl
