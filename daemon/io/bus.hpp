// The MQTT seam (ebusd's MqttClient idea): the engine publishes and subscribes
// through this interface, and tests or `simulate` can put another behind it.
//
// Threads: loop thread only. Handlers are called on the loop thread. The bus
// owns copies of the handlers; subscriptions are re-applied after every
// (re)connect. Nothing here throws except std::bad_alloc: a publish that
// cannot be sent is counted and logged by the implementation.
#pragma once

#include <functional>
#include <string>

namespace bedtimed {

struct Message {
    std::string topic;
    std::string payload;
    int qos = 0;
    bool retained = false;
};

using MessageHandler = std::function<void(const Message&)>;

class Bus {
public:
    virtual ~Bus() = default;
    virtual void publish(std::string topic, std::string payload, int qos, bool retain) = 0;
    // One handler per filter; subscribing the same filter again replaces the handler.
    virtual void subscribe(const std::string& filter, int qos, MessageHandler handler) = 0;
    virtual void unsubscribe(const std::string& filter) = 0;
    virtual bool connected() const noexcept = 0;
};

// What a bus hands, on its own receive thread, the messages that must be
// durable before they are acknowledged (the cramp log's episodes). A bus
// that acknowledges (Paho: returning from message_arrived sends the PUBACK)
// calls take() first; the loop's copy is posted before take() so the
// decision does not wait for the commit. take() may defer what needs no
// acknowledgement (QoS 0) to a thread of its own. Implementations are
// thread-safe and take() never throws.
class DurableIntake {
public:
    virtual ~DurableIntake() = default;
    virtual bool wants(const std::string& topic) const noexcept = 0;
    virtual void take(const Message& msg) noexcept = 0;
};

}  // namespace bedtimed
