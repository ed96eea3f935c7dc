// An MQTT client for tests: publishes, and collects what arrives on its
// subscriptions into a queue the test can wait on.
//
// Threads: the test thread calls everything; Paho's thread only appends to
// the queue under a mutex. Throws mqtt::exception when the broker is absent.
#pragma once

#include <mqtt/async_client.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "bus.hpp"

namespace bedtimed::test {

class TestClient {
public:
    explicit TestClient(const std::string& uri, const std::string& id = "");
    ~TestClient();

    void subscribe(const std::string& filter, int qos = 1);
    void publish(const std::string& topic, const std::string& payload, int qos = 1,
                 bool retain = false);
    // The next message on any subscription, or nullopt after `timeout`.
    std::optional<Message> next(std::chrono::milliseconds timeout = std::chrono::seconds(5));
    // The next message on exactly `topic`, skipping others.
    std::optional<Message> next_on(const std::string& topic,
                                   std::chrono::milliseconds timeout = std::chrono::seconds(5));
    // Everything that arrives within `window`.
    std::vector<Message> drain(std::chrono::milliseconds window);

private:
    mqtt::async_client client_;
    std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<Message> inbox_;
};

// The retained payload of `topic` now, read by a fresh subscriber; nullopt
// when nothing (or an empty payload, a deletion) is retained there.
std::optional<std::string> retained_payload(
    const std::string& uri, const std::string& topic,
    std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace bedtimed::test
