// The web page's server inside a whole bedtimed (DaemonHarness) against a real
// mosquitto: /healthz and the retained health topic, /metrics read by
// Prometheus' own parser (promtool), the page's POSTs through the command
// table (a cramp in SQLite, all heat off on MQTT, a check-in, an experiment),
// the profile, check-ins and experiment in the page's JSON, and every refusal
// with its status and counter. The browser's view is tests/browser/ (web_browser_test.cpp).
//
// No assertion depends on timing: every wait is a bounded poll.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <future>
#include <nlohmann/json.hpp>
#include <regex>

#include <utility>  // before Asio: Boost 1.74 with C++20 needs it

#include <boost/asio/post.hpp>

#include "announcement_recording.hpp"
#include "child_process.hpp"
#include "daemon_harness.hpp"
#include "daemon_process.hpp"
#include "episode_store.hpp"
#include "http_get.hpp"
#include "ingest.hpp"
#include "manual_clock.hpp"
#include "mosquitto_fixture.hpp"
#include "test_client.hpp"

namespace bedtimed::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

std::string config(const std::string& web_block) {
    return R"(
mqtt:
  client_id: bedtimed-web
  base_topic: wt
  reconnect: {min: 1s, max: 2s}
wearables:
  - name: band
    topic: wt-band/episode
    qos: 1
    fields: {id: id, duration: duration_s, muscle: muscle}
actuators:
  - name: pad
    kind: heating_pad
    integration: zigbee2mqtt
    max_on: 30m
    confirm_timeout: 5m
    device: pad_plug
    base_topic: z2m
sleepers:
  - name: alex
    timezone: UTC
    bedtime: {weekdays: "22:30", weekends: "22:30"}
    wearable: band
    heating_pad: pad
    profiles: {guest: {reminders: false}}
    routine:
      prewarm: {enabled: false}
)" + web_block;
}

const std::string kLoopbackWeb = "web: {port: 0}\n";

std::string csrf_of(const std::string& html) {
    std::smatch m;
    static const std::regex meta(R"re(<meta name="csrf" content="([0-9a-f]{64})">)re");
    return std::regex_search(html, m, meta) ? m[1].str() : std::string();
}

class WebServerTest : public ::testing::Test {
protected:
    void SetUp() override {
        broker.start();
        daemon = std::make_unique<DaemonHarness>(config(kLoopbackWeb), broker.uri());
        port = daemon->app().web_port();
        ASSERT_NE(port, 0) << "the web page did not listen";
        ASSERT_TRUE(wait_until([&] { return daemon->counters().connects > 0; }, 15s));
    }
    HttpReply get(const std::string& target, const std::map<std::string, std::string>& h = {}) {
        return http_request(port, "GET", target, h);
    }
    HttpReply post(const std::string& verb, const json& body, const std::string& csrf,
                   std::map<std::string, std::string> h = {}) {
        h.emplace("Content-Type", "application/json");
        if (!csrf.empty()) h.emplace("X-CSRF-Token", csrf);
        return http_request(port, "POST", "/api/cmd/" + verb, h, body.dump());
    }
    Mosquitto broker;
    std::unique_ptr<DaemonHarness> daemon;
    std::uint16_t port = 0;
};

TEST_F(WebServerTest, HealthzAndTheRetainedHealthTopicAgree) {
    HttpReply r;
    ASSERT_TRUE(wait_until([&] { return (r = get("/healthz")).status == 200; }, 10s)) << r.body;
    const auto h = json::parse(r.body);
    EXPECT_EQ(h["status"], "ok");
    EXPECT_TRUE(h["connected"].get<bool>());
    EXPECT_TRUE(h["loop_alive"].get<bool>());
    EXPECT_TRUE(h["store_writable"].get<bool>());
    std::optional<std::string> retained;
    ASSERT_TRUE(wait_until(
        [&] { return (retained = retained_payload(broker.uri(), "wt/health")).has_value(); }, 10s));
    EXPECT_EQ(json::parse(*retained)["status"], "ok");
    // The log's folder made read-only: /healthz says so with 503.
    std::filesystem::permissions(daemon->state_dir(), std::filesystem::perms::owner_read |
                                                          std::filesystem::perms::owner_exec);
    if (::geteuid() != 0) {  // root writes anyway
        r = get("/healthz");
        EXPECT_EQ(r.status, 503) << r.body;
        EXPECT_FALSE(json::parse(r.body)["store_writable"].get<bool>());
    }
    std::filesystem::permissions(daemon->state_dir(), std::filesystem::perms::owner_all);
}

