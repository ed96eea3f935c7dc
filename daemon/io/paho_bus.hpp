// The Bus on Eclipse Paho MQTT C++ 1.2 (async_client).
//
// Threads: every public method runs on the loop thread. Paho's callbacks run
// on Paho's own thread; they copy what they got and post() it to the loop,
// and never block, wait or call back into the client (docs/architecture.md, Threads). All
// callbacks are registered once per client, before its first connect() (Paho #481).
//
// A fresh client: a broker that drops the connection right after CONNACK
// kQuickDropsBeforeReset times in a row gets a new Paho client (and an empty
// persistence directory). Why: Paho C 1.3.12, Debian 12's, can resend an
// in-flight QoS 1 publish from freed memory after the broker restarts
// (eclipse-paho/paho.mqtt.c #1310, #1592; seen here as topic 0x01 with heap
// pointers for payload); the broker refuses it as a malformed packet, and
// Paho resends it at every reconnect, so the daemon would never get through.
// The same when the bus stays disconnected for kStuckAfter while the
// broker's port takes a TCP connection (the broker is up, the client is not
// getting through: with file persistence Paho resends before it reports the
// connection, so no quick drop is ever seen). A broker that is down is left
// to Paho's own retries.
// What Paho held in flight is dropped with that client: the loop re-sends
// what matters on connect (status, discovery, every actuator's desired
// state), and inbound messages stay queued at the broker (clean_session off).
//
// Ownership: PahoBus owns the client. It must be destroyed before the
// io_context it posts to, and stop() must have run first (Paho c#1669).
// Errors: the constructor throws std::runtime_error when the client cannot be
// created (bad URI, unwritable persistence directory); everything else is
// counted and logged.
#pragma once

#include <utility>  // before Asio: Boost 1.74 with C++20 needs it

#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <deque>
#include <map>
#include <memory>
#include <string>

#include "bus.hpp"
#include "clock.hpp"
#include "config.hpp"
#include "counters.hpp"
#include "log.hpp"
#include "subscriptions.hpp"

namespace mqtt {
class async_client;
}

namespace bedtimed {

class PahoBus final : public Bus {
public:
    // `persist_dir` holds Paho's in-flight QoS>0 messages; empty = in memory.
    PahoBus(boost::asio::io_context& io, Clock& clock, Counters& counters,
            config::MqttSettings settings, std::string persist_dir);
    ~PahoBus() override;

    // Starts connecting in the background; never waits for the broker.
    void start();
    // Publishes availability "offline", then disconnects; waits at most `budget`.
    void stop(std::chrono::milliseconds budget) noexcept;

    void publish(std::string topic, std::string payload, int qos, bool retain) override;
    void subscribe(const std::string& filter, int qos, MessageHandler handler) override;
    void unsubscribe(const std::string& filter) override;
    bool connected() const noexcept override { return connected_; }

    // Set before start(): on Paho's thread, a message it wants is read by it
    // once (DurableIntake::read), posted to the loop with that reading, then
    // committed by it before the callback returns (and so before the PUBACK).
    // Shared with the callback thread, hence shared ownership.
    void set_durable_intake(std::shared_ptr<DurableIntake> intake) { intake_ = std::move(intake); }

    // Called on the loop after every successful (re)connect, once subscriptions are re-sent.
    void on_connected(std::function<void()> fn) { connected_hooks_.push_back(std::move(fn)); }

    std::string status_topic() const { return settings_.base_topic + "/status"; }
    const std::string& uri() const noexcept { return settings_.uri; }
    // Traffic on exactly `topic` is left out of messages_in/messages_out: the
    // watchdog heartbeat would otherwise change the counters every interval
    // and make an idle daemon republish them.
    void set_uncounted(std::string topic) { uncounted_topic_ = std::move(topic); }

    // The outbound window. At most publish_window() publishes are inside
    // Paho at a time (handed over, not yet completed: QoS 0 written, QoS 1
    // acknowledged); the rest wait here, in order. Why: under an episode
    // flood Paho's receive thread holds the library's one global lock
    // through each durable commit, so its send thread drains slowly, and the
    // loop would wait for that lock at every publish. A publish queued inside
    // Paho (message, command, tokens) costs several times one waiting here:
    // heaptrack put the heap peak under bench/run's flood of 20,000 episodes
    // at 13.9 MiB without the window and 3.75 MiB with it.
    // While the broker is away at most mqtt.max_buffered_messages wait; while
    // it is connected up to kMaxWaitingConnected, so that a flood of episodes
    // loses no action. Beyond either, a publish is dropped and counted.
    // QoS 2 publishes have a smaller window of their own inside this one,
    // mqtt.max_inflight_qos2: a broker takes only so many unfinished QoS 2
    // messages from one client (mosquitto: 20) and, over MQTT 3.1.1, drops
    // the rest while Paho counts them delivered (mosquitto #2876). A QoS 2
    // publish at the head of the queue waits for room there, and what is
    // behind it waits too, so the order is kept.
    static constexpr std::size_t kMaxWaitingConnected = 100'000;
    static constexpr std::size_t kPublishWindow = 64;
    std::size_t publish_window() const noexcept {
        return std::min(kPublishWindow, settings_.max_buffered_messages);
    }
    std::size_t qos2_window() const noexcept {
        return std::min(publish_window(), settings_.max_inflight_qos2);
    }
    std::size_t publishes_in_flight() const noexcept { return in_flight_; }
    std::size_t qos2_in_flight() const noexcept { return qos2_in_flight_; }
    std::size_t publishes_waiting() const noexcept { return waiting_.size(); }

