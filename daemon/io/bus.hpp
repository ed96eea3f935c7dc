// The MQTT seam (ebusd's MqttClient idea): the engine publishes and subscribes
// through this interface, and tests or `simulate` can put another behind it.
//
// Threads: loop thread only. Handlers are called on the loop thread. The bus
// owns copies of the handlers; subscriptions are re-applied after every
// (re)connect. Nothing here throws except std::bad_alloc: a publish that
// cannot be sent is counted and logged by the implementation.
#pragma once

#include <functional>
#include <memory>
#include <string>

namespace bedtimed {

// What a DurableIntake read from a message on the receive thread, carried to
// the loop with the message so that nothing there reads it again (for a
// wearable's episode: parsed once, stamped with one clock reading, routed to
// its sleeper). Defined where messages are read (ingest.hpp); the bus only
// carries it, and never looks inside.
struct IntakeReading;

struct Message {
    std::string topic;
    std::string payload;
    int qos = 0;
    bool retained = false;
    // Set by the bus when its DurableIntake read the message; null otherwise
    // (no intake, not an intake's topic, or a bus without one).
    std::shared_ptr<const IntakeReading> reading = nullptr;
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
// calls, for each message: read() (the one reading of it), then posts the
// message with that reading to the loop, then commit() before it
// acknowledges; so the decision waits for the reading, never for the
// commit. commit() may defer what needs no acknowledgement (QoS 0) to a
// thread of its own. Implementations are thread-safe; neither call throws.
class DurableIntake {
public:
    virtual ~DurableIntake() = default;
    virtual bool wants(const std::string& topic) const noexcept = 0;
    // Null when the topic is not the intake's (or reading failed for want of memory).
    virtual std::shared_ptr<const IntakeReading> read(const Message& msg) noexcept = 0;
    virtual void commit(const IntakeReading& reading, int qos) noexcept = 0;
};

}  // namespace bedtimed
