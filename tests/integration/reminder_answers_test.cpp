// Done and Snooze end to end: the whole App on a ManualClock, a real
// mosquitto and a real loopback HTTP server standing in for ntfy and Home
// Assistant. The evening's stretch reminder goes out to both; the test then
// plays the Home Assistant automation of the README (it publishes the tapped
// button's action id to <base>/cmd/snooze or <base>/cmd/ack) and checks that
// the reminder comes again 10 simulated minutes later, at most twice, and
// that "Done" is acknowledged in the SQLite cramp log.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "daemon_harness.hpp"
#include "episode_store.hpp"
#include "http_test_server.hpp"
#include "ingest.hpp"
#include "manual_clock.hpp"
#include "mosquitto_fixture.hpp"
#include "test_client.hpp"

namespace bedtimed::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr const char* kNtfyTarget = "/";
constexpr const char* kHaTarget = "/api/services/notify/mobile_app_alex";

std::string config_for(const HttpTestServer& server, const std::string& repeat) {
    return R"(
mqtt:
  client_id: bedtimed-answers
  base_topic: bt
notifiers:
  - name: ntfy
    type: ntfy
    url: )" +
           server.url() + R"(
    topic: bedtime-{sleeper}
    ack_url: https://ha.example/api/webhook/bedtimed-ack-s3cret
  - name: ha
    type: ha_app
    url: )" +
           server.url() + R"(
    service: mobile_app_alex
    token_credential: ha-token
sleepers:
  - name: alex
    timezone: UTC
    bedtime: "22:30"
    notify: [ntfy, ha]
    routine:
      hydration: {enabled: false}
      stretch: {at: -20m, repeat: )" +
           repeat + R"(}
)";
}

// The HTTP requests one notifier made for one step, in order.
std::vector<json> bodies(const HttpTestServer& server, const std::string& target,
                         const std::string& title) {
    std::vector<json> out;
    for (const auto& r : server.requests())
        if (r.target == target) {
            auto j = json::parse(r.body);
            if (j.value("title", "") == title) out.push_back(std::move(j));
        }
    return out;
}

// Waits for a condition that I/O on other threads makes true; the limit
// only keeps a broken test from hanging.
template <class Pred>
bool eventually(Pred done) {
    const auto limit = std::chrono::steady_clock::now() + 30s;
    while (!done()) {
        if (std::chrono::steady_clock::now() > limit) return false;
        std::this_thread::sleep_for(10ms);
    }
    return true;
}

class ReminderAnswers : public ::testing::Test {
protected:
    // Snooze's tests count every send: no repeats (ReminderRepeats below has them).
    virtual std::string repeat() const { return "off"; }
    Mosquitto broker;
    HttpTestServer server;
    ManualClock clock{*parse_iso8601("2026-11-26T22:05:00Z")};  // a Thursday; stretch at 22:10
    std::string creds_dir;
    std::unique_ptr<TestClient> client;
    std::unique_ptr<DaemonHarness> daemon;

    void SetUp() override {
        creds_dir = make_temp_dir("bt-creds");
        std::ofstream(creds_dir + "/ha-token") << "ha-long-lived-token\n";
        ::setenv("CREDENTIALS_DIRECTORY", creds_dir.c_str(), 1);
        client = std::make_unique<TestClient>(broker.uri());
        client->subscribe("bt/status");
        client->subscribe("bt/reply/#");
        daemon =
            std::make_unique<DaemonHarness>(config_for(server, repeat()), broker.uri(), &clock);
        const auto deadline = std::chrono::steady_clock::now() + 15s;
        bool online = false;
        while (!online && std::chrono::steady_clock::now() < deadline) {
            auto m = client->next_on("bt/status", 1s);
            online = m && m->payload == "online";
        }
        ASSERT_TRUE(online) << "bedtimed never published online";
    }
    void TearDown() override {
        daemon.reset();
        ::unsetenv("CREDENTIALS_DIRECTORY");
        std::error_code ec;
        std::filesystem::remove_all(creds_dir, ec);
    }

    // Simulated time passes on the loop thread, timers firing in order.
    // First every request the server got has had its answer read by the
    // daemon: each request's 5 s deadline runs on the simulated clock, so a
    // jump over an unanswered one would time it out and the notifier would
    // (rightly) send it again, one reminder more than the daemon decided.
    void advance(Duration d) {
        EXPECT_TRUE(eventually([&] { return answered(); }))
            << "a request to the notifiers' server is still unanswered";
        daemon->advance(d);
    }
    // Everything the notifiers were given so far has reached the server
    // once a test message sent after it has (each notifier sends in order).
    void barrier(std::size_t n) {
        client->publish("bt/cmd/test_notify", "{}");
        ASSERT_TRUE(eventually([&] {
            return bodies(server, kNtfyTarget, "bedtimed test").size() == n &&
                   bodies(server, kHaTarget, "bedtimed test").size() == n;
        }));
    }
    // Every request the server received is answered and its answer handled:
    // delivered, failed or to be retried.
    bool answered() {
        const Counters c = daemon->counters();
        return c.notify_delivered + c.notify_failures + c.notify_retries ==
               server.requests().size();
    }
    std::size_t stretches(const std::string& target) const {
        return bodies(server, target, "Stretch before bed").size();
    }
};

