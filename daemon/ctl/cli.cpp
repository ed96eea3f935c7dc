#include "cli.hpp"

#include <date/tz.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>

#include "ingest.hpp"
#include "loader.hpp"
#include "local_time.hpp"
#include "verbs.hpp"

namespace bedtimed::ctl {

namespace {

// Options every command accepts; each command's help lists those that matter to it.
const OptionSpec kStateDir{
    "--state-dir", "DIR",
    "where bedtimed.db lives\n(default $STATE_DIRECTORY, else /var/lib/bedtimed)"};
const OptionSpec kConfig{"--config", "FILE",
                         "bedtimed's config: broker, base topic, credentials, sleepers\n"
                         "(default $CONFIGURATION_DIRECTORY/config.yaml, else\n"
                         "/etc/bedtimed/config.yaml, when readable)"};
const OptionSpec kBroker{"--broker", "URI",
                         "the broker, e.g. tcp://127.0.0.1:1883 (overrides the config)"};
const OptionSpec kBase{"--base", "TOPIC",
                       "bedtimed's base topic (overrides the config; default bedtimed)"};
const OptionSpec kTimeout{"--timeout", "SECONDS",
                          "how long to wait for the broker and the daemon (default 5)"};
const OptionSpec kJson{"--json", "", "print JSON for scripts instead of text"};
const OptionSpec kHelp{"--help", "", "this help"};
const std::vector<OptionSpec> kShared{kStateDir, kConfig, kBroker, kBase, kTimeout, kJson, kHelp};

const OptionSpec* find_option(const std::vector<OptionSpec>& list, std::string_view name) {
    for (const auto& o : list)
        if (o.name == name) return &o;
    return nullptr;
}

[[noreturn]] void usage_error(const std::string& what) {
    throw CtlError(kExitUsage, what + " (see 'bedtimectl --help')");
}

bool readable(const std::string& path) { return ::access(path.c_str(), R_OK) == 0; }

void print_option(std::FILE* out, const OptionSpec& o) {
    std::string left(o.name);
    if (!o.value.empty()) left += " " + std::string(o.value);
    std::string help(o.help);
    // Continuation lines line up under the first.
    for (auto pos = help.find('\n'); pos != std::string::npos; pos = help.find('\n', pos + 1))
        help.insert(pos + 1, std::string(25, ' '));
    std::fprintf(out, "  %-22s %s\n", left.c_str(), help.c_str());
}

}  // namespace

std::optional<std::string> Invocation::get(std::string_view name) const {
    const auto it = options.find(name);
    if (it == options.end()) return std::nullopt;
    return it->second;
}

const config::Config* Invocation::config() {
    if (config_loaded_) return config_ ? &*config_ : nullptr;
    config_loaded_ = true;
    if (config_path.empty()) return nullptr;
    try {
        config_ = config::load_config(config_path);
    } catch (const config::ConfigError& e) {
        throw CtlError(kExitConfig, e.what());
    }
    return &*config_;
}

config::MqttSettings Invocation::mqtt() {
    config::MqttSettings s;
    if (const auto* c = config()) s = c->mqtt;
    if (!broker.empty()) s.uri = broker;
    if (!base.empty()) s.base_topic = base;
    return s;
}

const config::SleeperSpec* Invocation::sleeper_spec(const std::string& name) {
    const auto* c = config();
    return c ? c->find_sleeper(name) : nullptr;
}

std::string Invocation::sleeper(bool required) {
    if (auto s = get("--sleeper")) return *s;
    if (const auto* c = config(); c && c->sleepers.size() == 1) return c->sleepers.front().name;
    if (required) {
        const auto* c = config();
        usage_error(c ? "--sleeper NAME is needed: the config has " +
                            std::to_string(c->sleepers.size()) + " sleepers"
                      : "--sleeper NAME is needed (no config to take it from)");
    }
    return {};
}

const date::time_zone* Invocation::zone(const std::string& sleeper_name) {
    std::string name;
    if (auto z = get("--timezone")) name = *z;
    else if (const auto* s = sleeper_spec(sleeper_name)) name = s->timezone;
    try {
        return zone_named(name);
    } catch (const std::exception& e) {
        usage_error("unknown time zone '" + name + "'");
    }
}

std::string default_state_dir() {
    if (const char* s = std::getenv("STATE_DIRECTORY"); s && *s) {
        const std::string dirs(s);
        return dirs.substr(0, dirs.find(':'));  // systemd lists several, colon-separated
    }
    return "/var/lib/bedtimed";
}

std::string default_config_path() {
    if (const char* s = std::getenv("CONFIGURATION_DIRECTORY"); s && *s) {
        const std::string dirs(s);
        return dirs.substr(0, dirs.find(':')) + "/config.yaml";
    }
    return "/etc/bedtimed/config.yaml";
}

namespace {

// The shared options as given (or their defaults) into the invocation's settings.
void apply_shared_options(Invocation& inv) {
    if (auto v = inv.get("--state-dir")) inv.state_dir = *v;
    if (auto v = inv.get("--config")) {
        inv.config_path = *v;
        inv.config_explicit = true;
    } else if (const std::string d = default_config_path(); readable(d)) {
        inv.config_path = d;
    }
    if (auto v = inv.get("--broker")) inv.broker = *v;
    if (auto v = inv.get("--base")) inv.base = *v;
    if (auto v = inv.get("--timeout")) {
        char* end = nullptr;
        const double s = std::strtod(v->c_str(), &end);
        if (v->empty() || *end != '\0' || !(s > 0) || s > 3600)
            usage_error("--timeout wants seconds, 0 < S <= 3600");
        inv.timeout = std::chrono::milliseconds(static_cast<long long>(s * 1000));
    }
    inv.json = inv.has("--json");
}

}  // namespace

std::optional<Invocation> parse_command_line(const std::vector<CommandSpec>& commands,
                                             const std::vector<std::string>& args) {
    Invocation inv;
    inv.state_dir = default_state_dir();
    bool help = false;
    // Reads the option at args[i] (advancing i past its value); before the
    // command only the shared options are known.
    auto take_option = [&](std::size_t& i) {
        const std::string& a = args[i];
        const auto eq = a.find('=');
        const std::string name = a.substr(0, eq);
        const OptionSpec* spec = find_option(kShared, name);
        if (!spec && inv.command) spec = find_option(inv.command->options, name);
        if (!spec) {
            usage_error(
                "unknown option " + name +
                (inv.command ? " for '" + std::string(inv.command->name) + "'" : std::string()));
        }
        std::string value;
        if (spec->value.empty()) {
            if (eq != std::string::npos) usage_error(name + " takes no value");
        } else if (eq != std::string::npos) {
            value = a.substr(eq + 1);
        } else {
            if (i + 1 >= args.size())
                usage_error(name + " needs a value (" + std::string(spec->value) + ")");
            value = args[++i];
        }
        inv.options[name] = value;
    };
    auto is_option = [](const std::string& a) { return a.size() > 2 && a.rfind("--", 0) == 0; };

    std::size_t i = 0;
    std::string word;
    for (; i < args.size(); ++i) {
        if (args[i] == "-h" || args[i] == "--help") help = true;
        else if (is_option(args[i])) take_option(i);
        else {
            word = args[i++];
            break;
        }
    }
    if (word.empty()) {
        if (help) return print_overview(stdout, commands), std::nullopt;
        usage_error("no command given");
    }
    if (word == "help") {  // `bedtimectl help [COMMAND]`
        if (i >= args.size()) return print_overview(stdout, commands), std::nullopt;
        for (const auto& c : commands)
            if (c.name == args[i]) return print_command_help(stdout, c), std::nullopt;
        usage_error("unknown command '" + args[i] + "'");
    }
    for (const auto& c : commands)
        if (c.name == word) inv.command = &c;
    if (!inv.command) usage_error("unknown command '" + word + "'");
    for (; i < args.size(); ++i) {
        if (args[i] == "-h" || args[i] == "--help") help = true;
        else if (is_option(args[i])) take_option(i);
        else inv.positional.push_back(args[i]);
    }
    if (help) return print_command_help(stdout, *inv.command), std::nullopt;
    const auto n = inv.positional.size();
    if (n < inv.command->min_positional || n > inv.command->max_positional) {
        std::string want = std::string(inv.command->name);
        if (!inv.command->args.empty()) want += " " + std::string(inv.command->args);
        usage_error("usage: bedtimectl " + want);
    }

    apply_shared_options(inv);
    return inv;
}

int parse_int(const Invocation& inv, std::string_view option, int fallback, int min, int max) {
    const auto v = inv.get(option);
    if (!v) return fallback;
    int n = 0;
    const auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
    if (ec != std::errc() || p != v->data() + v->size() || n < min || n > max)
        usage_error(std::string(option) + " wants a whole number from " + std::to_string(min) +
                    " to " + std::to_string(max));
    return n;
}

WallTime parse_time_option(const std::string& text, std::string_view option) {
    if (text == "now") return std::chrono::system_clock::now();
    if (auto t = parse_iso8601(text)) return *t;
    usage_error(std::string(option) +
                " wants 'now' or ISO-8601 with a zone, e.g. 2026-11-26T03:10:00+01:00 or "
                "2026-11-26T02:10:00Z, not '" +
                text + "'");
}

void print_json(const nlohmann::json& j) {
    // Non-UTF-8 text from the log (notes typed by hand) must not abort the dump.
    std::puts(j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
}

void print_overview(std::FILE* out, const std::vector<CommandSpec>& commands) {
    std::fputs(
        "usage: bedtimectl COMMAND [ARGS] [OPTIONS]\n"
        "\n"
        "The companion of bedtimed. Reads the cramp log read-only from the state\n"
        "directory, and talks to the running daemon only through its MQTT command\n"
        "topics (<base>/cmd/<verb>, answered on <base>/reply/<id>).\n"
        "\n"
        "Commands:\n",
        out);
    auto list = [&](bool sent) {
        for (const auto& c : commands)
            if ((c.verb != nullptr) == sent)
                std::fprintf(out, "  %-15s %s\n", c.name.c_str(), std::string(c.summary).c_str());
    };
    list(false);
    std::fputs("\nCommands sent to bedtimed (to <base>/cmd/<verb>: the command with _ for -):\n",
               out);
    list(true);
    std::fputs("\nShared options (accepted before or after the command):\n", out);
    for (const auto& o : kShared) print_option(out, o);
    std::fputs(
        "\n'bedtimectl help COMMAND' or 'bedtimectl COMMAND --help' shows a command's options.\n"
        "\n"
        "Exit codes:\n"
        "  0   ok\n"
        "  1   the daemon refused or failed the command (its error is printed), or a local "
        "failure\n"
        "  3   bedtimed is offline, the broker is unreachable, or no reply came within --timeout\n"
        "  64  usage error\n"
        "  69  no episode log (bedtimed.db) in the state directory\n"
        "  74  the episode log cannot be read\n"
        "  78  config error (including an unreadable MQTT password or a refused broker login)\n",
        out);
}

void print_command_help(std::FILE* out, const CommandSpec& c) {
    std::fprintf(out, "usage: bedtimectl %s%s%s [OPTIONS]\n\n%s\n", std::string(c.name).c_str(),
                 c.args.empty() ? "" : " ", std::string(c.args).c_str(),
                 std::string(c.summary).c_str());
    if (!c.details.empty()) std::fprintf(out, "\n%s\n", std::string(c.details).c_str());
    if (c.verb) {
        std::fprintf(out, "\nSent to bedtimed on <base>/cmd/%s", std::string(c.verb->name).c_str());
        if (!c.verb->alias.empty())
            std::fprintf(out, " (older senders' cmd/%s is the same)",
                         std::string(c.verb->alias).c_str());
        std::fputs(".\n", out);
    }
    if (!c.options.empty()) {
        std::fputs("\nOptions:\n", out);
        for (const auto& o : c.options)
            if (!o.help.empty()) print_option(out, o);  // the --no-x twins are described by --x
    }
    std::fputs("\nShared options:\n", out);
    if (c.uses_db) print_option(out, kStateDir);
    if (c.uses_mqtt || c.uses_db) print_option(out, kConfig);
    if (c.uses_mqtt) {
        print_option(out, kBroker);
        print_option(out, kBase);
        print_option(out, kTimeout);
    }
    if (c.has_json) print_option(out, kJson);
    print_option(out, kHelp);
    std::fputs("\nExit codes: see 'bedtimectl --help'.\n", out);
}

}  // namespace bedtimed::ctl
