// bench_relay: the "two-hop floor" for bench/run.
//
// The smallest useful Paho relay: subscribe to bench/wearable/episode (QoS 1);
// for each episode whose duration_s >= 10 publish {"state":"ON","id":N} to
// bench/heating_pad/set with the QoS the episode arrived with. The parse and
// the (non-blocking) publish happen right in Paho's message callback: no
// queue, no thread hop, no persistence. bedtimed does the same job with its
// config, rule engine and asio loop in between, so this is what it is compared
// against.
//
//   bench_relay --broker tcp://127.0.0.1:1883 [--client-id ID]
//
// Prints "ready" on stdout once subscribed; runs until SIGINT/SIGTERM.
#include <mqtt/async_client.h>
#include <nlohmann/json.hpp>

#include <signal.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "tcp_nodelay.hpp"

namespace {

constexpr const char* kEpisodeTopic = "bench/wearable/episode";
constexpr const char* kActionTopic = "bench/heating_pad/set";

std::uint16_t port_of(const std::string& uri) {
    const auto colon = uri.rfind(':');
    const auto scheme = uri.find("://");
    if (colon == std::string::npos || (scheme != std::string::npos && colon <= scheme + 2))
        return 1883;
    return static_cast<std::uint16_t>(std::atoi(uri.c_str() + colon + 1));
}

class Relay final : public mqtt::callback {
public:
    explicit Relay(mqtt::async_client& client) : client_(client) {}

    std::atomic<std::uint64_t> relayed{0};
    std::atomic<std::uint64_t> ignored{0};

    // Paho's thread: parse, publish without waiting, return.
    void message_arrived(mqtt::const_message_ptr msg) override {
        try {
            const auto& body = msg->get_payload_ref();
            const auto j =
                nlohmann::json::parse(body.data(), body.data() + body.size(), nullptr, false);
            if (!j.is_object()) {
                ++ignored;
                return;
            }
            const auto dur = j.find("duration_s");
            const auto id = j.find("id");
            if (dur == j.end() || !dur->is_number() || id == j.end() || !id->is_number_integer()) {
                ++ignored;
                return;
            }
            if (dur->get<double>() < 10) {
                ++ignored;
                return;
            }
            std::string payload =
                "{\"state\":\"ON\",\"id\":" + std::to_string(id->get<long long>()) + "}";
            client_.publish(
                mqtt::make_message(kActionTopic, std::move(payload), msg->get_qos(), false));
            ++relayed;
        } catch (const std::exception& e) {
            std::fprintf(stderr, "bench_relay: %s\n", e.what());
        }
    }
    void connection_lost(const std::string& cause) override {
        std::fprintf(stderr, "bench_relay: connection lost %s\n", cause.c_str());
    }

private:
    mqtt::async_client& client_;
};

}  // namespace

int main(int argc, char** argv) try {
    std::string broker = "tcp://127.0.0.1:1883";
    std::string client_id = "bench-relay";
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--broker" && i + 1 < argc) broker = argv[++i];
        else if (a == "--client-id" && i + 1 < argc) client_id = argv[++i];
        else {
            std::fprintf(stderr, "usage: bench_relay --broker URI [--client-id ID]\n");
            return 64;
        }
    }

    // Block the stop signals before Paho starts its threads, then sigwait.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    // In-memory persistence, as a minimal relay would use. Up to 10,000
    // publishes queued in Paho, bedtimed's default (mqtt.max_buffered_messages):
    // Paho's own default of 100 refuses actions under a flood.
    mqtt::async_client client(broker, client_id, 10000);
    Relay relay(client);
    client.set_callback(relay);  // once, before connect (Paho #481)

    auto opts = mqtt::connect_options_builder()
                    .clean_session(true)
                    .keep_alive_interval(std::chrono::seconds(30))
                    .finalize();
    client.connect(opts)->wait();
    bedtimed::set_tcp_nodelay_to_peer_port(port_of(broker));
    client.subscribe(kEpisodeTopic, 1)->wait();
    std::printf("ready\n");
    std::fflush(stdout);

    int sig = 0;
    sigwait(&stop_signals, &sig);
    try {
        client.disconnect()->wait_for(std::chrono::seconds(2));
    } catch (const std::exception&) {
    }
    std::fprintf(stderr, "bench_relay: relayed %llu, ignored %llu\n",
                 static_cast<unsigned long long>(relay.relayed.load()),
                 static_cast<unsigned long long>(relay.ignored.load()));
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "bench_relay: fatal: %s\n", e.what());
    return 1;
}
