// `bedtimectl setup`, the I/O half: listen to the broker for a few seconds,
// list what the house announces (discovery/inventory.hpp), take the answers from
// --answers FILE or from numbered questions on the terminal, write the config
// (setup_config.hpp) after the daemon's own --check-config validation
// (validate.hpp) passed on it, and never over an existing file without --force.
//
// Threads: the main thread (and Paho's, inside CommandClient). Errors: CtlError.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli.hpp"
#include "command_client.hpp"
#include "loader.hpp"
#include "setup_config.hpp"
#include "validate.hpp"

namespace bedtimed::ctl {

namespace {

using namespace setup;

bool exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

std::string describe(const Device& d) {
    std::string s = d.id;
    if (d.name != d.id) s += " \"" + d.name + "\"";
    s += " — " + d.ecosystem + (d.model.empty() ? "" : ", " + d.model);
    if (!d.topic.empty()) s += ", " + d.topic + (d.json_path.empty() ? "" : " ." + d.json_path);
    for (const auto& n : d.notes) s += "; " + n;
    if (d.role == Role::button) {
        s += "; actions:";
        for (const auto& a : d.values) s += " " + a;
    }
    return s;
}

constexpr Role kRoles[] = {Role::heating_pad, Role::bed,      Role::occupancy, Role::temperature,
                           Role::sleep,       Role::activity, Role::button};

void print_inventory(std::FILE* out, const Inventory& inv) {
    std::fprintf(out, "Found on the broker:\n");
    for (const Role role : kRoles) {
        const auto list = inv.with(role);
        std::fprintf(out, "  %s: %s\n", role_name(role), list.empty() ? "none" : "");
        for (const auto* d : list) std::fprintf(out, "    %s\n", describe(*d).c_str());
    }
    for (const auto& s : inv.skipped) std::fprintf(out, "  not used: %s\n", s.c_str());
}

std::vector<Announcement> listen(Invocation& inv, const config::MqttSettings& mqtt,
                                 std::chrono::milliseconds window) {
    CommandClient client(mqtt, std::chrono::steady_clock::now() + inv.timeout + window);
    // Halfway, with the retained messages in: Gen1 Shellies are asked to
    // announce themselves, and a Gen2 that sent no status is asked for it.
    auto ask = [&](const std::vector<CommandClient::Received>& so_far) {
        client.publish("shellies/command", "announce");
        std::vector<Announcement> seen;
        for (const auto& r : so_far) seen.push_back({r.topic, r.payload, r.retained});
        int rpc_id = 0;
        for (const auto& prefix : shelly_gen2_to_ask(seen))
            client.publish(prefix + "/rpc", shelly_status_request(++rpc_id, kShellyRpcSource));
    };
    std::vector<Announcement> out;
    for (const auto& r : client.listen(announcement_filters(), window, ask))
        out.push_back({r.topic, r.payload, r.retained});
    return out;
}

// ---- The terminal -------------------------------------------------------

class Terminal {
public:
    std::string line(const std::string& question, const std::string& fallback) {
        std::printf("%s%s: ", question.c_str(),
                    fallback.empty() ? "" : (" [" + fallback + "]").c_str());
        std::fflush(stdout);
        std::string s;
        if (!std::getline(std::cin, s))
            throw CtlError(kExitUsage, "no answer to '" + question + "' (end of input)");
        while (!s.empty() && (s.back() == '\r' || s.back() == ' ')) s.pop_back();
        return s.empty() ? fallback : s;
    }