// What root cannot write through either (the tests may run as root, for whom
// a read-only folder is no obstacle): the cramp log's file removed under the
// running daemon. SQLite would write on into the unlinked file and lose it at
// the next start; access(2) on the folder would still say yes.
TEST_F(WebServerTest, TheCrampLogRemovedUnderTheDaemonMakesHealthzDegraded) {
    HttpReply r;
    ASSERT_TRUE(wait_until([&] { return (r = get("/healthz")).status == 200; }, 10s)) << r.body;
    ASSERT_TRUE(std::filesystem::remove(daemon->state_dir() + "/bedtimed.db"));
    r = get("/healthz");
    EXPECT_EQ(r.status, 503) << r.body;
    const auto h = json::parse(r.body);
    EXPECT_EQ(h["status"], "degraded");
    EXPECT_FALSE(h["store_writable"].get<bool>());
    EXPECT_TRUE(h["connected"].get<bool>()) << "only the store is wrong";
    EXPECT_NE(get("/metrics").body.find("\nbedtimed_store_writable 0\n"), std::string::npos);
    std::optional<std::string> retained;
    ASSERT_TRUE(wait_until(
        [&] {
            retained = retained_payload(broker.uri(), "wt/health");
            return retained && json::parse(*retained)["status"] == "degraded";
        },
        20s))
        << retained.value_or("none");
}

// Devices and health: each actuator's last seen, stale, confirmed and power,
// from the plug's own report; the zones the page shows times in.
TEST_F(WebServerTest, DevicesShowEachActuatorsLastSeenStaleConfirmedAndPower) {
    json pad;
    const auto pad_now = [&] {
        pad = json::parse(get("/api/state").body)["pads"][0];
        return pad;
    };
    EXPECT_TRUE(pad_now()["stale"].get<bool>()) << "no report yet: " << pad.dump();
    EXPECT_TRUE(pad["last_seen"].is_null());
    TestClient mqtt(broker.uri());
    mqtt.publish("z2m/pad_plug", R"({"state":"OFF","power":2.5})");
    ASSERT_TRUE(wait_until([&] { return !pad_now()["last_seen"].is_null(); }, 10s)) << pad.dump();
    EXPECT_TRUE(parse_iso8601(pad["last_seen"].get<std::string>())) << pad.dump();
    EXPECT_FALSE(pad["stale"].get<bool>());
    EXPECT_TRUE(pad["confirmed"].get<bool>());
    EXPECT_EQ(pad["power_w"], 2.5);
    EXPECT_EQ(pad["kind"], "heating_pad");
    EXPECT_TRUE(pad.contains("cap") && pad.contains("origin")) << "pad_json's fields stay";
    const auto state = json::parse(get("/api/state").body);
    EXPECT_TRUE(state["beds"].is_array());
    // The first sleeper's zone ("UTC", which the zone database names Etc/UTC).
    const auto utc = [](const json& z) { return z == "UTC" || z == "Etc/UTC"; };
    EXPECT_TRUE(utc(state["timezone"])) << state["timezone"];
    EXPECT_TRUE(utc(state["sleepers"][0]["timezone"])) << state["sleepers"][0]["timezone"];
}

