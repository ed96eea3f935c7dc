// PahoBus's outbound window against a real mosquitto: at most
// kPublishWindow publishes inside Paho at a time, the rest waiting in order
// in the bus, bounded by mqtt.max_buffered_messages, and handed over at stop().
//
// The test thread is the loop thread: it publishes a burst without running
// the io_context (so no completion can arrive in between), then runs it
// until the bus has sent everything. No assertion depends on timing.
#include <gtest/gtest.h>

#include <utility>  // before Asio: Boost 1.74 with C++20 needs it

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <string>

#include "asio_clock.hpp"
#include "counters.hpp"
#include "mosquitto_fixture.hpp"
#include "paho_bus.hpp"
#include "test_client.hpp"

namespace bedtimed::test {
namespace {

using namespace std::chrono_literals;

class PublishWindow : public ::testing::Test {
protected:
    void SetUp() override {
        broker_.start();
        subscriber_.emplace(broker_.uri(), "window-subscriber");
        subscriber_->subscribe("burst/#", 1);
        settings_.uri = broker_.uri();
        settings_.client_id = "window-bus";
        settings_.base_topic = "window";
    }

    // Runs the loop until `done()` holds or 30 s pass.
    template <typename Pred>
    bool run_until(Pred done) {
        const auto deadline = std::chrono::steady_clock::now() + 30s;
        while (!done() && std::chrono::steady_clock::now() < deadline) io_.run_for(5ms);
        return done();
    }

    std::unique_ptr<PahoBus> connected_bus() {
        auto bus = std::make_unique<PahoBus>(io_, clock_, counters_, settings_, "");
        bus->start();
        EXPECT_TRUE(run_until([&] { return bus->connected(); }));
        // The "online" status goes through the window too: let it complete.
        EXPECT_TRUE(run_until([&] { return bus->publishes_in_flight() == 0; }));
        return bus;
    }

    // The burst's payloads as they arrive, in order, until `n` came or 10 s passed.
    std::vector<std::string> received(std::size_t n, const std::string& topic = "burst/t") {
        std::vector<std::string> got;
        while (got.size() < n) {
            auto m = subscriber_->next_on(topic, 10s);
            if (!m) break;
            got.push_back(m->payload);
        }
        return got;
    }

    static std::vector<std::string> numbered(std::size_t n) {
        std::vector<std::string> v;
        for (std::size_t i = 0; i < n; ++i) v.push_back(std::to_string(i));
        return v;
    }

