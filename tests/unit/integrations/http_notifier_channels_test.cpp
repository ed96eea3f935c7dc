// The request each HTTP notifier channel sends (ntfy, Gotify, the Home
// Assistant app, webhook) to a real HTTP server on loopback: method, path,
// headers and JSON body.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "ha_app/ha_app.hpp"
#include "http_notifier_harness.hpp"
#include "http_test_server.hpp"

using namespace bedtimed::integrations;
using namespace bedtimed::test;  // Harness, reminder(), scalar(), list(), map()
using namespace std::chrono_literals;
using bedtimed::config::ConfigError;
using bedtimed::config::Options;
using bedtimed::test::HttpTestServer;
using nlohmann::json;

TEST(NtfyNotifier, PostsJsonToTheServerRootWithABearerToken) {
    Harness h;
    HttpTestServer server;
    Options o;
    o["url"] = scalar(server.url(), 20);
    o["topic"] = scalar("bedtime-{sleeper}", 21);
    o["token_file"] = scalar(h.token_file, 22);
    o["priority"] = scalar("high", 23);
    o["tags"] = list({scalar("zzz", 24), scalar("leg", 24)}, 24);
    o["click"] = scalar("https://ha.example/lovelace/bed", 25);
    o["actions"] = list({map({{"action", scalar("view", 27)},
                              {"label", scalar("Open log", 27)},
                              {"url", scalar("https://ha.example/log/{sleeper}", 27)}},
                             27),
                         map({{"action", scalar("http", 28)},
                              {"label", scalar("Done", 28)},
                              {"url", scalar("https://ha.example/api/done", 28)},
                              {"body", scalar("{\"step\":\"{step}\"}", 28)},
                              {"clear", scalar("true", 28)}},
                             28)},
                        26);
    std::vector<std::string> warnings;
    auto n = h.make("ntfy", o, &warnings);
    EXPECT_TRUE(warnings.empty());
    n->notify(reminder());
    ASSERT_TRUE(h.run_until([&] { return h.counters.notify_delivered == 1; })) << h.logged();
    const auto reqs = server.requests();
    ASSERT_EQ(reqs.size(), 1u);
    EXPECT_EQ(reqs[0].method, "POST");
    EXPECT_EQ(reqs[0].target, "/");
    EXPECT_EQ(reqs[0].header("authorization"), "Bearer tk_s3cret-token");
    EXPECT_EQ(reqs[0].header("content-type"), "application/json");
    EXPECT_EQ(reqs[0].header("host"), "127.0.0.1:" + std::to_string(server.port()));
    const json body = json::parse(reqs[0].body);
    EXPECT_EQ(body["topic"], "bedtime-alex");
    EXPECT_EQ(body["sequence_id"], "bedtimed-alex-stretch");
    EXPECT_EQ(body["title"], "Stretch your calves");
    EXPECT_EQ(body["message"], "Three slow stretches, 30 s each.");
    EXPECT_EQ(body["priority"], 4);
    EXPECT_EQ(body["tags"], json::array({"zzz", "leg"}));
    EXPECT_EQ(body["click"], "https://ha.example/lovelace/bed");
    ASSERT_EQ(body["actions"].size(), 2u);
    EXPECT_EQ(
        body["actions"][0],
        json::parse(R"({"action":"view","label":"Open log","url":"https://ha.example/log/alex"})"));
    EXPECT_EQ(body["actions"][1]["body"], "{\"step\":\"stretch\"}");
    EXPECT_EQ(body["actions"][1]["clear"], true);
    EXPECT_EQ(h.counters.notify_failures, 0u);
}

TEST(NtfyNotifier, UserAndPasswordFileGiveBasicAuthAndUrgentIsPriorityFive) {
    Harness h;
    HttpTestServer server;
    Options o;
    o["url"] = scalar(server.url() + "/ntfy/", 20);
    o["topic"] = scalar("bedtime", 21);
    o["user"] = scalar("alex", 22);
    o["password_file"] = scalar(h.password_file, 23);
    auto n = h.make("ntfy", o);
    n->notify(reminder("episode", true));
    ASSERT_TRUE(h.run_until([&] { return h.counters.notify_delivered == 1; })) << h.logged();
    const auto r = server.requests().at(0);
    EXPECT_EQ(r.target, "/ntfy/");
    EXPECT_EQ(r.header("authorization"), "Basic YWxleDpwYTU1LXdvcmQ=");  // alex:pa55-word
    EXPECT_EQ(json::parse(r.body)["priority"], 5);
    EXPECT_EQ(json::parse(r.body).count("actions"), 0u);
}

// Done from another phone: ntfy 2.16's clear, by the sequence id the
// reminder was published with, below the configured base path.
TEST(NtfyNotifier, ClearPutsToTheTopicsSequenceIdBelowTheBasePath) {
    Harness h;
    HttpTestServer server;
    Options o;
    o["url"] = scalar(server.url() + "/ntfy/", 20);
    o["topic"] = scalar("bedtime", 21);
    o["token_file"] = scalar(h.token_file, 22);
    auto n = h.make("ntfy", o);
    auto r = reminder();
    r.sleeper = "alex.b";  // not in ntfy's alphabet for ids: '.' becomes '_'
    n->notify(r);
    n->clear(r);
    ASSERT_TRUE(h.run_until([&] { return h.counters.notify_delivered == 2; })) << h.logged();
    const auto reqs = server.requests();
    ASSERT_EQ(reqs.size(), 2u);
    EXPECT_EQ(json::parse(reqs[0].body)["sequence_id"], "bedtimed-alex_b-stretch");
    EXPECT_EQ(reqs[1].method, "PUT");
    EXPECT_EQ(reqs[1].target, "/ntfy/bedtime/bedtimed-alex_b-stretch/clear");
    EXPECT_EQ(reqs[1].header("authorization"), "Bearer tk_s3cret-token");
    EXPECT_EQ(reqs[1].body, "");
}

TEST(GotifyNotifier, PostsToMessageWithTheAppTokenHeader) {
    Harness h;
    HttpTestServer server;
    Options o;
    o["url"] = scalar(server.url() + "/gotify", 20);
    o["token_file"] = scalar(h.token_file, 21);
    o["priority"] = scalar("4", 22);
    o["click"] = scalar("https://ha.example/bed", 23);
    auto n = h.make("gotify", o);
    n->notify(reminder());
    auto urgent = reminder("episode", true);
    urgent.message.clear();
    n->notify(urgent);
    ASSERT_TRUE(h.run_until([&] { return h.counters.notify_delivered == 2; })) << h.logged();
    const auto reqs = server.requests();
    ASSERT_EQ(reqs.size(), 2u);
    EXPECT_EQ(reqs[0].method, "POST");
    EXPECT_EQ(reqs[0].target, "/gotify/message");
    EXPECT_EQ(reqs[0].header("x-gotify-key"), "tk_s3cret-token");
    EXPECT_EQ(reqs[0].header("authorization"), "");
    const json first = json::parse(reqs[0].body);
    EXPECT_EQ(
        first,
        json::parse(R"({"title":"Stretch your calves","message":"Three slow stretches, 30 s each.",
        "priority":4,"extras":{"client::notification":{"click":{"url":"https://ha.example/bed"}}}})"));
    const json second = json::parse(reqs[1].body);
    EXPECT_EQ(second["priority"], 8);                     // urgent: at least 8
    EXPECT_EQ(second["message"], "Stretch your calves");  // Gotify refuses an empty message
}

TEST(HaAppNotifier, CallsTheNotifyServiceWithActionIdsForSleeperAndStep) {
    Harness h;
    HttpTestServer server;
    Options o;
    o["url"] = scalar(server.url(), 20);
    o["service"] = scalar("notify.mobile_app_alex_phone", 21);
    o["token_file"] = scalar(h.token_file, 22);
    auto n = h.make("ha_app", o);
    n->notify(reminder());
    n->notify(reminder("episode", true));
    ASSERT_TRUE(h.run_until([&] { return h.counters.notify_delivered == 2; })) << h.logged();
    const auto reqs = server.requests();
    ASSERT_EQ(reqs.size(), 2u);
    EXPECT_EQ(reqs[0].method, "POST");
    EXPECT_EQ(reqs[0].target, "/api/services/notify/mobile_app_alex_phone");
    EXPECT_EQ(reqs[0].header("authorization"), "Bearer tk_s3cret-token");
    EXPECT_EQ(reqs[0].header("content-type"), "application/json");
    EXPECT_EQ(json::parse(reqs[0].body), json::parse(R"({
        "message":"Three slow stretches, 30 s each.","title":"Stretch your calves",
        "data":{"tag":"bedtimed-alex-stretch","actions":[
          {"action":"BEDTIMED_DONE:alex:stretch","title":"Done"},
          {"action":"BEDTIMED_SNOOZE:alex:stretch","title":"Snooze 10 min"}]}})"));
    const json urgent = json::parse(reqs[1].body);
    ASSERT_EQ(urgent["data"]["actions"].size(), 1u);  // a warning is not snoozed
    EXPECT_EQ(urgent["data"]["actions"][0]["action"], "BEDTIMED_DONE:alex:episode");
    EXPECT_EQ(urgent["data"]["priority"], "high");
    EXPECT_EQ(urgent["data"]["push"]["interruption-level"], "time-sensitive");
    EXPECT_EQ(ha_snooze_action_id("sam", "hydration"), "BEDTIMED_SNOOZE:sam:hydration");
}

TEST(WebhookNotifier, PostsTheReminderJsonWithHeadersFromConfigAndFile) {
    Harness h;
    HttpTestServer server;
    Options o;
    o["url"] = scalar(
        "http://hook:pa55@127.0.0.1:" + std::to_string(server.port()) + "/hooks/bed?src=bt", 20);
    o["headers"] = map({{"X-Api-Key", map({{"file", scalar(h.header_file, 22)}}, 22)},
                        {"X-Source", scalar("bedtimed", 23)}},
                       21);
    auto n = h.make("webhook", o);
    n->notify(reminder());
    ASSERT_TRUE(h.run_until([&] { return h.counters.notify_delivered == 1; })) << h.logged();
    const auto r = server.requests().at(0);
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.target, "/hooks/bed?src=bt");
    EXPECT_EQ(r.header("x-api-key"), "hdr-s3cret");
    EXPECT_EQ(r.header("x-source"), "bedtimed");
    EXPECT_EQ(r.header("authorization"), "Basic aG9vazpwYTU1");  // hook:pa55
    EXPECT_EQ(json::parse(r.body), json::parse(R"({"sleeper":"alex","step":"stretch",
        "title":"Stretch your calves","message":"Three slow stretches, 30 s each.","urgent":false,
        "at":"2026-11-26T22:00:00Z"})"));
}
