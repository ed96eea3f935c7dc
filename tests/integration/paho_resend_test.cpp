// A broker that refuses every reconnect of one Paho client: PahoBus gives up
// that client after PahoBus::kQuickDropsBeforeReset drops right after CONNACK
// and connects a fresh one, which gets through.
//
// Why: Paho C 1.3.12 (Debian 12's) can resend an in-flight QoS 1 publish
// from freed memory after a broker restart; mosquitto closes the connection
// on it ("malformed packet") and Paho resends it at every reconnect
// (Faults.BrokerRestartWithPersistence* found it). The corruption itself
// cannot be caused on cue, so a proxy in front of a real mosquitto plays the
// broker's part: it holds back every acknowledgement (the publishes stay in
// flight), is cut, and from then on closes any connection that resends a
// PUBLISH. Without the fresh client the bus would never get through.
//
// The test thread is the loop thread. No assertion depends on timing: every
// wait is a bounded run of the loop.
#include <gtest/gtest.h>

#include <utility>  // before Asio: Boost 1.74 with C++20 needs it

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <filesystem>
#include <string>

#include "asio_clock.hpp"
#include "counters.hpp"
#include "mosquitto_fixture.hpp"
#include "mqtt_proxy.hpp"
#include "paho_bus.hpp"
#include "test_client.hpp"

namespace bedtimed::test {
namespace {

using namespace std::chrono_literals;

// The parameter: Paho's file persistence on (true) or in memory.
class FreshClient : public ::testing::TestWithParam<bool> {
protected:
    void SetUp() override {
        broker_.start();
        proxy_.emplace(broker_.port());
        settings_.uri = proxy_->uri();
        settings_.client_id = "resend-bus";
        settings_.base_topic = "resend";
        settings_.reconnect_min = 1s;
        settings_.reconnect_max = 1s;
        if (GetParam()) persist_dir_ = make_temp_dir("bedtimed-paho-persist") + "/mqtt";
    }
    void TearDown() override {
        if (!persist_dir_.empty())
            std::filesystem::remove_all(std::filesystem::path(persist_dir_).parent_path());
    }

    template <typename Pred>
    bool run_until(Pred done, std::chrono::seconds limit = 60s) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (!done() && std::chrono::steady_clock::now() < deadline) io_.run_for(5ms);
        return done();
    }

    Mosquitto broker_;
    std::optional<MqttProxy> proxy_;
    std::string persist_dir_;
    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
        io_.get_executor()};
    AsioClock clock_{io_};
    Counters counters_;
    config::MqttSettings settings_;
};

TEST_P(FreshClient, ABrokerThatRefusesEveryResendGetsAFreshClientThatGetsThrough) {
    TestClient watcher(broker_.uri(), "resend-watcher");
    watcher.subscribe("resend/#", 1);
    TestClient sender(broker_.uri(), "resend-sender");

    proxy_->set_mode(MqttProxy::Mode::hold_acks);
    PahoBus bus(io_, clock_, counters_, settings_, persist_dir_);
    std::vector<std::string> heard;
    bus.subscribe("to-bus/#", 1, [&](const Message& m) { heard.push_back(m.payload); });
    bus.start();
    ASSERT_TRUE(run_until([&] { return bus.connected(); }));
    // "online" and these stay in flight: the proxy holds their PUBACKs.
    for (int i = 0; i < 3; ++i) bus.publish("resend/held", std::to_string(i), 1, false);
    ASSERT_TRUE(run_until([&] { return watcher.next_on("resend/held", 100ms).has_value(); }));
    io_.run_for(200ms);
    ASSERT_GE(bus.publishes_in_flight(), 1u) << "nothing was left in flight";
    // A restart long after the connect: that drop is not a quick one.
    io_.run_for(PahoBus::kQuickDropWindow);

    // The broker "restarts": from now on a connection that resends is closed.
    proxy_->set_mode(MqttProxy::Mode::drop_resends);
    proxy_->cut_all();
    ASSERT_TRUE(run_until([&] { return counters_.mqtt_client_resets >= 1; }))
        << proxy_->resends_dropped() << " resends dropped, " << counters_.disconnects
        << " disconnects";
    EXPECT_GE(proxy_->resends_dropped(), PahoBus::kQuickDropsBeforeReset);
    ASSERT_TRUE(run_until([&] { return bus.connected(); }));

    // Through, and it stays through: publishes arrive, subscriptions work.
    bus.publish("resend/after", "fresh", 1, false);
    bool arrived = false;
    ASSERT_TRUE(run_until([&] {
        if (watcher.next_on("resend/after", 50ms)) arrived = true;
        return arrived && bus.publishes_in_flight() == 0;
    })) << "the fresh client's publish did not arrive";
    sender.publish("to-bus/x", "hello", 1);
    ASSERT_TRUE(run_until([&] { return !heard.empty(); })) << "the fresh client is not subscribed";
    EXPECT_EQ(heard.front(), "hello");
    const auto disconnects = counters_.disconnects;
    io_.run_for(3s);
    EXPECT_TRUE(bus.connected());
    EXPECT_EQ(counters_.disconnects, disconnects) << "the fresh client was dropped too";
    EXPECT_EQ(counters_.mqtt_client_resets, 1u);
    bus.stop(2s);
}

INSTANTIATE_TEST_SUITE_P(Persistence, FreshClient, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& p) {
                             return p.param ? "File" : "Memory";
                         });

}  // namespace
}  // namespace bedtimed::test
