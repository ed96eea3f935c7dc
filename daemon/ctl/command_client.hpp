// bedtimectl's one channel to the running daemon: MQTT. It reads retained
// state (<base>/status, plans, stats, counters) and sends commands on
// <base>/cmd/<verb>, waiting for the answer on <base>/reply/<request_id>:
// the same validated path Home Assistant buttons and scripts use, and it
// works from any machine that can reach the broker.
//
// Threads: the constructor and methods run on the caller's (main) thread and
// block, which is fine for a CLI; Paho's callback thread only appends
// incoming messages to a queue under a mutex. Every wait ends at the
// deadline given to the constructor (--timeout covers the whole exchange).
// Ownership: owns the Paho client; the destructor disconnects.
// Errors: throws CtlError: kExitOffline when the broker cannot be reached or
// nothing answers in time, kExitConfig for a refused login or an unreadable
// password, kExitFailed for a malformed reply.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config.hpp"

namespace mqtt {
class async_client;
}

namespace bedtimed::ctl {

class CommandClient {
public:
    using Deadline = std::chrono::steady_clock::time_point;

    CommandClient(const config::MqttSettings& settings, Deadline deadline);
    ~CommandClient();
    CommandClient(const CommandClient&) = delete;
    CommandClient& operator=(const CommandClient&) = delete;

    // The retained messages stored under `filters` (topic -> payload). Ends as
    // soon as the broker has sent them all (a marker message we publish to
    // ourselves arrives after them), or at the deadline with what came.
    std::map<std::string, std::string> retained(const std::vector<std::string>& filters);

    // Sends `fields` plus a fresh "request_id" to <base>/cmd/<verb> (QoS 1,
    // not retained) and returns the daemon's reply object, which has a
    // boolean "ok". Refuses to send (kExitOffline) when bedtimed's retained
    // status is "offline": the broker would otherwise queue the command in
    // the daemon's session and run it whenever it comes back.
    nlohmann::json request(const std::string& verb, nlohmann::json fields);

    // Everything that arrives on `filters` within `window` (`bedtimectl
    // setup`), retained messages flagged. `halfway`, when given, runs once
    // in the middle with what came so far (to ask what the retained messages
    // left unsaid).
    struct Received {
        std::string topic, payload;
        bool retained = false;
    };
    std::vector<Received> listen(
        const std::vector<std::string>& filters, std::chrono::milliseconds window,
        const std::function<void(const std::vector<Received>&)>& halfway = nullptr);
    // QoS 0, not retained (a question to devices: Shelly's announce, an RPC).
    void publish(const std::string& topic, const std::string& payload);

    const std::string& base() const noexcept { return base_; }
    // The request id the next request() will use: "ctl-<pid>-<n>".
    std::string next_request_id() const;

private:
    struct Incoming {
        std::string topic, payload;
        bool retained = false;
    };
    void subscribe(const std::string& filter, int qos);
    // Waits for the next message on `topic` (others are kept); false at the deadline.
    bool wait_for(const std::string& topic, Incoming& out);
    std::chrono::milliseconds remaining() const;

    std::string uri_, base_, client_id_;
    Deadline deadline_;
    int counter_ = 0;
    std::unique_ptr<mqtt::async_client> client_;
    std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<Incoming> inbox_;
};

}  // namespace bedtimed::ctl