// The Setup section: the recorded announcements of every ecosystem, retained
// on a real broker, listed by the page's scan as bedtimectl setup lists them;
// the scan needs the page's CSRF token like any POST.
TEST_F(WebServerTest, TheSetupSectionListsWhatTheHouseAnnouncesOnTheBroker) {
    EXPECT_EQ(json::parse(get("/api/discovery").body)["state"], "never");
    TestClient house(broker.uri());
    // The retained ones: a broker keeps those for a newcomer (Shelly Gen1's
    // announce is an answer to setup's question, which the page never asks).
    std::size_t retained = 0;
    std::string last;
    for (const auto& a : recorded_announcements())
        if (a.retained)
            house.publish(a.topic, a.payload, 1, /*retain=*/true), ++retained, last = a.topic;
    ASSERT_GT(retained, 5u);
    // The broker has them all (same client, in order) once it has the last.
    ASSERT_TRUE(wait_until([&] { return retained_payload(broker.uri(), last).has_value(); }, 10s));
    // The scan is only read from the page's own origin with its token.
    EXPECT_EQ(http_request(port, "POST", "/api/discovery/scan",
                           {{"Content-Type", "application/json"}}, "{}")
                  .status,
              403);
    const std::string csrf = csrf_of(get("/").body);
    const auto r =
        http_request(port, "POST", "/api/discovery/scan",
                     {{"Content-Type", "application/json"}, {"X-CSRF-Token", csrf}}, "{}");
    ASSERT_EQ(r.status, 200) << r.body;
    json d;
    ASSERT_TRUE(wait_until(
        [&] { return (d = json::parse(get("/api/discovery").body))["state"] == "done"; }, 15s))
        << d.dump();
    std::set<std::string> ids, ecosystems;
    for (const auto& x : d["inventory"]["devices"]) {
        ids.insert(x["id"].get<std::string>());
        ecosystems.insert(x["ecosystem"].get<std::string>());
    }
    for (const char* e : {"zigbee2mqtt", "tasmota", "shelly_gen2", "esphome", "home_assistant"})
        EXPECT_TRUE(ecosystems.count(e)) << e << " missing: " << d.dump();
    EXPECT_TRUE(ids.count("heating_pad_left")) << d.dump();
    EXPECT_GE(d["messages"].get<std::size_t>(), retained);
}

TEST_F(WebServerTest, MetricsParseWithPromtoolAndCountAnEpisodesLatency) {
    TestClient wearable(broker.uri());
    wearable.publish("wt-band/episode", R"({"id":"m1","duration_s":30,"muscle":"calf"})", 1);
    ASSERT_TRUE(wait_until([&] { return daemon->counters().episodes_accepted == 1; }, 10s));
    const auto r = get("/metrics");
    ASSERT_EQ(r.status, 200);
    EXPECT_NE(r.header("content-type").find("text/plain; version=0.0.4"), std::string::npos);
    EXPECT_NE(r.body.find("bedtimed_episodes_accepted_total 1\n"), std::string::npos) << r.body;
    EXPECT_NE(r.body.find("bedtimed_episode_command_latency_seconds_count 1\n"), std::string::npos);
    EXPECT_NE(r.body.find("bedtimed_episode_command_latency_seconds_bucket{le=\"+Inf\"} 1\n"),
              std::string::npos);
    EXPECT_NE(r.body.find("bedtimed_sleeper_cramps_7d{sleeper=\"alex\"}"), std::string::npos);
    EXPECT_NE(r.body.find("bedtimed_pad_on{pad=\"pad\"} "), std::string::npos);
    if (!std::filesystem::exists("/usr/bin/promtool"))
        GTEST_SKIP()
            << "promtool missing (Debian package prometheus; scripts/bootstrap installs it)";
    const std::string file = make_temp_dir("bedtimed-metrics") + "/metrics.txt";
    write_file(file, r.body);
    const std::string cmd = "/usr/bin/promtool check metrics < " + file + " 2>&1";
    FILE* p = ::popen(cmd.c_str(), "r");
    ASSERT_NE(p, nullptr);
    std::string out;
    char buf[512];
    while (std::fgets(buf, sizeof buf, p)) out += buf;
    EXPECT_EQ(::pclose(p), 0) << "promtool check metrics:\n" << out;
}

