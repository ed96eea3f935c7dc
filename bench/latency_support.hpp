// bench_latency's small parts (latency.cpp): the clocks it reads, the
// episode id in a payload, the inbox that timestamps each arrival on Paho's
// thread, and the command line. One translation unit includes this.
//
// Threads: Inbox's callbacks run on Paho's thread and hand arrivals over
// under its mutex; the rest runs on main's. parse() exits 64 on bad usage.
#pragma once

#include <mqtt/async_client.h>
#include <time.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace {

std::int64_t mono_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

std::int64_t wall_us() {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000 + ts.tv_nsec / 1000;
}

void sleep_until_ns(std::int64_t t) {
    timespec ts{};
    ts.tv_sec = static_cast<time_t>(t / 1'000'000'000);
    ts.tv_nsec = static_cast<long>(t % 1'000'000'000);
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
    }
}

std::uint16_t port_of(const std::string& uri) {
    const auto colon = uri.rfind(':');
    const auto scheme = uri.find("://");
    if (colon == std::string::npos || (scheme != std::string::npos && colon <= scheme + 2))
        return 1883;
    return static_cast<std::uint16_t>(std::atoi(uri.c_str() + colon + 1));
}

// The first "id": integer in a JSON object; good enough for the two payload
// shapes this program sees, and cheap enough for a Paho callback.
std::optional<long long> id_of(const std::string& payload) {
    const auto at = payload.find("\"id\":");
    if (at == std::string::npos) return std::nullopt;
    const char* p = payload.c_str() + at + 5;
    while (*p == ' ') ++p;
    char* end = nullptr;
    const long long v = std::strtoll(p, &end, 10);
    if (end == p) return std::nullopt;
    return v;
}

struct Arrival {
    long long id;
    std::int64_t t_ns;
};

class Inbox final : public mqtt::callback {
public:
    // Paho's thread: timestamp, record, notify. Nothing that blocks.
    void message_arrived(mqtt::const_message_ptr msg) override {
        const std::int64_t now = mono_ns();
        const auto id = id_of(msg->get_payload_str());
        if (!id) return;
        {
            std::lock_guard lock(mutex_);
            arrivals_.push_back({*id, now});
        }
        cv_.notify_all();
    }
    void connection_lost(const std::string& cause) override {
        std::fprintf(stderr, "bench_latency: subscriber lost the connection %s\n", cause.c_str());
    }

    // Main thread: waits until pred(arrivals) holds or the deadline passes.
    template <class Pred>
    bool wait_until(std::int64_t deadline_ns, Pred pred) {
        std::unique_lock lock(mutex_);
        const auto deadline =
            std::chrono::steady_clock::now() + std::chrono::nanoseconds(deadline_ns - mono_ns());
        return cv_.wait_until(lock, deadline, [&] { return pred(arrivals_); });
    }
    std::vector<Arrival> take() {
        std::lock_guard lock(mutex_);
        return std::exchange(arrivals_, {});
    }

private:
    std::mutex mutex_;
    std::condition_variable cv_;
    std::vector<Arrival> arrivals_;
};

struct Options {
    std::string broker = "tcp://127.0.0.1:1883";
    std::string mode = "action";
    int qos = 1;
    double rate = 10;
    long count = 200;
    double duration_s = 30;
    long drain_ms = 3000;
    long ready_timeout_s = 30;
    bool startup = false;
    long interval_ms = 5;
    long startup_timeout_s = 30;
    std::vector<std::string> command;
    std::string clear_session;
    std::string samples;
};

[[noreturn]] void usage() {
    std::fputs(
        "usage: bench_latency --broker URI [--mode action|floor] [--qos 0|1|2] [--rate HZ]\n"
        "                     [--count N] [--duration-s D] [--drain-ms MS] [--ready-timeout-s S]\n"
        "                     [--samples FILE]\n"
        "       bench_latency --broker URI --startup [--interval-ms MS] [--qos Q]\n"
        "                     [--timeout-s S] -- CMD [ARGS...]\n"
        "       bench_latency --broker URI --clear-session CLIENT_ID\n",
        stderr);
    std::exit(64);
}

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) usage();
            return argv[++i];
        };
        if (a == "--broker") o.broker = value();
        else if (a == "--mode") o.mode = value();
        else if (a == "--qos") o.qos = std::atoi(value().c_str());
        else if (a == "--rate") o.rate = std::atof(value().c_str());
        else if (a == "--count") o.count = std::atol(value().c_str());
        else if (a == "--duration-s") o.duration_s = std::atof(value().c_str());
        else if (a == "--drain-ms") o.drain_ms = std::atol(value().c_str());
        else if (a == "--ready-timeout-s") o.ready_timeout_s = std::atol(value().c_str());
        else if (a == "--startup") o.startup = true;
        else if (a == "--clear-session") o.clear_session = value();
        else if (a == "--samples") o.samples = value();
        else if (a == "--interval-ms") o.interval_ms = std::atol(value().c_str());
        else if (a == "--timeout-s") o.startup_timeout_s = std::atol(value().c_str());
        else if (a == "--") {
            for (++i; i < argc; ++i) o.command.emplace_back(argv[i]);
        } else usage();
    }
    if ((o.mode != "action" && o.mode != "floor") || o.qos < 0 || o.qos > 2 || o.rate <= 0 ||
        o.count <= 0 || o.interval_ms <= 0 || (o.startup && o.command.empty()))
        usage();
    if (o.startup) o.mode = "action";
    return o;
}

}  // namespace
