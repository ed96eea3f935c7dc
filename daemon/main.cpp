// bedtimed: argv, config, App, exit code. Everything below throws; this is
// the one place that catches (MPD's Main.cxx).
#include <MQTTAsync.h>
#include <signal.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "app.hpp"
#include "loader.hpp"
#include "log.hpp"
#include "simulate.hpp"
#include "validate.hpp"

namespace {

// Paho C initialises OpenSSL eagerly when the first client is created, TLS or
// not, which pages in about 2 MiB of libcrypto (error strings, providers).
// OpenSSL >= 1.1 initialises itself on first use, so an ssl:// broker or an
// HTTPS notifier still works; a plain tcp:// daemon just never pays for it.
// Call before any Paho client exists.
void leave_openssl_init_to_openssl() {
    MQTTAsync_init_options init = MQTTAsync_init_options_initializer;
    init.do_openssl_init = 0;
    MQTTAsync_global_init(&init);
}

void usage(std::FILE* out) {
    std::fputs(
        "usage: bedtimed [--config FILE] [--broker URI] [--state-dir DIR] [--log-level LEVEL]\n"
        "       bedtimed --check-config FILE\n"
        "       bedtimed simulate --config FILE --scenario FILE [--json] [--db FILE]\n"
        "       bedtimed --version\n"
        "\n"
        "  --config FILE      YAML config (default $CONFIGURATION_DIRECTORY/config.yaml,\n"
        "                     else /etc/bedtimed/config.yaml)\n"
        "  --broker URI       override mqtt.uri, e.g. tcp://127.0.0.1:1883\n"
        "  --state-dir DIR    where state lives (default $STATE_DIRECTORY, else "
        "/var/lib/bedtimed)\n"
        "  --log-level LEVEL  trace, debug, info, warn, error (default info)\n"
        "  --check-config F   validate F, print problems as file:line:col, exit 0 or 78\n",
        out);
}

std::string default_config_path() {
    if (const char* d = std::getenv("CONFIGURATION_DIRECTORY"); d && *d) {
        std::string dirs(d);
        return dirs.substr(0, dirs.find(':')) + "/config.yaml";
    }
    return "/etc/bedtimed/config.yaml";
}

int simulate(int argc, char** argv) {
    std::string config, scenario, db;
    bool json = false;
    for (int i = 2; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--json") json = true;
        else if (a == "--config" && i + 1 < argc) config = argv[++i];
        else if (a == "--scenario" && i + 1 < argc) scenario = argv[++i];
        else if (a == "--db" && i + 1 < argc) db = argv[++i];
        else return usage(stderr), 64;
    }
    if (config.empty() || scenario.empty()) return usage(stderr), 64;
    // The timeline is the output; only problems go to the log.
    bedtimed::setup_logging(spdlog::level::err);
    try {
        const auto result = bedtimed::run_simulation(config, scenario, db);
        std::fputs(bedtimed::format_timeline(result, json).c_str(), stdout);
        return 0;
    } catch (const bedtimed::config::ConfigError& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return bedtimed::config::kExitConfigError;
    }
}

}  // namespace

int main(int argc, char** argv) try {
    if (argc > 1 && std::string(argv[1]) == "simulate") return simulate(argc, argv);
    bedtimed::AppOptions options;
    std::string level = "info";
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "bedtimed: %s needs a value\n", arg.c_str());
                std::exit(64);
            }
            return argv[++i];
        };
        if (arg == "--config") options.config_path = value();
        else if (arg == "--broker") options.broker_override = value();
        else if (arg == "--state-dir") options.state_dir = value();
        else if (arg == "--log-level") level = value();
        else if (arg == "--check-config") return bedtimed::check_config_command(value());
        else if (arg == "--version") return std::printf("bedtimed %s\n", BEDTIMED_VERSION), 0;
        else if (arg == "--help" || arg == "-h") return usage(stdout), 0;
        else {
            std::fprintf(stderr, "bedtimed: unknown argument '%s'\n", arg.c_str());
            usage(stderr);
            return 64;
        }
    }
    const auto lvl = spdlog::level::from_str(level);
    if (lvl == spdlog::level::off && level != "off") {
        std::fprintf(stderr, "bedtimed: unknown log level '%s'\n", level.c_str());
        return 64;
    }
    bedtimed::setup_logging(lvl);
    // The cramp log is health data: the database, its -wal/-shm and the state
    // files are the service user's alone (0600), whatever umask we inherit.
    ::umask(077);
    // A write past RLIMIT_FSIZE (or a quota) must fail with EFBIG, which the
    // store reports and counts, instead of killing the daemon and its safety timers.
    ::signal(SIGXFSZ, SIG_IGN);
    leave_openssl_init_to_openssl();
    if (options.config_path.empty()) options.config_path = default_config_path();
    try {
        bedtimed::App app(std::move(options));
        return app.run();
    } catch (const bedtimed::config::ConfigError& e) {
        spdlog::error("{}", e.what());
        std::fprintf(stderr, "%s\n", e.what());
        return bedtimed::config::kExitConfigError;
    }
} catch (const std::exception& e) {
    std::fprintf(stderr, "bedtimed: fatal: %s\n", e.what());
    return 1;
}
