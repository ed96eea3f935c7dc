// Commands that change something go to the running daemon as MQTT commands
// (command_client.hpp), never to the database: bedtimed is the log's only
// writer, and it validates a command from bedtimectl exactly as one from a
// Home Assistant button. Each is a row of the verb table (commands/verbs.hpp),
// which names it. This file: the cramp log's verbs, and what every group of
// verbs shares (verb_command, send_verb); house_commands.cpp: the rest.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "block.hpp"  // the config's duration syntax, reused for --duration
#include "cli.hpp"
#include "command_client.hpp"
#include "ingest.hpp"
#include "verbs.hpp"

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
        if (*v != "left" && *v != "right" && *v != "both")
            usage_error("--side wants left, right or both");
        j["side"] = *v;
    }
    if (auto v = inv.get("--severity")) {
        char* end = nullptr;
        const double s = std::strtod(v->c_str(), &end);
        if (v->empty() || *end != '\0' || !(s >= 0 && s <= 10))
            usage_error("--severity wants a number from 0 to 10");
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

nlohmann::json episode_key(const Invocation& inv) {
    return {{"source", inv.positional.at(0)}, {"source_id", inv.positional.at(1)}};
}

int run_log(Invocation& inv) {
    nlohmann::json j = nlohmann::json::object();
    if (const std::string s = inv.sleeper(false); !s.empty()) j["sleeper"] = s;
    // Always explicit: "now" is when the user typed it, not when bedtimed read it.
    j["start"] = format_iso8601(std::chrono::system_clock::now());
    episode_fields(inv, j);
    if (auto v = inv.get("--id")) j["id"] = *v;
    return send_verb(inv, std::move(j), [](const nlohmann::json& r) {
        return "logged " + text_of(r, "source") + " " + text_of(r, "source_id");
    });
}

int run_edit(Invocation& inv) {
    nlohmann::json j = episode_key(inv);
    episode_fields(inv, j);
    if (j.size() == 2)
        usage_error("edit: nothing to change (give --start, --duration, --muscle, ...)");
    return send_verb(inv, std::move(j),
                     [](const nlohmann::json&) { return std::string("edited"); });
}

int run_confirm(Invocation& inv) {
    return send_verb(inv, episode_key(inv),
                     [](const nlohmann::json&) { return std::string("confirmed"); });
}

int run_false_positive(Invocation& inv) {
    return send_verb(inv, episode_key(inv), [](const nlohmann::json&) {
        return std::string("marked as a false positive");
    });
}

int run_delete(Invocation& inv) {
    return send_verb(inv, episode_key(inv),
                     [](const nlohmann::json&) { return std::string("deleted"); });
}

int run_travel(Invocation& inv) {
    nlohmann::json j = {{"sleeper", inv.sleeper(true)}};
    j["ended"] =
        format_iso8601(inv.get("--ended") ? parse_time_option(*inv.get("--ended"), "--ended")
                                          : std::chrono::system_clock::now());
    return send_verb(inv, std::move(j),
                     [](const nlohmann::json&) { return std::string("travel recorded"); });
}

}  // namespace

std::vector<CommandSpec> daemon_commands() {
    const std::vector<OptionSpec> ep = episode_options();
    std::vector<OptionSpec> log_opts = {
        {"--sleeper", "NAME", "whose cramp (optional with one sleeper)"}};
    for (const auto& o : ep)
        if (o.name.rfind("--no-", 0) != 0) log_opts.push_back(o);
    log_opts.push_back({"--id", "ID", "your own id for the episode (default: bedtimed picks one)"});
    const std::string_view key_details =
        "SOURCE and ID name the episode as 'bedtimectl history' shows them (e.g. 'manual "
        "ctl-1234-1'\n"
        "or 'left_band 8812').";
    return {
        verb_command(
            "log", "",
            "Example: bedtimectl log --muscle calf --side left --duration 2m --severity 6\n"
            "         bedtimectl log --start 2026-11-26T03:10:00+01:00 --muscle foot --numbness",
            std::move(log_opts), 0, run_log),
        verb_command("edit", "SOURCE ID",
                     "Only the fields given change. Example: bedtimectl edit manual ctl-1234-1 "
                     "--duration 90 "
                     "--no-swelling",
                     ep, 2, run_edit),
        verb_command("confirm", "SOURCE ID", key_details, {}, 2, run_confirm),
        verb_command("false_positive", "SOURCE ID", key_details, {}, 2, run_false_positive),
        verb_command("delete", "SOURCE ID", key_details, {}, 2, run_delete),
        verb_command("travel", "",
                     "Example: bedtimectl travel --sleeper alex --ended 2026-11-26T18:00:00+01:00",
                     {{"--sleeper", "NAME", "who travelled (optional with one sleeper)"},
                      {"--ended", "TIME",
                       "when the travel ended: ISO-8601 with a zone, or 'now' (default now)"}},
                     0, run_travel),
    };
}

CommandSpec verb_command(std::string_view verb, std::string_view args, std::string_view details,
                         std::vector<OptionSpec> options, std::size_t positional,
                         int (*run)(Invocation&)) {
    const commands::Verb* row = commands::find_verb(verb);
    if (!row || row->name != verb)
        throw std::logic_error("no verb \"" + std::string(verb) + "\" in the table");
    return CommandSpec{.name = commands::ctl_name(*row),
                       .args = args,
                       .summary = row->summary,
                       .details = details,
                       .options = std::move(options),
                       .min_positional = positional,
                       .max_positional = positional,
                       .run = run,
                       .uses_db = false,
                       .uses_mqtt = true,
                       .has_json = true,
                       .verb = row};
}

int send_verb(Invocation& inv, nlohmann::json fields,
              std::string (*describe)(const nlohmann::json&)) {
    const commands::Verb& verb = *inv.command->verb;
    // Some verbs answer only when their work ends (a pad test: up to 15 s).
    inv.timeout = std::max<std::chrono::milliseconds>(inv.timeout, verb.reply_within);
    CommandClient client(inv.mqtt(), std::chrono::steady_clock::now() + inv.timeout);
    std::string name(verb.name);
    nlohmann::json reply = client.request(name, fields);
    // A bedtimed older than this bedtimectl knows the verb by its old name only.
    if (!reply["ok"].get<bool>() && !verb.alias.empty() &&
        text_of(reply, "error") == "unknown command \"" + name + "\"") {
        name = verb.alias;
        reply = client.request(name, std::move(fields));
    }
    const bool ok = reply["ok"].get<bool>();
    if (inv.json) print_json(reply);
    if (!ok) {
        const auto e = reply.find("error");
        const std::string why =
            e != reply.end() && e->is_string() ? e->get<std::string>() : reply.dump();
        std::fprintf(stderr, "bedtimectl: bedtimed refused '%s': %s\n", name.c_str(), why.c_str());
        return kExitFailed;
    }
    if (!inv.json) std::printf("%s\n", describe(reply).c_str());
    return kExitOk;
}

std::string text_of(const nlohmann::json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string("?");
}

}  // namespace bedtimed::ctl