    // 0 = none; 1..n the choices.
    std::size_t choose(const std::string& question, const std::vector<std::string>& choices,
                       std::size_t fallback) {
        std::printf("%s\n  0) none\n", question.c_str());
        for (std::size_t i = 0; i < choices.size(); ++i)
            std::printf("  %zu) %s\n", i + 1, choices[i].c_str());
        for (;;) {
            const std::string s = line("number", std::to_string(fallback));
            char* end = nullptr;
            const unsigned long n = std::strtoul(s.c_str(), &end, 10);
            if (!s.empty() && *end == '\0' && n <= choices.size()) return n;
            std::printf("  a number from 0 to %zu, please\n", choices.size());
        }
    }
};

std::string pick(Terminal& t, const Inventory& inv, Role role, const std::string& who,
                 const std::vector<std::string>& taken) {
    std::vector<const Device*> free;
    for (const auto* d : inv.with(role))
        if (std::find(taken.begin(), taken.end(), d->id) == taken.end()) free.push_back(d);
    if (free.empty()) return {};
    std::vector<std::string> labels;
    for (const auto* d : free) labels.push_back(describe(*d));
    const auto n = t.choose(std::string(role_name(role)) + " for " + who + "?", labels, 1);
    return n == 0 ? std::string() : free[n - 1]->id;
}

void ask_button(Terminal& t, const Inventory& inv, SleeperAnswers& s) {
    std::vector<std::pair<std::string, std::string>> presses;
    std::vector<std::string> labels;
    for (const auto* b : inv.with(Role::button))
        for (const auto& a : b->values) {
            presses.emplace_back(b->id, a);
            labels.push_back(b->id + ": " + a);
        }
    if (presses.empty()) return;
    const auto n =
        t.choose("A bedside button press that logs a cramp now for " + s.name + "?", labels, 0);
    if (n > 0) s.cramp_button = ButtonAnswer{presses[n - 1].first, presses[n - 1].second};
}

SleeperAnswers ask_sleeper(Terminal& t, const Inventory& inv, int number,
                           std::vector<std::string>& taken) {
    SleeperAnswers s;
    s.name = t.line("Sleeper " + std::to_string(number) + "'s name (letters, digits, _ or -)",
                    number == 1 ? "alex" : "sam");
    s.bedtime = t.line("Bedtime (HH:MM)", "22:30");
    s.heating_pad = pick(t, inv, Role::heating_pad, s.name, taken);
    s.bed = pick(t, inv, Role::bed, s.name, taken);
    taken.push_back(s.heating_pad);
    taken.push_back(s.bed);
    s.occupancy = pick(t, inv, Role::occupancy, s.name, {});
    s.temperature = pick(t, inv, Role::temperature, s.name, {});
    s.sleep = pick(t, inv, Role::sleep, s.name, {});
    s.activity = pick(t, inv, Role::activity, s.name, {});
    s.wearable_topic = t.line("The topic " + s.name + "'s wearable publishes episodes on (or none)",
                              "wearables/" + s.name + "/episode");
    if (s.wearable_topic == "none") s.wearable_topic.clear();
    const auto phone = t.choose("Reminders to " + s.name + "'s phone?",
                                {"MQTT (bedtimed/notify/" + s.name + ", for a phone bridge)",
                                 "ntfy (asks for the server and the topic)"},
                                1);
    s.phone.type = phone == 0 ? "none" : phone == 1 ? "mqtt" : "ntfy";
    if (phone == 2) {
        s.phone.url = t.line("ntfy server", "https://ntfy.sh");
        s.phone.topic = t.line("ntfy topic", "bedtime-" + s.name);
    }
    ask_button(t, inv, s);
    return s;
}

Answers ask(const Inventory& inv) {
    Terminal t;
    Answers a;
    const std::string n = t.line("How many sleepers", "1");
    const int count = n == "2" ? 2 : 1;
    std::vector<std::string> taken;
    for (int i = 1; i <= count; ++i) a.sleepers.push_back(ask_sleeper(t, inv, i, taken));
    return a;
}

// ---- Writing --------------------------------------------------------------

// Validates `text` as the daemon would, then puts it at `path` (linked, so
// an existing file is never replaced without `force`).
void write_config(const std::string& path, const std::string& text, bool force) {
    const std::string tmp = path + ".setup-" + std::to_string(::getpid());
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << text;
        if (!out.flush()) throw CtlError(kExitFailed, "cannot write " + tmp);
    }
    std::vector<std::string> warnings;
    try {
        load_and_validate(tmp, warnings);
    } catch (const std::exception& e) {  // config::ConfigError, or an integration's refusal
        ::unlink(tmp.c_str());
        throw CtlError(kExitConfig, std::string("the generated config does not pass "
                                                "--check-config (a bug; please report): ") +
                                        e.what());
    }
    for (const auto& w : warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
    const bool placed =
        force ? ::rename(tmp.c_str(), path.c_str()) == 0 : ::link(tmp.c_str(), path.c_str()) == 0;
    const int err = errno;
    ::unlink(tmp.c_str());
    if (!placed && err == EEXIST)
        throw CtlError(kExitFailed, path + " exists; not overwritten (--force replaces it)");
    if (!placed) throw CtlError(kExitFailed, "cannot write " + path + ": " + std::strerror(err));
}

int run_setup(Invocation& inv) {
    const std::string output = inv.get("--output").value_or(default_config_path());
    const bool list_only = inv.has("--list"), force = inv.has("--force");
    if (!list_only && !force && exists(output))
        throw CtlError(kExitFailed, output + " exists; not overwritten (--force replaces it)");
    config::MqttSettings mqtt;
    if (inv.broker.empty()) mqtt = inv.mqtt();
    mqtt.uri = inv.broker.empty() ? mqtt.uri : inv.broker;
    if (!inv.base.empty()) mqtt.base_topic = inv.base;
    const auto window = std::chrono::seconds(parse_int(inv, "--listen", 5, 1, 120));
    std::fprintf(stderr, "Listening to %s for %lld s...\n", mqtt.uri.c_str(),
                 static_cast<long long>(window.count()));
    const Inventory found = read_announcements(listen(inv, mqtt, window));
    if (list_only && inv.json) return print_json(discovery::inventory_json(found)), kExitOk;
    print_inventory(stdout, found);
    if (list_only) return kExitOk;
    Answers answers;
    if (auto file = inv.get("--answers")) {
        std::ifstream in(*file);
        if (!in) throw CtlError(kExitUsage, "cannot read the answers file " + *file);
        std::stringstream text;
        text << in.rdbuf();
        try {
            answers = parse_answers(text.str(), *file, found);
        } catch (const SetupError& e) {
            throw CtlError(kExitConfig, e.what());
        }
    } else {
        answers = ask(found);
        try {
            check_answers(answers, found);
        } catch (const SetupError& e) {
            throw CtlError(kExitUsage, e.what());
        }
    }
    write_config(output, render_config(found, answers, {mqtt.uri, mqtt.base_topic}), force);
    std::printf("Wrote %s (it passes bedtimed --check-config).\n", output.c_str());
    return kExitOk;
}

}  // namespace

std::vector<CommandSpec> setup_commands() {
    return {CommandSpec{
        .name = "setup",
        .args = "",
        .summary = "write a config from what the broker announces (Zigbee2MQTT, Tasmota, ...)",
        .details = "Listens for --listen seconds to Zigbee2MQTT's bridge/devices, Tasmota and\n"
                   "Shelly announcements, ESPHome and Home Assistant discovery; lists what it\n"
                   "found; asks which pad, bed, sensors, wearable, phone and bedside button\n"
                   "belong to whom (numbered choices, or --answers FILE); writes a commented\n"
                   "config that passes --check-config. docs/setup.md has the answers format.\n"
                   "Example: bedtimectl setup --broker tcp://127.0.0.1:1883 --output ./config.yaml",
        .options = {{"--listen", "SECONDS", "how long to listen to the broker (default 5)"},
                    {"--answers", "FILE", "the answers as YAML instead of questions"},
                    {"--output", "FILE",
                     "where to write the config (default $CONFIGURATION_DIRECTORY/\n"
                     "config.yaml, else /etc/bedtimed/config.yaml)"},
                    {"--force", "", "replace an existing --output file"},
                    {"--list", "", "only list what the broker announces (with --json: JSON)"}},
        .min_positional = 0,
        .max_positional = 0,
        .run = run_setup,
        .uses_db = false,
        .uses_mqtt = true,
        .has_json = true,
        .verb = nullptr}};
}

}  // namespace bedtimed::ctl
