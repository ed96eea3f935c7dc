#include "recording_bus.hpp"

#include <utility>

namespace bedtimed {

void RecordingBus::publish(std::string topic, std::string payload, int qos, bool retain) {
    Message msg{std::move(topic), std::move(payload), qos, retain};
    if (observer_) observer_(msg);
    else published.push_back(std::move(msg));
}

void RecordingBus::subscribe(const std::string& filter, int, MessageHandler handler) {
    handlers_.set(filter, std::move(handler));
}

void RecordingBus::unsubscribe(const std::string& filter) { handlers_.erase(filter); }

void RecordingBus::inject(const Message& msg) {
    for (const auto& handler : handlers_.matching(msg.topic)) handler(msg);
}

void RecordingBus::inject(const std::string& topic, const std::string& payload) {
    inject(Message{topic, payload, 1, false});
}

std::vector<std::string> RecordingBus::payloads_on(const std::string& topic,
                                                   std::size_t from) const {
    std::vector<std::string> out;
    for (std::size_t i = from; i < published.size(); ++i)
        if (published[i].topic == topic) out.push_back(published[i].payload);
    return out;
}

}  // namespace bedtimed