TEST_F(ReminderAnswers, SnoozeSendsItAgainTenMinutesLaterTwiceAndDoneIsAcknowledgedInTheLog) {
    advance(5min);  // 22:10: the stretch step
    ASSERT_TRUE(
        eventually([&] { return stretches(kNtfyTarget) == 1 && stretches(kHaTarget) == 1; }));

    // ntfy: Done and Snooze as http actions to ack_url, with the action ids in the body.
    const json first = bodies(server, kNtfyTarget, "Stretch before bed").at(0);
    ASSERT_EQ(first["actions"].size(), 2u);
    const json& ntfy_snooze = first["actions"][1];
    EXPECT_EQ(ntfy_snooze["action"], "http");
    EXPECT_EQ(ntfy_snooze["label"], "Snooze 10 min");
    EXPECT_EQ(ntfy_snooze["url"], "https://ha.example/api/webhook/bedtimed-ack-s3cret");
    EXPECT_EQ(ntfy_snooze["headers"]["Content-Type"], "application/json");
    const std::string snooze_id = json::parse(ntfy_snooze["body"].get<std::string>())["action"];
    EXPECT_EQ(snooze_id, "BEDTIMED_SNOOZE:alex:stretch");
    EXPECT_EQ(json::parse(first["actions"][0]["body"].get<std::string>())["action"],
              "BEDTIMED_DONE:alex:stretch");
    // The HA app: the token from the systemd credential.
    for (const auto& r : server.requests())
        if (r.target == kHaTarget) {
            EXPECT_EQ(r.header("authorization"), "Bearer ha-long-lived-token");
        }

    // Snooze, as the Home Assistant webhook automation publishes it.
    client->publish("bt/cmd/snooze", snooze_id);
    ASSERT_TRUE(eventually([&] { return daemon->counters().reminders_snoozed == 1; }));
    advance(9min);
    barrier(1);
    EXPECT_EQ(stretches(kNtfyTarget), 1u);  // not yet
    advance(1min);
    ASSERT_TRUE(
        eventually([&] { return stretches(kNtfyTarget) == 2 && stretches(kHaTarget) == 2; }));

    // Snooze a second time, now from the companion app's button.
    const json ha_second = bodies(server, kHaTarget, "Stretch before bed").at(1);
    ASSERT_EQ(ha_second["data"]["actions"].size(), 2u);
    client->publish("bt/cmd/snooze", ha_second["data"]["actions"][1]["action"].get<std::string>());
    ASSERT_TRUE(eventually([&] { return daemon->counters().reminders_snoozed == 2; }));
    advance(10min);
    ASSERT_TRUE(
        eventually([&] { return stretches(kNtfyTarget) == 3 && stretches(kHaTarget) == 3; }));
    // The third time there is no Snooze button, and a third snooze is refused.
    const json third = bodies(server, kNtfyTarget, "Stretch before bed").at(2);
    ASSERT_EQ(third["actions"].size(), 1u);
    EXPECT_EQ(third["actions"][0]["label"], "Done");
    EXPECT_EQ(bodies(server, kHaTarget, "Stretch before bed").at(2)["data"]["actions"].size(), 1u);
    client->publish("bt/cmd/snooze", R"({"sleeper":"alex","step":"stretch","request_id":"third"})");
    auto reply = client->next_on("bt/reply/third", 20s);
    ASSERT_TRUE(reply);
    EXPECT_EQ(json::parse(reply->payload),
              json::parse(R"({"ok":false,"error":"already snoozed twice"})"));
    advance(30min);
    barrier(2);
    EXPECT_EQ(stretches(kNtfyTarget), 3u);

    // Done, from the companion app: acknowledged in the SQLite log.
    const std::string done_id = ha_second["data"]["actions"][0]["action"];
    EXPECT_EQ(done_id, "BEDTIMED_DONE:alex:stretch");
    client->publish("bt/cmd/ack", done_id);
    ASSERT_TRUE(eventually([&] { return daemon->counters().commands >= 5; }));
    EpisodeStore store(daemon->state_dir() + "/bedtimed.db", EpisodeStore::Mode::read_only);
    const auto runs = store.routine_runs("alex", "2026-11-26");
    ASSERT_EQ(runs.size(), 1u);
    EXPECT_EQ(runs[0].step, "stretch");
    EXPECT_TRUE(runs[0].acknowledged);
}