    // A connection lost within kQuickDropWindow of its CONNACK is a quick
    // drop; kQuickDropsBeforeReset of them in a row replace the client.
    static constexpr std::chrono::seconds kQuickDropWindow{5};
    static constexpr int kQuickDropsBeforeReset = 3;
    // Disconnected this long while the broker's port takes a TCP connection:
    // the client is stuck and is replaced too (paho_bus_recovery.cpp).
    static constexpr std::chrono::seconds kStuckAfter{30};

private:
    class Callbacks;
    class PublishListener;
    struct PendingPublish {
        std::string topic;
        std::string payload;
        int qos;
        bool retain;
    };
    void hand_to_paho(PendingPublish p);
    // Counts a publish failure and logs `what`, rate-limited.
    void count_publish_failure(const std::string& what);
    void handle_publish_done(bool qos2);
    // Whether the window has room for a publish at `qos` now.
    bool room_for(int qos) const noexcept {
        return in_flight_ < publish_window() && (qos < 2 || qos2_in_flight_ < qos2_window());
    }
    // Hands waiting publishes to Paho while the window has room, or all of
    // them (at stop()).
    void drain_waiting(bool whole_queue = false);
    void check_publish_stall();
    void handle_connected();
    void handle_connection_lost(const std::string& cause);
    // `code` is the connect token's return code: CONNACK 4/5 for refused
    // credentials, -1 for a TCP or TLS failure, 0 when Paho threw instead.
    void handle_connect_failed(const std::string& why, int code = 0);
    void handle_message(const Message& msg);
    void connect_now();
    // Builds client_ (and its callbacks and listeners) for generation_.
    void create_client();
    // Ends the current client: its events are ignored from now on, its
    // automatic reconnect stopped, the client destroyed, the window emptied.
    void retire_client();
    // Drops the client and what it held, then connects a fresh one; `why`
    // is "dropped" (quick drops) or "answers" (the probe found the broker up).
    void reset_client(const char* why);
    void watch_for_stuck_client();
    void probe_broker();
    void probed(bool broker_answers);

    boost::asio::io_context& io_;
    Clock& clock_;
    Counters& counters_;
    config::MqttSettings settings_;
    std::shared_ptr<spdlog::logger> log_;
    std::unique_ptr<Callbacks> callbacks_;
    std::unique_ptr<PublishListener> publish_listener_;       // QoS 0 and 1
    std::unique_ptr<PublishListener> qos2_publish_listener_;  // QoS 2
    std::shared_ptr<DurableIntake> intake_;
    std::unique_ptr<mqtt::async_client> client_;
    std::string persist_dir_;
    // Which client the callbacks speak for: events of a replaced one, still
    // in the loop's queue, are ignored (messages excepted: they were committed).
    std::uint64_t generation_ = 0;
    SteadyTime connected_at_{};
    int quick_drops_ = 0;  // in a row
    struct Probe;
    std::shared_ptr<Probe> probe_;  // the TCP probe under way, if any
    std::unique_ptr<Timer> retry_timer_;
    std::chrono::seconds retry_delay_{1};
    bool connected_ = false;
    bool ever_connected_ = false;
    bool stopping_ = false;
    bool credentials_refused_ = false;  // logged once per streak of refusals
    struct Subscription {
        int qos;
        MessageHandler handler;
    };
    Subscriptions<Subscription> subscriptions_;
    std::vector<std::function<void()>> connected_hooks_;
    std::string uncounted_topic_;
    RateLimitedLog publish_fail_log_{5, std::chrono::minutes(1)};
    std::deque<PendingPublish> waiting_;
    std::size_t in_flight_ = 0;
    std::size_t qos2_in_flight_ = 0;          // of in_flight_
    std::uint64_t completions_ = 0;           // publishes Paho has completed, ever
    std::uint64_t completions_at_check_ = 0;  // ... at the last stall check
    std::unique_ptr<Timer> stall_timer_;
    std::unique_ptr<Timer> stuck_timer_;
};

}  // namespace bedtimed
