// bedtimectl: the command-line companion of bedtimed.
//
// Two sources, one rule each: the cramp log is read read-only from the state
// directory (ctl/db_commands.cpp), and the running daemon is reached only
// through its MQTT command topics and retained state: ctl/daemon_commands.cpp
// and ctl/house_commands.cpp (one command per row of the verb table,
// commands/verbs.hpp), ctl/live_commands.cpp. Parsing and help: ctl/cli.cpp.
#include <cstdio>
#include <string>
#include <vector>

#include "ctl/cli.hpp"
#include "validate.hpp"

namespace {

using bedtimed::ctl::CommandSpec;
using bedtimed::ctl::Invocation;

int run_check_config(Invocation& inv) {
    return bedtimed::check_config_command(inv.positional.at(0));
}

std::vector<CommandSpec> all_commands() {
    std::vector<CommandSpec> all;
    for (auto group : {bedtimed::ctl::live_commands(), bedtimed::ctl::daemon_commands(),
                       bedtimed::ctl::house_commands(), bedtimed::ctl::db_commands(),
                       bedtimed::ctl::setup_commands(), bedtimed::ctl::experiment_commands()})
        for (auto& c : group) all.push_back(std::move(c));
    all.push_back(
        CommandSpec{.name = "check-config",
                    .args = "FILE",
                    .summary = "validate a config exactly as bedtimed does (exit 0 or 78)",
                    .details = "Example: bedtimectl check-config /etc/bedtimed/config.yaml",
                    .options = {},
                    .min_positional = 1,
                    .max_positional = 1,
                    .run = run_check_config,
                    .uses_db = false,
                    .uses_mqtt = false,
                    .has_json = false});
    return all;
}

}  // namespace

int main(int argc, char** argv) try {
    const std::vector<std::string> args(argv + 1, argv + argc);
    if (args.size() == 1 && args[0] == "--version")
        return std::printf("bedtimectl %s\n", BEDTIMED_VERSION), 0;
    const auto commands = all_commands();
    auto inv = bedtimed::ctl::parse_command_line(commands, args);
    if (!inv) return bedtimed::ctl::kExitOk;  // help was asked for and printed
    return inv->command->run(*inv);
} catch (const bedtimed::ctl::CtlError& e) {
    std::fprintf(stderr, "bedtimectl: %s\n", e.what());
    return e.code();
} catch (const std::exception& e) {
    std::fprintf(stderr, "bedtimectl: %s\n", e.what());
    return bedtimed::ctl::kExitFailed;
}