TEST_F(ReminderAnswers, AnAnswerOnTheWrongTopicOrForNothingSentIsRefusedAndCounted) {
    client->publish("bt/cmd/ack", "BEDTIMED_SNOOZE:alex:stretch");
    ASSERT_TRUE(eventually([&] { return daemon->counters().commands_rejected == 1; }));
    client->publish("bt/cmd/snooze", R"({"sleeper":"alex","step":"stretch","request_id":"early"})");
    auto reply = client->next_on("bt/reply/early", 20s);
    ASSERT_TRUE(reply);
    EXPECT_EQ(json::parse(reply->payload)["error"], "no reminder for that step was sent");
    EXPECT_EQ(daemon->counters().commands_rejected, 2u);
}

// Reminders that see it through (docs/life.md): repeated while unanswered,
// stopped by Done from the other phone, and cleared in the companion app.
class ReminderRepeats : public ReminderAnswers {
protected:
    std::string repeat() const override { return "{every: 10m, times: 2}"; }
};

TEST_F(ReminderRepeats, DoneFromTheOtherPhoneStopsTheRepeatsAndClearsTheAppsCopy) {
    advance(5min);  // 22:10: the stretch
    ASSERT_TRUE(
        eventually([&] { return stretches(kNtfyTarget) == 1 && stretches(kHaTarget) == 1; }));
    advance(10min);  // 22:20: no answer: again
    ASSERT_TRUE(
        eventually([&] { return stretches(kNtfyTarget) == 2 && stretches(kHaTarget) == 2; }));
    // Done on the ntfy phone, through the webhook automation.
    client->publish("bt/cmd/ack", "BEDTIMED_DONE:alex:stretch");
    const auto cleared = [&] {
        for (const auto& r : server.requests())
            if (r.target == kHaTarget) {
                const auto j = json::parse(r.body);
                if (j.value("message", "") == "clear_notification" &&
                    j["data"].value("tag", "") == "bedtimed-alex-stretch")
                    return true;
            }
        return false;
    };
    ASSERT_TRUE(eventually(cleared)) << "the companion app's copy is cleared by its tag";
    const auto ntfy_cleared = [&] {
        for (const auto& r : server.requests())
            if (r.method == "PUT" && r.target == "/bedtime-alex/bedtimed-alex-stretch/clear")
                return true;
        return false;
    };
    ASSERT_TRUE(eventually(ntfy_cleared)) << "ntfy's copy is cleared by its sequence id";
    advance(30min);
    barrier(1);
    EXPECT_EQ(stretches(kNtfyTarget), 2u) << "no repeat after Done";
    EXPECT_EQ(stretches(kHaTarget), 2u);
}

// Found while merging (session 8): about 1 run in 6 a third repeat arrived,
// or one fewer. It was this test's clock, not the repeat count: a send made
// inside a jump of several simulated minutes has its 5 s request deadline
// fire in the same jump, and the notifier (rightly) tries again or gives up.
// So time moves a minute at a time, every send lands at the end of a step
// (the stretch at 22:10, the repeats at 22:20 and 22:30), and each step
// waits until every answer is read (advance()).
TEST_F(ReminderRepeats, AnUnansweredReminderComesKMoreTimesThenStops) {
    const auto minutes = [&](int n) {
        for (int i = 0; i < n; ++i) advance(1min);
    };
    const auto sent_exactly = [&](std::size_t n) {
        return eventually(
            [&] { return stretches(kNtfyTarget) == n && stretches(kHaTarget) == n && answered(); });
    };
    minutes(5);  // 22:10: the stretch
    ASSERT_TRUE(sent_exactly(1)) << stretches(kNtfyTarget) << " stretches";
    minutes(10);  // 22:20: no answer: again
    ASSERT_TRUE(sent_exactly(2)) << stretches(kNtfyTarget) << " stretches";
    minutes(10);  // 22:30: the second repeat
    ASSERT_TRUE(sent_exactly(3)) << stretches(kNtfyTarget) << " stretches";
    minutes(60);  // 23:30
    barrier(1);
    EXPECT_EQ(stretches(kNtfyTarget), 3u) << "no third repeat";
    EXPECT_EQ(stretches(kHaTarget), 3u);
    EXPECT_EQ(daemon->counters().notify_retries, 0u) << "a request timed out";
}

}  // namespace
}  // namespace bedtimed::test