TEST_F(WebServerTest, APageLoggedCrampGoesThroughTheCommandTableIntoSqlite) {
    const auto page = get("/");
    ASSERT_EQ(page.status, 200);
    const std::string csrf = csrf_of(page.body);
    ASSERT_FALSE(csrf.empty()) << "no CSRF token in the page";
    auto r = post("log", {{"sleeper", "alex"}, {"muscle", "calf"}, {"side", "left"}}, csrf,
                  {{"Sec-Fetch-Site", "same-origin"}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_TRUE(json::parse(r.body)["ok"].get<bool>());
    EpisodeStore store(daemon->state_dir() + "/bedtimed.db", EpisodeStore::Mode::read_only);
    const auto rows = store.recent(10);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].source, "manual");
    EXPECT_EQ(rows[0].muscle, "calf");
    // The same validation as MQTT: a bad field is refused with its reason, and counted.
    r = post("log", {{"sleeper", "alex"}, {"severity", 11}}, csrf);
    EXPECT_EQ(r.status, 422);
    EXPECT_NE(json::parse(r.body)["error"].get<std::string>().find("severity"), std::string::npos);
    EXPECT_EQ(daemon->counters().commands_rejected, 1u);
    // The Log page's read of it.
    const auto list = json::parse(get("/api/episodes?sleeper=alex").body);
    ASSERT_EQ(list["episodes"].size(), 1u);
    EXPECT_EQ(list["episodes"][0]["muscle"], "calf");
    EXPECT_EQ(get("/api/episodes?from=yesterday").status, 400);
}

TEST_F(WebServerTest, AllHeatOffFromThePageReachesThePlugOnMqtt) {
    TestClient plug(broker.uri());
    plug.subscribe("z2m/pad_plug/set");
    const std::string csrf = csrf_of(get("/").body);
    const auto r = post("pad_off", json::object(), csrf);
    ASSERT_EQ(r.status, 200) << r.body;
    const auto m = plug.next_on("z2m/pad_plug/set", 10s);
    ASSERT_TRUE(m) << "no OFF reached the plug";
    EXPECT_NE(m->payload.find("OFF"), std::string::npos);
}

TEST_F(WebServerTest, RefusalsHaveTheirStatusAndAreCounted) {
    const std::string csrf = csrf_of(get("/").body);
    EXPECT_EQ(post("pad_off", json::object(), "").status, 403);                    // no CSRF token
    EXPECT_EQ(post("pad_off", json::object(), std::string(64, 'a')).status, 403);  // a wrong one
    EXPECT_EQ(post("pad_off", json::object(), csrf, {{"Sec-Fetch-Site", "cross-site"}}).status,
              403);
    EXPECT_EQ(post("pad_off", json::object(), csrf, {{"Origin", "http://evil.example"}}).status,
              403);
    EXPECT_EQ(http_request(port, "POST", "/api/cmd/pad_off",
                           {{"X-CSRF-Token", csrf}, {"Content-Type", "text/plain"}}, "{}")
                  .status,
              415);
    EXPECT_EQ(post("no_such_verb", json::object(), csrf).status, 404);
    EXPECT_EQ(get("/nothing-here").status, 404);
    EXPECT_EQ(http_request(port, "DELETE", "/api/state").status, 405);
    EXPECT_EQ(http_request(port, "POST", "/api/cmd/log",
                           {{"X-CSRF-Token", csrf}, {"Content-Type", "application/json"}},
                           std::string(20000, ' '))
                  .status,
              413);
    const auto metrics = get("/metrics").body;
    EXPECT_EQ(json::parse(get("/api/state").body)["counters"]["web_requests_refused"], 9);
    EXPECT_NE(metrics.find("bedtimed_http_refused_total{reason=\"csrf\"} 2\n"), std::string::npos)
        << metrics;
    EXPECT_NE(metrics.find("bedtimed_http_refused_total{reason=\"cross_site\"} 2\n"),
              std::string::npos);
    EXPECT_EQ(daemon->counters().commands, 0u) << "a refused POST ran a command";
}