    Mosquitto broker_;
    std::optional<TestClient> subscriber_;
    boost::asio::io_context io_;
    // Paho's callbacks post to the loop from outside: keep run_for() from
    // returning for lack of work, which would stop the io_context.
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
        io_.get_executor()};
    AsioClock clock_{io_};
    Counters counters_;
    config::MqttSettings settings_;
};

TEST_F(PublishWindow, ABurstWaitsInTheBusAndArrivesWholeAndInOrder) {
    // While the broker is connected, more than mqtt.max_buffered_messages may
    // wait: a flood of episodes loses no action.
    settings_.max_buffered_messages = 1000;
    auto bus = connected_bus();
    const std::uint64_t out_before = counters_.messages_out;
    constexpr std::size_t kBurst = 3000;
    for (std::size_t i = 0; i < kBurst; ++i) bus->publish("burst/t", std::to_string(i), 1, false);

    // Nothing has completed yet (the loop has not run): Paho holds exactly
    // the window, the bus the rest.
    ASSERT_EQ(bus->publish_window(), PahoBus::kPublishWindow);
    EXPECT_EQ(bus->publishes_in_flight(), PahoBus::kPublishWindow);
    EXPECT_EQ(bus->publishes_waiting(), kBurst - PahoBus::kPublishWindow);
    EXPECT_EQ(counters_.messages_out - out_before, PahoBus::kPublishWindow);

    std::size_t most_in_flight = 0;
    ASSERT_TRUE(run_until([&] {
        most_in_flight = std::max(most_in_flight, bus->publishes_in_flight());
        return bus->publishes_waiting() == 0 && bus->publishes_in_flight() == 0;
    }));
    EXPECT_LE(most_in_flight, PahoBus::kPublishWindow);
    EXPECT_EQ(counters_.messages_out - out_before, kBurst);
    EXPECT_EQ(counters_.publish_failures, 0u);
    EXPECT_EQ(received(kBurst), numbered(kBurst));
    bus->stop(2s);
}

// mosquitto takes 20 unfinished QoS 2 messages from a client (its default
// max_inflight_messages) and drops the rest with a PUBREC that MQTT 3.1.1
// cannot tell from success: QoS 2 has a smaller window of its own.
TEST_F(PublishWindow, QoS2PublishesKeepToTheirOwnWindowAndAllArriveInOrder) {
    subscriber_->subscribe("q2/#", 2);
    auto bus = connected_bus();
    ASSERT_EQ(bus->qos2_window(), settings_.max_inflight_qos2);
    ASSERT_LT(bus->qos2_window(), bus->publish_window());
    constexpr std::size_t kBurst = 300;
    for (std::size_t i = 0; i < kBurst; ++i) bus->publish("q2/t", std::to_string(i), 2, false);
    EXPECT_EQ(bus->qos2_in_flight(), bus->qos2_window());
    EXPECT_EQ(bus->publishes_in_flight(), bus->qos2_window());
    EXPECT_EQ(bus->publishes_waiting(), kBurst - bus->qos2_window());

    std::size_t most_in_flight = 0;
    ASSERT_TRUE(run_until([&] {
        most_in_flight = std::max(most_in_flight, bus->qos2_in_flight());
        return bus->publishes_waiting() == 0 && bus->publishes_in_flight() == 0;
    }));
    EXPECT_LE(most_in_flight, bus->qos2_window());
    EXPECT_EQ(bus->qos2_in_flight(), 0u);
    EXPECT_EQ(counters_.publish_failures, 0u);
    EXPECT_EQ(received(kBurst, "q2/t"), numbered(kBurst));
    bus->stop(2s);
}

TEST_F(PublishWindow, APublishBehindAWaitingQoS2OneWaitsToo) {
    settings_.max_inflight_qos2 = 2;
    auto bus = connected_bus();
    bus->publish("burst/t", "0", 2, false);
    bus->publish("burst/t", "1", 2, false);
    bus->publish("burst/t", "2", 2, false);  // no room among QoS 2: waits
    bus->publish("burst/t", "3", 1, false);  // room among all, but behind it: waits
    EXPECT_EQ(bus->publishes_in_flight(), 2u);
    EXPECT_EQ(bus->publishes_waiting(), 2u);
    ASSERT_TRUE(run_until(
        [&] { return bus->publishes_waiting() == 0 && bus->publishes_in_flight() == 0; }));
    auto got = received(4);
    std::sort(got.begin(), got.end());
    EXPECT_EQ(got, numbered(4));
    bus->stop(2s);
}

TEST_F(PublishWindow, StopHandsWhatWaitsToPahoBeforeDisconnecting) {
    auto bus = connected_bus();
    constexpr std::size_t kBurst = 500;
    for (std::size_t i = 0; i < kBurst; ++i) bus->publish("burst/t", std::to_string(i), 1, false);
    ASSERT_GT(bus->publishes_waiting(), 0u);

    bus->stop(10s);
    EXPECT_EQ(bus->publishes_waiting(), 0u);
    EXPECT_EQ(received(kBurst), numbered(kBurst));
}

TEST_F(PublishWindow, WhileTheBrokerIsAwayBeyondMaxBufferedMessagesAPublishIsDroppedAndCounted) {
    // Paho refuses a publish while this many of its own wait unsent, so the
    // window shrinks to it as well.
    settings_.max_buffered_messages = 10;
    settings_.reconnect_min = 1s;
    settings_.reconnect_max = 1s;
    auto bus = connected_bus();
    ASSERT_EQ(bus->publish_window(), 10u);
    const std::uint64_t out_before = counters_.messages_out;
    broker_.stop();
    ASSERT_TRUE(run_until([&] { return !bus->connected(); }));

    for (std::size_t i = 0; i < 10 + 10 + 5; ++i)
        bus->publish("burst/t", std::to_string(i), 1, false);
    EXPECT_EQ(bus->publishes_in_flight(), 10u);  // buffered inside Paho
    EXPECT_EQ(bus->publishes_waiting(), 10u);
    EXPECT_EQ(counters_.publish_failures, 5u);

    // Back: what Paho buffered and what waited in the bus all go out.
    broker_.start();
    ASSERT_TRUE(run_until([&] {
        return bus->connected() && bus->publishes_waiting() == 0 && bus->publishes_in_flight() == 0;
    }));
    EXPECT_EQ(counters_.messages_out - out_before, 20u + 1u);  // and "online" again
    EXPECT_EQ(counters_.publish_failures, 5u);
    bus->stop(2s);
}

}  // namespace
}  // namespace bedtimed::test
