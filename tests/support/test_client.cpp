#include "test_client.hpp"

#include <unistd.h>

#include <atomic>

namespace bedtimed::test {

namespace {
std::string unique_id() {
    static std::atomic<int> n{0};
    return "test-" + std::to_string(::getpid()) + "-" + std::to_string(n++);
}
}  // namespace

TestClient::TestClient(const std::string& uri, const std::string& id)
    : client_(uri, id.empty() ? unique_id() : id) {
    client_.set_message_callback([this](mqtt::const_message_ptr m) {
        std::lock_guard lock(mutex_);
        inbox_.push_back(Message{m->get_topic(), m->to_string(), m->get_qos(), m->is_retained()});
        cv_.notify_all();
    });
    client_.connect(mqtt::connect_options_builder().clean_session(true).finalize())->wait();
}

TestClient::~TestClient() {
    try {
        if (client_.is_connected()) client_.disconnect()->wait_for(std::chrono::seconds(2));
    } catch (...) {
    }
}

void TestClient::subscribe(const std::string& filter, int qos) {
    client_.subscribe(filter, qos)->wait();
}

void TestClient::publish(const std::string& topic, const std::string& payload, int qos,
                         bool retain) {
    client_.publish(mqtt::make_message(topic, payload, qos, retain))->wait();
}

std::optional<Message> TestClient::next(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    if (!cv_.wait_for(lock, timeout, [this] { return !inbox_.empty(); })) return std::nullopt;
    Message m = std::move(inbox_.front());
    inbox_.pop_front();
    return m;
}

std::optional<Message> TestClient::next_on(const std::string& topic,
                                           std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return std::nullopt;
        auto m = next(left);
        if (!m) return std::nullopt;
        if (m->topic == topic) return m;
    }
}

std::vector<Message> TestClient::drain(std::chrono::milliseconds window) {
    std::vector<Message> out;
    const auto deadline = std::chrono::steady_clock::now() + window;
    while (true) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        if (auto m = next(left)) out.push_back(std::move(*m));
    }
    return out;
}

std::optional<std::string> retained_payload(const std::string& uri, const std::string& topic,
                                            std::chrono::milliseconds timeout) {
    TestClient c(uri);
    c.subscribe(topic);
    auto m = c.next_on(topic, timeout);
    if (!m || m->payload.empty()) return std::nullopt;
    return m->payload;
}

}  // namespace bedtimed::test
