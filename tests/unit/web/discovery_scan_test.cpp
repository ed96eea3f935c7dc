// The page's Setup section (daemon/web/discovery_scan.*): nothing subscribed
// until a scan is asked for, then the recorded announcements of every
// ecosystem (tests/data/setup/) read by setup's own reader, and afterwards
// no subscription and no payload kept. RecordingBus and ManualClock.
#include <gtest/gtest.h>

#include <set>

#include "announcement_recording.hpp"
#include "discovery_scan.hpp"
#include "inventory.hpp"
#include "manual_clock.hpp"
#include "recording_bus.hpp"

namespace bedtimed::web {
namespace {

using namespace std::chrono_literals;

Message retained_message(const std::string& topic, const std::string& payload, bool retained) {
    Message m;
    m.topic = topic;
    m.payload = payload;
    m.retained = retained;
    return m;
}

bool any_subscribed(const RecordingBus& bus) {
    for (const auto& f : discovery::announcement_filters())
        if (bus.subscribed(f)) return true;
    return false;
}

TEST(DiscoveryScan, NothingIsSubscribedUntilAScanIsAskedFor) {
    ManualClock clock;
    RecordingBus bus;
    bus.set_connected(true);
    DiscoveryScan scan(clock, bus, nullptr);
    EXPECT_FALSE(any_subscribed(bus)) << "idle, the page listens to nothing";
    EXPECT_EQ(scan.json()["state"], "never");
    EXPECT_TRUE(scan.json()["inventory"].is_null());
}

TEST(DiscoveryScan, TheRecordedAnnouncementsAreListedLikeSetupListsThem) {
    ManualClock clock;
    RecordingBus bus;
    bus.set_connected(true);
    int done = 0;
    DiscoveryScan scan(clock, bus, [&] { ++done; });
    ASSERT_EQ(scan.start(), "");
    EXPECT_EQ(scan.json()["state"], "listening");
    EXPECT_TRUE(bus.subscribed("+/bridge/devices"));
    EXPECT_TRUE(bus.subscribed("homeassistant/#"));
    EXPECT_FALSE(bus.subscribed("bedtimectl-setup/rpc")) << "the page asks no device anything";
    // Every recorded announcement is sent; the scan hears those of its filters
    // (not the answer to a Shelly.GetStatus, which only setup asks for).
    std::vector<discovery::Announcement> heard;
    for (const auto& a : test::recorded_announcements()) {
        bus.inject(retained_message(a.topic, a.payload, a.retained));
        if (a.topic.rfind("bedtimectl-setup/", 0) != 0) heard.push_back(a);
    }
    clock.advance(DiscoveryScan::kListen);
    EXPECT_EQ(done, 1);
    EXPECT_FALSE(any_subscribed(bus)) << "the scan's subscriptions end with it";
    EXPECT_TRUE(bus.published.empty()) << "read-only: nothing is published";
    const auto j = scan.json();
    EXPECT_EQ(j["state"], "done");
    EXPECT_FALSE(j["at"].is_null());
    // The same inventory as bedtimectl setup --list --json makes of them.
    EXPECT_EQ(j["inventory"], discovery::inventory_json(discovery::read_announcements(heard)));
    std::set<std::string> ecosystems;
    for (const auto& d : j["inventory"]["devices"]) ecosystems.insert(d["ecosystem"]);
    for (const char* e : {"zigbee2mqtt", "tasmota", "shelly_gen2", "esphome", "home_assistant"})
        EXPECT_TRUE(ecosystems.count(e)) << e << " missing: " << j["inventory"].dump();
    EXPECT_EQ(j["messages"].get<std::size_t>(), heard.size());
}

TEST(DiscoveryScan, NotConnectedOrTooSoonIsSaid) {
    ManualClock clock;
    RecordingBus bus;
    bus.set_connected(false);
    DiscoveryScan scan(clock, bus, nullptr);
    EXPECT_NE(scan.start(), "") << "not connected";
    EXPECT_FALSE(any_subscribed(bus));
    bus.set_connected(true);
    ASSERT_EQ(scan.start(), "");
    EXPECT_EQ(scan.start(), "") << "already listening: the same scan";
    clock.advance(DiscoveryScan::kListen);
    EXPECT_NE(scan.start(), "") << "moments after a scan";
    clock.advance(DiscoveryScan::kAgain);
    EXPECT_EQ(scan.start(), "");
}

TEST(DiscoveryScan, APayloadFloodIsCappedAndCounted) {
    ManualClock clock;
    RecordingBus bus;
    bus.set_connected(true);
    DiscoveryScan scan(clock, bus, nullptr);
    ASSERT_EQ(scan.start(), "");
    const std::string big(1u << 20, 'x');
    for (int i = 0; i < 6; ++i)
        bus.inject(
            retained_message("homeassistant/sensor/x" + std::to_string(i) + "/config", big, true));
    clock.advance(DiscoveryScan::kListen);
    EXPECT_EQ(scan.json()["dropped"], 2) << "4 MiB kept at most: 4 of the 6";
}

}  // namespace
}  // namespace bedtimed::web
