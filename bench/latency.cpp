// bench_latency: load generator and latency meter for bench/run.
//
// Publishes episodes {"id":N,"t_ns":T,"duration_s":D,"muscle":"calf"} to
// bench/wearable/episode at a paced rate and times the reaction:
//
//   --mode action  (default) waits for {"state":"ON","id":N} on
//                  bench/heating_pad/set, i.e. episode -> relay or bedtimed
//                  -> action: two broker hops.
//   --mode floor   subscribes to bench/wearable/episode itself: one hop, the
//                  broker alone.
//   --startup -- CMD ARGS...
//                  spawns CMD, publishes an episode every --interval-ms with
//                  fresh ids and reports the time from spawning CMD to the
//                  first action; then stops CMD (SIGTERM, SIGKILL after 3 s).
//   --clear-session ID
//                  connects once as client ID with a clean session and
//                  leaves: the broker forgets ID's subscriptions and queue
//                  (bedtimed uses clean_session=false).
//
// Latency is receive time minus send time of the same id, both
// CLOCK_MONOTONIC in this process; the send time is kept here by id (the
// action payload carries only the id). Ids start at the wall clock in µs, so
// every run uses fresh ids (bedtimed de-duplicates episode ids).
//
// Before measuring (not in --startup) it sends probe episodes every 50 ms
// until one comes back, then lets the pipe drain, so connection set-up is not
// measured.
//
// Output: --samples FILE appends each latency (ms, one a line) to FILE, and
// one line goes to stdout,
//   RESULT mode=.. qos=.. rate=.. sent=N received=R lost=L dup=D p50=ms p90=ms p99=ms max=ms
//   mean=ms
//          span_ms=ms publish_errors=E first_id=ID last_id=ID
//   (span_ms: first send to last arrival; publish_errors: episodes Paho
//   refused to queue, counted as lost too; the measured episodes' ids are
//   first_id..last_id, so bench/run can find them in bedtimed.db)
//   RESULT mode=startup ... first_ms=ms episode_ms=ms episodes=K
// and a readable summary on stderr.
//
// Threads: Paho's callbacks only take a timestamp, parse the id and append to
// a mutex-protected vector; everything else happens on the main thread.
#include <mqtt/async_client.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "latency_support.hpp"
#include "tcp_nodelay.hpp"

namespace {

constexpr const char* kEpisodeTopic = "bench/wearable/episode";
constexpr const char* kActionTopic = "bench/heating_pad/set";
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

class Bench {
public:
    explicit Bench(Options o)
        : o_(std::move(o)),
          // The meter must never be what refuses a flood: Paho's default
          // queue of 100 publishes would.
          pub_(o_.broker, "bench-lat-pub-" + std::to_string(::getpid()), 1'000'000),
          sub_(o_.broker, "bench-lat-sub-" + std::to_string(::getpid())), next_id_(wall_us()) {
        sub_.set_callback(inbox_);  // once, before connect (Paho #481)
        auto opts = mqtt::connect_options_builder().clean_session(true).finalize();
        // Both at once: Paho's receive thread notices a new socket only
        // between its 1 s select() rounds, so one after the other costs ~2 s.
        auto pub_tok = pub_.connect(opts);
        auto sub_tok = sub_.connect(opts);
        pub_tok->wait();
        sub_tok->wait();
        const int n = bedtimed::set_tcp_nodelay_to_peer_port(port_of(o_.broker));
        if (n < 2) std::fprintf(stderr, "bench_latency: TCP_NODELAY set on %d sockets only\n", n);
        sub_.subscribe(o_.mode == "floor" ? kEpisodeTopic : kActionTopic, o_.qos)->wait();
    }

    ~Bench() {
        for (auto* c : {&pub_, &sub_}) {
            try {
                c->disconnect()->wait_for(std::chrono::seconds(2));
            } catch (const std::exception&) {
            }
        }
    }

