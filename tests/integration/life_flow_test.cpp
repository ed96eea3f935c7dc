// The nights that follow life end to end (docs/life.md): the daemon on a
// ManualClock and a real mosquitto. Home Assistant's profile select payload
// chooses a profile, and the retained plan topic says which and why; the
// phone's next-alarm reading moves tonight's bedtime on the same topic.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <thread>

#include "daemon_harness.hpp"
#include "ingest.hpp"
#include "manual_clock.hpp"
#include "mosquitto_fixture.hpp"
#include "test_client.hpp"

namespace bedtimed::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

const char* kConfig = R"(
mqtt: {client_id: bedtimed-life, base_topic: bt}
sensors:
  - {name: alarm, topic: phone/next_alarm, type: time}
notifiers:
  - {name: phone, type: mqtt, topic: "bt/notify/{sleeper}"}
sleepers:
  - name: alex
    timezone: UTC
    bedtime: "23:00"
    notify: [phone]
    profiles: {guest: {reminders: false}}
    bedtime_from: {sensor: alarm, offset: -8h, earliest: "21:00", latest: "00:30"}
)";

// The next retained plan of alex that satisfies `pred`, within the limit;
// the App's clock moves on past the state topics' 50 ms window meanwhile.
template <class Pred>
std::optional<json> plan_where(DaemonHarness& daemon, TestClient& client, Pred pred) {
    const auto limit = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < limit) {
        daemon.advance(100ms);
        auto m = client.next_on("bt/alex/plan", 1s);
        if (!m) continue;
        auto j = json::parse(m->payload, nullptr, false);
        if (!j.is_discarded() && pred(j)) return j;
    }
    return std::nullopt;
}

TEST(LifeFlow, TheProfileSelectAndTheAlarmShowOnThePlanTopic) {
    Mosquitto broker;
    ManualClock clock{*parse_iso8601("2026-11-26T18:00:00Z")};
    TestClient client(broker.uri());
    client.subscribe("bt/alex/plan");
    DaemonHarness daemon(kConfig, broker.uri(), &clock);
    ASSERT_TRUE(plan_where(daemon, client, [](const json& j) { return j.contains("profile"); }));

    // What HA's select sends: its command_template with the option.
    client.publish("bt/cmd/profile", R"({"sleeper": "alex", "profile": "guest"})");
    const auto guest =
        plan_where(daemon, client, [](const json& j) { return j["profile"].value("name", "") == "guest"; });
    ASSERT_TRUE(guest) << "the plan topic shows the profile";
    EXPECT_NE((*guest)["profile"]["why"].get<std::string>().find("chosen at"), std::string::npos);
    EXPECT_TRUE((*guest)["steps"].empty()) << "reminders off: no timed steps tonight";

    client.publish("phone/next_alarm", "2026-11-27T05:30:00Z");
    // The sensor reading reaches the runner on the loop; a look at the plan follows.
    daemon.advance(1min);
    const auto moved =
        plan_where(daemon, client, [](const json& j) { return j.value("bedtime_local", "") == "21:30"; });
    ASSERT_TRUE(moved) << "the alarm moved tonight's bedtime";
    EXPECT_EQ((*moved)["bedtime_from"]["applied"], true);
}

// The retained state topics wait 50 ms of the App's clock for more changes
// (app_state.cpp). A sleeper removed by a reload inside that window keeps
// no state topic: what was pending for it is not published.
TEST(LifeFlow, ASleeperRemovedInsideTheStateWindowGetsNoPlanAfterTheReload) {
    Mosquitto broker;
    ManualClock clock{*parse_iso8601("2026-11-26T18:00:00Z")};
    TestClient client(broker.uri());
    client.subscribe("bt/alex/plan");
    const std::string both = R"(
mqtt: {client_id: bedtimed-life-window, base_topic: bt}
sleepers:
  - {name: alex, timezone: UTC, bedtime: "23:00", profiles: {guest: {reminders: false}}}
  - {name: sam, timezone: UTC, bedtime: "23:00"}
)";
    DaemonHarness daemon(both, broker.uri(), &clock);
    ASSERT_TRUE(plan_where(daemon, client, [](const json& j) { return j.contains("profile"); }));
    while (client.next_on("bt/alex/plan", 300ms)) {
    }
    client.publish("bt/cmd/profile", R"({"sleeper": "alex", "profile": "guest"})");
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (daemon.counters().commands == 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(10ms);
    ASSERT_EQ(daemon.counters().commands, 1u) << "the choice is made; its plan waits for the window";
    std::string only_sam = both;
    only_sam.erase(only_sam.find("  - {name: alex"), only_sam.find("  - {name: sam") -
                                                         only_sam.find("  - {name: alex"));
    write_file(daemon.config_path(), only_sam);
    daemon.app().request_reload();
    while (daemon.counters().config_reloads == 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(10ms);
    ASSERT_EQ(daemon.counters().config_reloads, 1u);
    daemon.advance(100ms);  // the window closes after the reload
    for (auto m = client.next_on("bt/alex/plan", 1s); m; m = client.next_on("bt/alex/plan", 1s))
        EXPECT_TRUE(m->payload.empty()) << "a plan for a sleeper no longer configured: "
                                        << m->payload;
}

}  // namespace
}  // namespace bedtimed::test