// The nights' parts of the page on a ManualClock at 08:00 UTC, when the
// morning check-in is open: the profile in force, a check-in through the
// command table into SQLite and the Log, an experiment for the Charts.
class WebNights : public ::testing::Test {
protected:
    void SetUp() override {
        broker.start();
        daemon = std::make_unique<DaemonHarness>(config(kLoopbackWeb), broker.uri(), &clock);
        port = daemon->app().web_port();
        ASSERT_NE(port, 0) << "the web page did not listen";
        csrf = csrf_of(http_request(port, "GET", "/").body);
        ASSERT_FALSE(csrf.empty());
    }
    json alex() { return json::parse(http_request(port, "GET", "/api/state").body)["sleepers"][0]; }
    HttpReply post(const std::string& verb, const json& body) {
        return http_request(port, "POST", "/api/cmd/" + verb,
                            {{"Content-Type", "application/json"},
                             {"X-CSRF-Token", csrf},
                             {"Sec-Fetch-Site", "same-origin"}},
                            body.dump());
    }
    Mosquitto broker;
    ManualClock clock{*parse_iso8601("2026-11-26T08:00:00Z")};
    std::unique_ptr<DaemonHarness> daemon;
    std::uint16_t port = 0;
    std::string csrf;
};

TEST_F(WebNights, TonightShowsTheProfileInForce) {
    EXPECT_EQ(alex()["profile"]["name"], "normal");
    const auto r = post("profile", {{"sleeper", "alex"}, {"profile", "guest"}});
    ASSERT_EQ(r.status, 200) << r.body;
    const auto profile = alex()["profile"];
    EXPECT_EQ(profile["name"], "guest");
    EXPECT_FALSE(profile["why"].get<std::string>().empty()) << profile.dump();
    EXPECT_TRUE(profile.contains("until"));
}

TEST_F(WebNights, ACheckinAnsweredOnThePageIsTheNightsCheckinInSqliteAndTheLog) {
    auto checkin = alex()["checkin"];
    ASSERT_TRUE(checkin.is_object()) << checkin.dump();
    EXPECT_TRUE(checkin["open"].get<bool>()) << "08:00: the morning check-in is open";
    EXPECT_EQ(checkin["night"], "2026-11-25") << "the night that began yesterday evening";
    ASSERT_EQ(checkin["answers"].size(), 3u);
    EXPECT_EQ(checkin["answers"][2]["label"], "2 or more");
    EXPECT_TRUE(checkin["answer"].is_null());
    const auto r = post("checkin", {{"sleeper", "alex"},
                                    {"night", "2026-11-25"},
                                    {"answer", "two_or_more"},
                                    {"channel", "web"}});
    ASSERT_EQ(r.status, 200) << r.body;
    EpisodeStore store(daemon->state_dir() + "/bedtimed.db", EpisodeStore::Mode::read_only);
    const auto row = store.checkin("alex", "2026-11-25");
    ASSERT_TRUE(row) << "the answer is not in SQLite";
    EXPECT_EQ(row->answer, "two_or_more");
    EXPECT_EQ(row->channel, "web");
    const auto after = alex();
    EXPECT_EQ(after["checkin"]["answer"], "two_or_more");
    EXPECT_EQ(after["checkin"]["channel"], "web");
    EXPECT_EQ(after["stats"]["tonight"], 2) << "the answer counts for its night";
    EXPECT_EQ(after["stats"]["count_source"], "episodes+checkins");
    const auto log = json::parse(http_request(port, "GET", "/api/episodes?sleeper=alex").body);
    ASSERT_EQ(log["checkins"].size(), 1u) << log.dump();
    EXPECT_EQ(log["checkins"][0]["night"], "2026-11-25");
    EXPECT_EQ(log["checkins"][0]["answer_label"], "2 or more");
    EXPECT_EQ(log["checkins"][0]["channel"], "web");
    EXPECT_TRUE(
        json::parse(http_request(port, "GET", "/api/episodes?to=2026-11-24").body)["checkins"]
            .empty())
        << "the Log's dates filter the check-ins too";
    // Past noon the night has ended: the answer shows, the buttons do not.
    std::promise<void> moved;
    boost::asio::post(daemon->app().io(), [&] {
        clock.advance(std::chrono::hours(5));
        moved.set_value();
    });
    moved.get_future().wait();
    EXPECT_FALSE(alex()["checkin"]["open"].get<bool>());
}