    // Publishes one episode with a fresh id; returns the id and records the send time.
    long long send() {
        const long long id = next_id_++;
        const std::int64_t now = mono_ns();
        sent_at_[id] = now;
        char buf[160];
        std::snprintf(buf, sizeof buf, R"({"id":%lld,"t_ns":%lld,"duration_s":%g,"muscle":"calf"})",
                      id, static_cast<long long>(now), o_.duration_s);
        try {
            pub_.publish(mqtt::make_message(kEpisodeTopic, buf, o_.qos, false));
        } catch (const mqtt::exception&) {
            // A flood can fill Paho's outbound queue; the episode counts as lost.
            ++publish_errors_;
        }
        return id;
    }

    // Probe until one episode comes back, then let the pipe go quiet.
    bool wait_ready() {
        const long long first = next_id_;
        const std::int64_t deadline = mono_ns() + o_.ready_timeout_s * 1'000'000'000LL;
        while (mono_ns() < deadline) {
            send();
            const bool ok = inbox_.wait_until(mono_ns() + 50'000'000, [&](const auto& v) {
                return std::any_of(v.begin(), v.end(),
                                   [&](const Arrival& a) { return a.id >= first; });
            });
            if (ok) {
                sleep_until_ns(mono_ns() + 200'000'000);
                inbox_.take();
                return true;
            }
        }
        return false;
    }

    int run_load() {
        if (!wait_ready()) {
            std::printf("RESULT mode=%s qos=%d rate=%g error=not_ready\n", o_.mode.c_str(), o_.qos,
                        o_.rate);
            std::fprintf(stderr, "bench_latency: nothing came back within %lds\n",
                         o_.ready_timeout_s);
            return 2;
        }
        const long long first = next_id_;
        const long long last = first + o_.count - 1;
        const auto period = static_cast<std::int64_t>(1e9 / o_.rate);
        const std::int64_t start = mono_ns() + 10'000'000;
        for (long k = 0; k < o_.count; ++k) {
            sleep_until_ns(start + k * period);
            send();
        }
        const std::int64_t deadline = mono_ns() + o_.drain_ms * 1'000'000LL;
        inbox_.wait_until(deadline, [&](const std::vector<Arrival>& v) {
            // Cheap check; exact accounting below.
            return static_cast<long>(v.size()) >= o_.count && !v.empty() && v.back().id >= last;
        });
        // A little extra so late duplicates are counted, not left for the next run.
        sleep_until_ns(mono_ns() + 50'000'000);
        const auto got = inbox_.take();

        std::unordered_set<long long> seen;
        std::vector<double> ms;
        long dups = 0;
        std::int64_t last_arrival = sent_at_.at(first);
        for (const auto& a : got) {
            if (a.id < first || a.id > last) continue;
            if (!seen.insert(a.id).second) {
                ++dups;
                continue;
            }
            last_arrival = std::max(last_arrival, a.t_ns);
            ms.push_back(static_cast<double>(a.t_ns - sent_at_.at(a.id)) / 1e6);
        }
        if (!o_.samples.empty()) {
            // Arrival order, one latency in ms per line, appended: bench/run
            // pools the chunks of one scenario.
            if (std::FILE* f = std::fopen(o_.samples.c_str(), "a")) {
                for (double v : ms) std::fprintf(f, "%.6f\n", v);
                std::fclose(f);
            }
        }
        std::sort(ms.begin(), ms.end());
        auto pct = [&](double q) {
            if (ms.empty()) return kNaN;
            const auto rank =
                static_cast<std::size_t>(std::ceil(q * static_cast<double>(ms.size())));
            return ms[std::clamp<std::size_t>(rank, 1, ms.size()) - 1];
        };
        double mean = 0;
        for (double v : ms) mean += v;
        if (!ms.empty()) mean /= static_cast<double>(ms.size());
        const long lost = o_.count - static_cast<long>(ms.size());
        // span: first send to last arrival, so count / span is the rate
        // actually sustained end to end.
        const double span_ms = static_cast<double>(last_arrival - sent_at_.at(first)) / 1e6;
        std::printf(
            "RESULT mode=%s qos=%d rate=%g sent=%ld received=%zu lost=%ld dup=%ld "
            "p50=%.3f p90=%.3f p99=%.3f max=%.3f mean=%.3f span_ms=%.3f publish_errors=%ld "
            "first_id=%lld last_id=%lld\n",
            o_.mode.c_str(), o_.qos, o_.rate, o_.count, ms.size(), lost, dups, pct(0.5), pct(0.9),
            pct(0.99), ms.empty() ? kNaN : ms.back(), mean, span_ms, publish_errors_, first, last);
        std::fprintf(stderr,
                     "bench_latency: %s qos%d %g/s: %zu/%ld back, %ld lost, %ld dup; "
                     "p50 %.3f p90 %.3f p99 %.3f max %.3f ms\n",
                     o_.mode.c_str(), o_.qos, o_.rate, ms.size(), o_.count, lost, dups, pct(0.5),
                     pct(0.9), pct(0.99), ms.empty() ? kNaN : ms.back());
        return 0;
    }

