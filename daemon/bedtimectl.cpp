// bedtimectl: the command-line companion. For now it validates configs and
// reads the daemon's retained status and counters over MQTT; later issues add
// the episode log commands.
#include <mqtt/async_client.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <filesystem>
#include <fstream>
#include <thread>

#include <unistd.h>

#include "episode_store.hpp"
#include "loader.hpp"
#include "local_time.hpp"
#include "report.hpp"
#include "validate.hpp"

namespace {

void usage(std::FILE* out) {
    std::fputs(
        "usage: bedtimectl check-config FILE\n"
        "       bedtimectl [--state-dir DIR] export --format csv|json\n"
        "       bedtimectl [--state-dir DIR] report --svg FILE [--nights N] [--timezone ZONE]\n"
        "       bedtimectl status [--config FILE | --broker URI --base TOPIC] [--timeout SECONDS]\n"
        "       bedtimectl --version\n",
        out);
}


// Reads the retained `<base>/status` and `<base>/counters` messages.
int status(std::string broker, std::string base, const std::string& config_path, int timeout_s) {
    if (!config_path.empty()) {
        try {
            auto cfg = bedtimed::config::load_config(config_path);
            if (broker.empty()) broker = cfg.mqtt.uri;
            if (base.empty()) base = cfg.mqtt.base_topic;
        } catch (const bedtimed::config::ConfigError& e) {
            std::fprintf(stderr, "%s\n", e.what());
            return bedtimed::config::kExitConfigError;
        }
    }
    if (broker.empty()) broker = "tcp://127.0.0.1:1883";
    if (base.empty()) base = "bedtimed";
    std::mutex m;
    std::condition_variable cv;
    std::string availability, counters;
    mqtt::async_client client(broker, "bedtimectl-" + std::to_string(::getpid()));
    client.set_message_callback([&](mqtt::const_message_ptr msg) {
        std::lock_guard lock(m);
        if (msg->get_topic() == base + "/status") availability = msg->to_string();
        else counters = msg->to_string();
        cv.notify_all();
    });
    try {
        // A CLI, not a daemon: blocking waits on this thread are fine here.
        client.connect(mqtt::connect_options_builder().clean_session(true).finalize())
            ->wait_for(std::chrono::seconds(timeout_s));
        if (!client.is_connected()) throw std::runtime_error("no answer from " + broker);
        client.subscribe(base + "/status", 0)->wait();
        client.subscribe(base + "/counters", 0)->wait();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bedtimectl: cannot reach %s: %s\n", broker.c_str(), e.what());
        return 69;
    }
    {
        std::unique_lock lock(m);
        cv.wait_for(lock, std::chrono::seconds(timeout_s),
                    [&] { return !availability.empty() && !counters.empty(); });
    }
    client.disconnect()->wait_for(std::chrono::seconds(1));
    std::printf("broker:    %s\n", broker.c_str());
    std::printf("bedtimed:  %s\n", availability.empty() ? "unknown (no status published)" : availability.c_str());
    std::printf("counters:  %s\n", counters.empty() ? "(none yet)" : counters.c_str());
    return availability == "online" ? 0 : 3;
}

std::string default_state_dir() {
    if (const char* s = std::getenv("STATE_DIRECTORY"); s && *s) {
        std::string dirs(s);
        return dirs.substr(0, dirs.find(':'));
    }
    return "/var/lib/bedtimed";
}

// The episode log, read-only: bedtimectl never writes the daemon's database.
std::vector<bedtimed::StoredEpisode> read_log(const std::string& state_dir) {
    const std::string path = state_dir + "/bedtimed.db";
    if (!std::filesystem::exists(path)) throw std::runtime_error("no episode log at " + path);
    bedtimed::EpisodeStore store(path, bedtimed::EpisodeStore::Mode::read_only);
    return store.recent(static_cast<std::size_t>(-1) >> 1);
}

int export_log(const std::string& state_dir, int argc, char** argv, int first) {
    std::string format = "csv";
    for (int i = first; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--format" && i + 1 < argc) format = argv[++i];
        else return usage(stderr), 64;
    }
    const auto rows = read_log(state_dir);
    if (format == "csv") std::fputs(bedtimed::cramplog::export_csv(rows).c_str(), stdout);
    else if (format == "json") std::fputs(bedtimed::cramplog::export_json(rows).c_str(), stdout);
    else return usage(stderr), 64;
    return 0;
}

int report(const std::string& state_dir, int argc, char** argv, int first) {
    std::string svg_path, zone;
    int nights = 56;
    for (int i = first; i < argc; ++i) {
        const std::string a = argv[i];
        if (i + 1 >= argc) return usage(stderr), 64;
        if (a == "--svg") svg_path = argv[++i];
        else if (a == "--nights") nights = std::max(1, std::min(3660, std::atoi(argv[++i])));
        else if (a == "--timezone") zone = argv[++i];
        else return usage(stderr), 64;
    }
    if (svg_path.empty()) return usage(stderr), 64;
    const auto rows = read_log(state_dir);
    const auto data = bedtimed::cramplog::report_data(rows, bedtimed::zone_named(zone),
                                                      std::chrono::system_clock::now(), nights);
    std::ofstream out(svg_path, std::ios::trunc);
    out << bedtimed::cramplog::svg_report(data);
    if (!out) throw std::runtime_error("cannot write " + svg_path);
    std::printf("%s: %zu nights, %zu episodes in the log\n", svg_path.c_str(), data.per_night.size(), rows.size());
    return 0;
}

}  // namespace

int main(int argc, char** argv) try {
    std::string state_dir = default_state_dir();
    if (argc >= 3 && std::string(argv[1]) == "--state-dir") {
        state_dir = argv[2];
        argv += 2;
        argc -= 2;
    }
    if (argc < 2) return usage(stderr), 64;
    const std::string cmd = argv[1];
    if (cmd == "--version") return std::printf("bedtimectl %s\n", BEDTIMED_VERSION), 0;
    if (cmd == "--help" || cmd == "-h") return usage(stdout), 0;
    if (cmd == "check-config") {
        if (argc != 3) return usage(stderr), 64;
        return bedtimed::check_config_command(argv[2]);
    }
    if (cmd == "export") return export_log(state_dir, argc, argv, 2);
    if (cmd == "report") return report(state_dir, argc, argv, 2);
    if (cmd == "status") {
        std::string broker, base, config_path;
        int timeout_s = 3;
        for (int i = 2; i < argc; ++i) {
            const std::string a = argv[i];
            if (i + 1 >= argc) return usage(stderr), 64;
            if (a == "--broker") broker = argv[++i];
            else if (a == "--base") base = argv[++i];
            else if (a == "--config") config_path = argv[++i];
            else if (a == "--timeout") timeout_s = std::atoi(argv[++i]);
            else return usage(stderr), 64;
        }
        return status(broker, base, config_path, timeout_s);
    }
    usage(stderr);
    return 64;
} catch (const std::exception& e) {
    std::fprintf(stderr, "bedtimectl: %s\n", e.what());
    return 1;
}