TEST_F(WebNights, TheChartsHaveTheExperimentsResultOnceOneIsStarted) {
    EXPECT_TRUE(alex()["experiment"].is_null());
    EXPECT_TRUE(alex()["what_helps"]["steps"].is_array());
    auto r = post(
        "experiment",
        {{"action", "start"}, {"sleeper", "alex"}, {"step", "stretch"}, {"weeks", 2}, {"seed", 7}});
    ASSERT_EQ(r.status, 200) << r.body;
    auto x = alex()["experiment"];
    ASSERT_TRUE(x.is_object()) << "no experiment on the page";
    EXPECT_EQ(x["step"], "stretch");
    EXPECT_EQ(x["status"], "running");
    EXPECT_EQ(x["planned_nights"], 14);
    EXPECT_TRUE(x["interim"].get<bool>());
    EXPECT_EQ(x["with"]["nights"], 0);
    EXPECT_TRUE(x.contains("rate_ratio"));
    EXPECT_TRUE(x.contains("probability_step_lowers"));
    // Stopped, the Charts keep its result (read from the file), labelled stopped.
    r = post("experiment", {{"action", "stop"}, {"sleeper", "alex"}});
    ASSERT_EQ(r.status, 200) << r.body;
    x = alex()["experiment"];
    ASSERT_TRUE(x.is_object());
    EXPECT_EQ(x["status"], "stopped");
    EXPECT_TRUE(x["interim"].get<bool>());
}

TEST(WebServerToken, AnotherAddressNeedsTheTokenAsBearerOrCookie) {
    Mosquitto broker;
    broker.start();
    const std::string dir = make_temp_dir("bedtimed-web-token");
    write_file(dir + "/token", "s3cret-token\n");
    DaemonHarness daemon(config("web: {address: 0.0.0.0, port: 0, token_file: " + dir +
                                "/token, path_prefix: /bt}\n"),
                         broker.uri());
    const auto port = daemon.app().web_port();
    ASSERT_NE(port, 0);
    EXPECT_EQ(http_request(port, "GET", "/bt/api/state").status, 401);
    EXPECT_EQ(
        http_request(port, "GET", "/bt/api/state", {{"Authorization", "Bearer wrong"}}).status,
        401);
    EXPECT_EQ(http_request(port, "GET", "/bt/api/state", {{"Authorization", "Bearer s3cret-token"}})
                  .status,
              200);
    const auto login = http_request(port, "GET", "/bt/?token=s3cret-token");
    EXPECT_EQ(login.status, 303);
    EXPECT_NE(login.header("set-cookie").find("HttpOnly"), std::string::npos);
    EXPECT_EQ(http_request(port, "GET", "/bt/metrics", {{"Cookie", "bedtimed_token=s3cret-token"}})
                  .status,
              200);
    EXPECT_EQ(http_request(port, "GET", "/bt/healthz").status == 401, false)
        << "/healthz is for probes and needs no token";
    const auto state =
        http_request(port, "GET", "/bt/api/state", {{"Authorization", "Bearer s3cret-token"}});
    EXPECT_EQ(json::parse(state.body)["counters"]["web_requests_refused"], 2);
}

}  // namespace
}  // namespace bedtimed::test