    int run_startup() {
        const long long first = next_id_;
        std::vector<char*> argv;
        for (auto& s : o_.command) argv.push_back(s.data());
        argv.push_back(nullptr);
        const pid_t parent = ::getpid();
        const std::int64_t t0 = mono_ns();
        const pid_t child = ::fork();
        if (child < 0) {
            std::perror("bench_latency: fork");
            return 1;
        }
        if (child == 0) {
            // Do not outlive us, whatever happens to bench/run.
            ::prctl(PR_SET_PDEATHSIG, SIGTERM);
            if (::getppid() != parent) ::_exit(1);
            const int devnull = ::open("/dev/null", O_WRONLY);
            if (devnull >= 0) ::dup2(devnull, 1);
            ::execvp(argv[0], argv.data());
            std::perror("bench_latency: exec");
            ::_exit(127);
        }
        std::optional<Arrival> hit;
        long episodes = 0;
        const std::int64_t deadline = t0 + o_.startup_timeout_s * 1'000'000'000LL;
        std::int64_t tick = mono_ns();
        while (!hit && mono_ns() < deadline) {
            send();
            ++episodes;
            tick += o_.interval_ms * 1'000'000LL;
            inbox_.wait_until(tick, [&](const std::vector<Arrival>& v) {
                for (const auto& a : v)
                    if (a.id >= first) {
                        hit = a;
                        return true;
                    }
                return false;
            });
            if (int status = 0; !hit && ::waitpid(child, &status, WNOHANG) == child) {
                std::printf("RESULT mode=startup error=child_exited status=%d\n", status);
                return 2;
            }
        }
        stop_child(child);
        if (!hit) {
            std::printf("RESULT mode=startup error=timeout episodes=%ld\n", episodes);
            return 2;
        }
        const double first_ms = static_cast<double>(hit->t_ns - t0) / 1e6;
        const double episode_ms = static_cast<double>(hit->t_ns - sent_at_.at(hit->id)) / 1e6;
        std::printf(
            "RESULT mode=startup qos=%d interval_ms=%ld first_ms=%.3f episode_ms=%.3f "
            "episodes=%ld\n",
            o_.qos, o_.interval_ms, first_ms, episode_ms, episodes);
        std::fprintf(stderr,
                     "bench_latency: first action %.1f ms after spawn (%ld episodes sent)\n",
                     first_ms, episodes);
        return 0;
    }

private:
    static void stop_child(pid_t child) {
        ::kill(child, SIGTERM);
        for (int i = 0; i < 300; ++i) {
            if (::waitpid(child, nullptr, WNOHANG) == child) return;
            ::usleep(10'000);
        }
        ::kill(child, SIGKILL);
        ::waitpid(child, nullptr, 0);
    }

    Options o_;
    Inbox inbox_;
    mqtt::async_client pub_;
    mqtt::async_client sub_;
    long long next_id_;
    std::unordered_map<long long, std::int64_t> sent_at_;
    long publish_errors_ = 0;
};

}  // namespace

int main(int argc, char** argv) try {
    Options o = parse(argc, argv);
    if (!o.clear_session.empty()) {
        mqtt::async_client c(o.broker, o.clear_session);
        c.connect(mqtt::connect_options_builder().clean_session(true).finalize())->wait();
        c.disconnect()->wait();
        return 0;
    }
    const bool startup = o.startup;
    Bench bench(std::move(o));
    return startup ? bench.run_startup() : bench.run_load();
} catch (const std::exception& e) {
    std::printf("RESULT error=exception\n");
    std::fprintf(stderr, "bench_latency: fatal: %s\n", e.what());
    return 1;
}
