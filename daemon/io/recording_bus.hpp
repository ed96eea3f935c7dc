// A Bus with no broker behind it: it records every publish and delivers a
// message a caller injects to the subscribers whose filters match it, as a
// broker would. The one bus fake: tests use it, and so can anything that runs
// the household without MQTT (a simulation, a config check).
//
// Threads: single-threaded; the thread that calls inject() is the loop thread
// and handlers run on it, inside inject(). The bus owns copies of the
// handlers; `published` owns copies of the messages. Nothing throws except
// std::bad_alloc and whatever a subscriber's handler throws out of inject().
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "bus.hpp"
#include "subscriptions.hpp"

namespace bedtimed {

class RecordingBus final : public Bus {
public:
    using PublishObserver = std::function<void(const Message&)>;

    // Keeps every publish in `published`.
    RecordingBus() = default;
    // Hands every publish to `observer` instead of keeping it: a long run
    // (a simulated year) then does not hold every message in memory.
    explicit RecordingBus(PublishObserver observer) : observer_(std::move(observer)) {}

    void publish(std::string topic, std::string payload, int qos, bool retain) override;
    void subscribe(const std::string& filter, int qos, MessageHandler handler) override;
    void unsubscribe(const std::string& filter) override;
    bool connected() const noexcept override { return connected_; }
    // What connected() answers from now on (true at first).
    void set_connected(bool connected) noexcept { connected_ = connected; }

    // Calls, in filter order, every handler whose filter matches `msg.topic`
    // (config's topic_matches). A handler may (un)subscribe: the handlers that
    // matched when the message arrived are the ones called.
    void inject(const Message& msg);
    // The same for a QoS 1, not retained message.
    void inject(const std::string& topic, const std::string& payload);

    // The payloads published to exactly `topic`, from index `from` of `published` on.
    std::vector<std::string> payloads_on(const std::string& topic, std::size_t from = 0) const;
    bool subscribed(const std::string& filter) const { return handlers_.contains(filter); }

    // Every publish, oldest first (empty when an observer takes them).
    std::vector<Message> published;

private:
    PublishObserver observer_;
    Subscriptions<MessageHandler> handlers_;
    bool connected_ = true;
};

}  // namespace bedtimed
