// bedtimectl's command line: exit codes, the command table, parsed options,
// and the settings every command group shares (config, broker, state dir).
//
// Threads: bedtimectl is single-threaded apart from Paho's callback thread
// (see command_client.hpp); everything here runs on the main thread.
// Errors: anything that should end the program with a given exit code throws
// CtlError; main() prints its message to stderr and returns its code.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "clock.hpp"
#include "config.hpp"

namespace date {
class time_zone;
}

namespace bedtimed::commands {
struct Verb;
}

namespace bedtimed::ctl {

// Exit codes; `bedtimectl --help` and the README list the same table.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed =
    1;  // the daemon refused or failed the command (or a local failure)
inline constexpr int kExitOffline = 3;  // bedtimed offline, broker unreachable, or no reply in time
inline constexpr int kExitUsage = 64;   // EX_USAGE, as bedtimed uses it
inline constexpr int kExitNoLog = 69;   // EX_UNAVAILABLE: no episode log in the state directory
inline constexpr int kExitLogError = 74;  // EX_IOERR: the episode log cannot be read
inline constexpr int kExitConfig = 78;    // EX_CONFIG

class CtlError : public std::runtime_error {
public:
    CtlError(int code, const std::string& message) : std::runtime_error(message), code_(code) {}
    int code() const noexcept { return code_; }

private:
    int code_;
};

struct OptionSpec {
    std::string_view name;   // "--sleeper"
    std::string_view value;  // "NAME"; empty for a flag without a value
    std::string_view help;
};

struct Invocation;

struct CommandSpec {
    std::string name;
    std::string_view args;     // positional arguments, e.g. "SOURCE ID"
    std::string_view summary;  // one line for the overview
    std::string_view details;  // the rest of `bedtimectl help <command>`
    std::vector<OptionSpec> options;
    std::size_t min_positional = 0, max_positional = 0;
    int (*run)(Invocation&) = nullptr;
    // Which of the shared options apply, for the per-command help.
    bool uses_db = false, uses_mqtt = false, has_json = false;
    // A command sent to the daemon: its row of the verb table (commands/verbs.hpp),
    // which gives its name (the verb with '-' for '_') and its summary.
    const commands::Verb* verb = nullptr;
};

// The command groups, one file each.
std::vector<CommandSpec> db_commands();  // history, stats, why, export, report
std::vector<CommandSpec>
daemon_commands();  // log, edit, confirm, ...: the cramp log, via command topics
std::vector<CommandSpec> house_commands();  // pad-off, tier, routine, ...: heat, reminders, routine
std::vector<CommandSpec> live_commands();   // status, tonight (retained messages)
std::vector<CommandSpec> setup_commands();  // setup: a config from the broker's announcements
std::vector<CommandSpec> experiment_commands();  // checkin, experiment (experiment_commands.cpp)
// `export --format fhir`: the log as a FHIR R4 Bundle on stdout (experiment_commands.cpp).
void export_fhir(Invocation& inv);

// One run of bedtimectl: the command and what the command line said.
struct Invocation {
    const CommandSpec* command = nullptr;
    std::map<std::string, std::string, std::less<>> options;  // "--sleeper" -> "alex"; flags -> ""
    std::vector<std::string> positional;

    // Shared options.
    std::string state_dir;
    std::string config_path;  // explicit --config, else the default when readable, else ""
    bool config_explicit = false;
    std::string broker, base;  // --broker, --base (override the config)
    std::chrono::milliseconds timeout{5000};
    bool json = false;

    bool has(std::string_view name) const { return options.find(name) != options.end(); }
    std::optional<std::string> get(std::string_view name) const;

    // The config, loaded on first use; null when none was given and the default
    // is not readable. Throws CtlError(kExitConfig) for a config error.
    const config::Config* config();
    // The broker settings: the config's (or the defaults), then --broker/--base.
    config::MqttSettings mqtt();
    // --sleeper, else the config's only sleeper, else "" (or a usage error when `required`).
    std::string sleeper(bool required);
    // --timezone, else the sleeper's (from the config), else the system's.
    const date::time_zone* zone(const std::string& sleeper);
    const config::SleeperSpec* sleeper_spec(const std::string& name);

private:
    std::optional<config::Config> config_;
    bool config_loaded_ = false;
};

// Parses argv (without argv[0]) into an invocation; throws CtlError(kExitUsage).
// Returns nullopt when help was printed instead.
std::optional<Invocation> parse_command_line(const std::vector<CommandSpec>& commands,
                                             const std::vector<std::string>& args);
void print_overview(std::FILE* out, const std::vector<CommandSpec>& commands);
void print_command_help(std::FILE* out, const CommandSpec& command);

// Shared helpers for the command groups.
std::string default_state_dir();  // $STATE_DIRECTORY (first entry), else /var/lib/bedtimed
std::string
default_config_path();  // $CONFIGURATION_DIRECTORY/config.yaml, else /etc/bedtimed/config.yaml
int parse_int(const Invocation& inv, std::string_view option, int fallback, int min, int max);
// "2026-11-26T02:14:00Z", "+01:00" offsets, "now"; throws CtlError(kExitUsage).
WallTime parse_time_option(const std::string& text, std::string_view option);
void print_json(const nlohmann::json& j);  // pretty, on stdout, with a final newline

// A command sent to the daemon as `verb` (a name in the verb table; throws
// std::logic_error for any other): named and summarised by its row.
CommandSpec verb_command(std::string_view verb, std::string_view args, std::string_view details,
                         std::vector<OptionSpec> options, std::size_t positional,
                         int (*run)(Invocation&));
// Sends `fields` as the invocation's verb and reports the reply: the whole
// reply with --json, else `describe(reply)` on success; the daemon's error on
// stderr and kExitFailed on refusal. Throws CtlError as CommandClient does.
int send_verb(Invocation& inv, nlohmann::json fields,
              std::string (*describe)(const nlohmann::json&));
// The string at `key` of a reply, or "?".
std::string text_of(const nlohmann::json& j, const char* key);

}  // namespace bedtimed::ctl
