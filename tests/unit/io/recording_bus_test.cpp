// The test bus: it records publishes in order, delivers an injected message
// to the subscribers whose filters match (wildcards included), and calls the
// handlers that matched when the message arrived even if one of them
// unsubscribes another.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "recording_bus.hpp"

using bedtimed::Message;
using bedtimed::RecordingBus;

TEST(RecordingBus, RecordsEveryPublishInOrder) {
    RecordingBus bus;
    bus.publish("a/b", "1", 0, false);
    bus.publish("a/c", "2", 2, true);
    bus.publish("a/b", "3", 1, false);
    ASSERT_EQ(bus.published.size(), 3u);
    EXPECT_EQ(bus.published[1].topic, "a/c");
    EXPECT_EQ(bus.published[1].payload, "2");
    EXPECT_EQ(bus.published[1].qos, 2);
    EXPECT_TRUE(bus.published[1].retained);
    EXPECT_EQ(bus.payloads_on("a/b"), (std::vector<std::string>{"1", "3"}));
    EXPECT_EQ(bus.payloads_on("a/b", 1), std::vector<std::string>{"3"});
    EXPECT_TRUE(bus.payloads_on("a").empty()) << "exact topics only";
}

TEST(RecordingBus, AnObserverTakesThePublishesInsteadOfTheList) {
    std::vector<std::string> seen;
    RecordingBus bus([&](const Message& m) { seen.push_back(m.topic + "=" + m.payload); });
    bus.publish("x", "1", 1, false);
    EXPECT_EQ(seen, std::vector<std::string>{"x=1"});
    EXPECT_TRUE(bus.published.empty());
}

TEST(RecordingBus, InjectReachesTheMatchingFiltersOnly) {
    RecordingBus bus;
    std::vector<std::string> got;
    bus.subscribe("z2m/+", 1, [&](const Message& m) { got.push_back("plus:" + m.topic); });
    bus.subscribe("z2m/#", 1, [&](const Message& m) { got.push_back("hash:" + m.payload); });
    bus.subscribe("other", 1, [&](const Message&) { got.push_back("other"); });
    bus.inject("z2m/pad", "ON");
    EXPECT_EQ(got, (std::vector<std::string>{"hash:ON", "plus:z2m/pad"}));
    got.clear();
    bus.inject(Message{"z2m/pad/availability", "online", 0, true});
    EXPECT_EQ(got, std::vector<std::string>{"hash:online"});
    EXPECT_TRUE(bus.subscribed("other"));
    bus.unsubscribe("other");
    EXPECT_FALSE(bus.subscribed("other"));
    got.clear();
    bus.inject("other", "x");
    EXPECT_TRUE(got.empty());
}

TEST(RecordingBus, AnInjectedStringMessageIsQosOneAndNotRetained) {
    RecordingBus bus;
    Message seen;
    bus.subscribe("t", 0, [&](const Message& m) { seen = m; });
    bus.inject("t", "p");
    EXPECT_EQ(seen.qos, 1);
    EXPECT_FALSE(seen.retained);
}

TEST(RecordingBus, HandlersThatMatchedAreCalledEvenIfOneUnsubscribesAnother) {
    RecordingBus bus;
    int first = 0, second = 0;
    bus.subscribe("a/#", 1, [&](const Message&) {
        ++first;
        bus.unsubscribe("a/b");
        bus.subscribe("a/+", 1, [&](const Message&) { ++second; });
    });
    bus.subscribe("a/b", 1, [&](const Message&) { ++second; });
    bus.inject("a/b", "x");
    EXPECT_EQ(first, 1);
    EXPECT_EQ(second, 1) << "a/b matched on arrival; a/+ came too late for this message";
    EXPECT_FALSE(bus.subscribed("a/b"));
}

TEST(RecordingBus, ConnectedCanBeTurnedOff) {
    RecordingBus bus;
    EXPECT_TRUE(bus.connected());
    bus.set_connected(false);
    EXPECT_FALSE(bus.connected());
}
