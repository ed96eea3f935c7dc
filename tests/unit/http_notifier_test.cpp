// The HTTP notifiers (ntfy, Gotify, the Home Assistant app, webhook) against a
// real HTTP(S) server on loopback: method, path, headers and JSON body per
// channel; retries on 500, a timeout, a refused connection, 4xx not retried,
// TLS rejected without the CA and accepted with it, the bounded queue; and
// that no secret reaches the log. Retries and timeouts run on a ManualClock
// that the test advances while it runs the io_context; nothing here waits
// on real time except for I/O to happen.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <utility>  // before Asio: Boost 1.74 with C++20 needs it
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "gotify/gotify.hpp"
#include "ha_app/ha_app.hpp"
#include "http/http_options.hpp"
#include "http/outbox.hpp"
#include "http/url.hpp"
#include "http_test_server.hpp"
#include "loader.hpp"
#include "manual_clock.hpp"
#include "notifier.hpp"
#include "ntfy/ntfy.hpp"
#include "webhook/webhook.hpp"

using namespace bedtimed::integrations;
using namespace std::chrono_literals;
using bedtimed::Counters;
using bedtimed::config::ConfigError;
using bedtimed::config::Option;
using bedtimed::config::Options;
using bedtimed::test::HttpTestServer;
using bedtimed::test::TestCertificates;
using nlohmann::json;

namespace {

const bedtimed::WallTime kStart{std::chrono::seconds(1795730400)};  // 2026-11-26T22:00:00Z

class NullBus final : public bedtimed::Bus {
public:
    void publish(std::string, std::string, int, bool) override {}
    void subscribe(const std::string&, int, bedtimed::MessageHandler) override {}
    void unsubscribe(const std::string&) override {}
    bool connected() const noexcept override { return true; }
};

Option scalar(std::string v, int line) { return Option{std::move(v), line, 7}; }

Option list(std::vector<Option> items, int line) {
    Option o{"", line, 7};
    o.shape = Option::Shape::list;
    o.items = std::move(items);
    return o;
}

Option map(std::vector<std::pair<std::string, Option>> kv, int line) {
    Option o{"", line, 7};
    o.shape = Option::Shape::map;
    for (auto& [k, v] : kv) {
        o.keys.push_back(k);
        o.items.push_back(std::move(v));
    }
    return o;
}

struct Harness {
    boost::asio::io_context io;
    bedtimed::ManualClock clock{kStart};
    NullBus bus;
    Counters counters;
    std::ostringstream out;
    std::shared_ptr<spdlog::logger> log;
    NotifierContext ctx{bus, clock, nullptr, &io, &counters, true};
    std::string dir;
    std::string token_file, password_file, header_file;

    Harness() {
        auto sink = std::make_shared<spdlog::sinks::ostream_sink_st>(out);
        sink->set_pattern("%l|%v");
        log = std::make_shared<spdlog::logger>("http_notifier_test", sink);
        log->set_level(spdlog::level::trace);
        ctx.log = log;
        std::string tmpl = (std::filesystem::temp_directory_path() / "bt-http-XXXXXX").string();
        dir = ::mkdtemp(tmpl.data());
        token_file = dir + "/token";
        password_file = dir + "/password";
        header_file = dir + "/header";
        std::ofstream(token_file) << "tk_s3cret-token\n";
        std::ofstream(password_file) << "pa55-word\n";
        std::ofstream(header_file) << "hdr-s3cret\n";
    }
    ~Harness() {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }

    std::unique_ptr<Notifier> make(std::string_view type, const Options& o,
                                   std::vector<std::string>* warnings = nullptr) {
        const auto* integration = find_notifier_integration(type);
        if (integration == nullptr) return nullptr;
        bedtimed::config::NotifierSpec spec;
        spec.name = "phone";
        spec.type = std::string(type);
        OptionReader reader(o, dir + "/house.yaml", 18, 3, "notifier 'phone'");
        auto n = integration->create(spec, reader, ctx);
        if (warnings) *warnings = reader.unread_warnings();
        return n;
    }

    // Runs the loop until `done()` holds. The limit only stops a broken test
    // from hanging; no test asserts how long anything took.
    template <class Pred>
    bool run_until(Pred done) {
        const auto limit = std::chrono::steady_clock::now() + 20s;
        while (!done()) {
            if (std::chrono::steady_clock::now() > limit) return false;
            if (io.stopped()) io.restart();
            io.run_one_for(5ms);
        }
        return true;
    }

    std::string logged() const { return out.str(); }
};

Reminder reminder(std::string step = "stretch", bool urgent = false) {
    Reminder r;
    r.sleeper = "alex";
    r.step = std::move(step);
    r.title = "Stretch your calves";
    r.message = "Three slow stretches, 30 s each.";
    r.urgent = urgent;
    r.at = kStart;
    return r;
}

// A loopback port nobody listens on (bound, then closed).
unsigned short closed_port() {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    return a.local_endpoint().port();
}

}  // namespace

// ---- the request each channel sends ----------------------------------------

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
    o["actions"] = list({map({{"action", scalar("view", 27)}, {"label", scalar("Open log", 27)},
                              {"url", scalar("https://ha.example/log/{sleeper}", 27)}},
                             27),
                         map({{"action", scalar("http", 28)}, {"label", scalar("Done", 28)},
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
    EXPECT_EQ(body["title"], "Stretch your calves");
    EXPECT_EQ(body["message"], "Three slow stretches, 30 s each.");
    EXPECT_EQ(body["priority"], 4);
    EXPECT_EQ(body["tags"], json::array({"zzz", "leg"}));
    EXPECT_EQ(body["click"], "https://ha.example/lovelace/bed");
    ASSERT_EQ(body["actions"].size(), 2u);
    EXPECT_EQ(body["actions"][0], json::parse(R"({"action":"view","label":"Open log","url":"https://ha.example/log/alex"})"));
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
    EXPECT_EQ(first, json::parse(R"({"title":"Stretch your calves","message":"Three slow stretches, 30 s each.",
        "priority":4,"extras":{"client::notification":{"click":{"url":"https://ha.example/bed"}}}})"));
    const json second = json::parse(reqs[1].body);
    EXPECT_EQ(second["priority"], 8);  // urgent: at least 8
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
    o["url"] = scalar("http://hook:pa55@127.0.0.1:" + std::to_string(server.port()) + "/hooks/bed?src=bt", 20);
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

// ---- failures, retries, timeouts --------------------------------------------

TEST(HttpDelivery, A500IsRetriedAfterTenSecondsAndThenDelivered) {
    Harness h;
    HttpTestServer server;
    server.answer_next(500);
    Options o;
    o["url"] = scalar(server.url(), 20);
    o["token_file"] = scalar(h.token_file, 21);
    auto n = h.make("gotify", o);
    n->notify(reminder());
    ASSERT_TRUE(h.run_until([&] { return h.counters.notify_retries == 1; })) << h.logged();
    EXPECT_EQ(server.request_count(), 1u);
    EXPECT_NE(h.logged().find("warning|notifier 'phone' (gotify): try 1 of 3 for 'stretch' for alex to http://127.0.0.1:" +
                              std::to_string(server.port()) + "/message failed: HTTP 500; next try in 10s"),
              std::string::npos)
        << h.logged();
    h.clock.advance(9s);
    h.io.poll();
    EXPECT_EQ(server.request_count(), 1u);  // the retry timer has not fired: no second request sent
    h.clock.advance(1s);
    ASSERT_TRUE(h.run_until([&] { return h.counters.notify_delivered == 1; })) << h.logged();
    EXPECT_EQ(server.request_count(), 2u);
    EXPECT_EQ(h.counters.notify_failures, 0u);
    EXPECT_NE(h.logged().find("delivered 'stretch' for alex on try 2"), std::string::npos);
    EXPECT_EQ(h.logged().find("tk_s3cret"), std::string::npos);
}

TEST(HttpDelivery, GivesUpAfterThreeTriesAndCountsOneFailure) {
    Harness h;
    HttpTestServer server;
    server.set_default_status(503);
    Options o;
    o["url"] = scalar(server.url(), 20);
    o["service"] = scalar("mobile_app_x", 21);
    o["token_file"] = scalar(h.token_file, 22);
    auto n = h.make("ha_app", o);
    n->notify(reminder());
    ASSERT_TRUE(h.run_until([&] { return h.counters.notify_retries == 1; })) << h.logged();
    h.clock.advance(10s);
    ASSERT_TRUE(h.run_until([&] { return h.counters.notify_retries == 2; })) << h.logged();
    EXPECT_NE(h.logged().find("try 2 of 3"), std::string::npos);
    EXPECT_NE(h.logged().find("next try in 40s"), std::string::npos);
    h.clock.advance(40s);
    ASSERT_TRUE(h.run_until([&] { return h.counters.notify_failures == 1; })) << h.logged();
    EXPECT_EQ(server.request_count(), 3u);
    EXPECT_EQ(h.counters.notify_delivered, 0u);
    EXPECT_NE(h.logged().find("error|notifier 'phone' (ha_app): gave up on 'stretch' for alex to http://127.0.0.1:" +
                              std::to_string(server.port()) +
                              "/api/services/notify/mobile_app_x after 3 tries: HTTP 503"),
              std::string::npos)
        << h.logged();
    EXPECT_EQ(h.logged().find("tk_s3cret"), std::string::npos);
}

TEST(HttpDelivery, A401IsNotRetried) {
    Harness h;
    HttpTestServer server;
    server.answer_next(401);
    Options o;
    o["url"] = scalar(server.url(), 20);
    o["topic"] = scalar("t", 21);
    o["token_file"] = scalar(h.token_file, 22);
    auto n = h.make("ntfy", o);
    n->notify(reminder());
    ASSERT_TRUE(h.run_until([&] { return h.counters.notify_failures == 1; })) << h.logged();
    EXPECT_EQ(h.counters.notify_retries, 0u);
    EXPECT_EQ(h.clock.pending_timers(), 0u);  // no retry armed
    EXPECT_NE(h.logged().find("HTTP 401 (not retried"), std::string::npos) << h.logged();
}

TEST(HttpDelivery, AServerThatNeverAnswersTimesOutAfterFiveSecondsAndIsRetried) {
    Harness h;
    HttpTestServer server;
    server.hang_next();
    Options o;
    o["url"] = scalar(server.url(), 20);
    o["token_file"] = scalar(h.token_file, 21);
    auto n = h.make("gotify", o);
    n->notify(reminder());
    // The request has arrived and the server holds it: only the deadline can end it.
    ASSERT_TRUE(h.run_until([&] { return server.request_count() == 1; }));
    h.io.poll();
    EXPECT_EQ(h.counters.notify_retries, 0u);
    h.clock.advance(4s);
    h.io.poll();
    EXPECT_EQ(h.counters.notify_retries, 0u);  // not yet at 5 s
    h.clock.advance(1s);
    ASSERT_TRUE(h.run_until([&] { return h.counters.notify_retries == 1; })) << h.logged();
    EXPECT_NE(h.logged().find("failed: timeout after 5s; next try in 10s"), std::string::npos) << h.logged();
    h.clock.advance(10s);
    ASSERT_TRUE(h.run_until([&] { return h.counters.notify_delivered == 1; })) << h.logged();
    EXPECT_EQ(server.request_count(), 2u);
}

TEST(HttpDelivery, ARefusedConnectionIsRetriedThenGivenUp) {
    Harness h;
    Options o;
    o["url"] = scalar("http://user:hunter2@127.0.0.1:" + std::to_string(closed_port()) + "/hook?token=q1", 20);
    auto n = h.make("webhook", o);
    n->notify(reminder());
    ASSERT_TRUE(h.run_until([&] { return h.counters.notify_retries == 1; })) << h.logged();
    EXPECT_NE(h.logged().find("failed: connect: Connection refused; next try in 10s"), std::string::npos)
        << h.logged();
    h.clock.advance(10s);
    ASSERT_TRUE(h.run_until([&] { return h.counters.notify_retries == 2; })) << h.logged();
    h.clock.advance(40s);
    ASSERT_TRUE(h.run_until([&] { return h.counters.notify_failures == 1; })) << h.logged();
    // The URL's password and query never reach the log; host and path do.
    EXPECT_EQ(h.logged().find("hunter2"), std::string::npos);
    EXPECT_EQ(h.logged().find("q1"), std::string::npos);
    EXPECT_NE(h.logged().find("/hook after 3 tries: connect: Connection refused"), std::string::npos)
        << h.logged();
}

TEST(HttpDelivery, TlsWithAPrivateCaIsRejectedWithoutCaFileAndAcceptedWithIt) {
    TestCertificates certs;
    HttpTestServer server(HttpTestServer::Tls{certs.cert_file, certs.key_file});
    ASSERT_EQ(server.url().rfind("https://", 0), 0u);
    {
        Harness h;
        Options o;
        o["url"] = scalar(server.url(), 20);
        o["topic"] = scalar("t", 21);
        auto n = h.make("ntfy", o);
        n->notify(reminder());
        ASSERT_TRUE(h.run_until([&] { return h.counters.notify_retries == 1; })) << h.logged();
        EXPECT_NE(h.logged().find("TLS handshake: certificate verify failed"), std::string::npos)
            << h.logged();
        EXPECT_EQ(server.request_count(), 0u);  // nothing was sent over the unverified connection
    }
    {
        Harness h;
        Options o;
        o["url"] = scalar(server.url(), 20);
        o["topic"] = scalar("t", 21);
        o["ca_file"] = scalar(certs.ca_file, 22);
        auto n = h.make("ntfy", o);
        n->notify(reminder());
        ASSERT_TRUE(h.run_until([&] { return h.counters.notify_delivered == 1; })) << h.logged();
        EXPECT_EQ(server.request_count(), 1u);
        EXPECT_EQ(json::parse(server.requests().at(0).body)["topic"], "t");
    }
    {
        // The same server by name: the certificate names localhost too, and SNI is sent.
        Harness h;
        Options o;
        o["url"] = scalar("https://localhost:" + std::to_string(server.port()), 20);
        o["topic"] = scalar("t", 21);
        o["ca_file"] = scalar(certs.ca_file, 22);
        auto n = h.make("ntfy", o);
        n->notify(reminder());
        ASSERT_TRUE(h.run_until([&] { return h.counters.notify_delivered == 1; })) << h.logged();
    }
}

TEST(HttpDelivery, TlsRejectsACertificateForAnotherHostEvenWithItsCa) {
    TestCertificates certs("DNS:other.example");
    HttpTestServer server(HttpTestServer::Tls{certs.cert_file, certs.key_file});
    Harness h;
    Options o;
    o["url"] = scalar(server.url(), 20);
    o["token_file"] = scalar(h.token_file, 21);
    o["ca_file"] = scalar(certs.ca_file, 22);
    auto n = h.make("gotify", o);
    n->notify(reminder());
    ASSERT_TRUE(h.run_until([&] { return h.counters.notify_retries == 1; })) << h.logged();
    EXPECT_NE(h.logged().find("TLS handshake: certificate verify failed"), std::string::npos) << h.logged();
    EXPECT_EQ(server.request_count(), 0u);
}

TEST(HttpDelivery, AFullQueueDropsTheOldestNonUrgentReminder) {
    Harness h;
    HttpTestServer server;
    Options o;
    o["url"] = scalar(server.url(), 20);
    o["token_file"] = scalar(h.token_file, 21);
    auto n = h.make("gotify", o);
    // No loop runs while they are queued: one in flight, 16 waiting, and more.
    n->notify(reminder("first"));
    n->notify(reminder("warning", true));
    for (int i = 0; i < 17; ++i) n->notify(reminder("step" + std::to_string(i)));
    EXPECT_EQ(h.counters.notify_dropped, 2u);
    EXPECT_NE(h.logged().find("queue full (16 waiting), dropped 'step0' for alex (1 dropped since start)"),
              std::string::npos)
        << h.logged();
    EXPECT_NE(h.logged().find("dropped 'step1' for alex (2 dropped"), std::string::npos);
    ASSERT_TRUE(h.run_until([&] { return h.counters.notify_delivered == 17; })) << h.logged();
    const auto reqs = server.requests();
    ASSERT_EQ(reqs.size(), 17u);
    EXPECT_EQ(json::parse(reqs[0].body)["title"], "Stretch your calves");
    EXPECT_EQ(json::parse(reqs[1].body)["priority"], 8);  // the urgent one survived, in order
}

// An hour with the endpoint answering 500 (#8): a reminder every 30 s, far
// more than three tries a minute can clear. The queue never holds more than
// its 16, the overflow is counted as dropped and each give-up as a failure,
// and when the server is back the next reminder is delivered.
TEST(HttpDelivery, AnHourWithTheEndpointDownKeepsTheQueueBoundedAndRecovers) {
    Harness h;
    HttpTestServer server;
    server.set_default_status(500);
    std::string error;
    auto url = http::parse_url(server.url() + "/message", error);
    ASSERT_TRUE(url) << error;
    // Retries within one 30 s step; a request timeout longer than the test,
    // so that advancing the clock while a request is on the wire never times it out.
    http::ClientOptions client;
    client.timeout = 10h;
    http::Outbox outbox(h.ctx, http::OutboxOptions{"notifier 'phone' (test)", client, {10s, 20s}, 16});
    auto request = [&] {
        http::Request r;
        r.url = *url;
        r.body = R"({"message":"stretch"})";
        return r;
    };
    // Tries answered so far (each try ends as delivered, retried or given up).
    auto answered = [&] {
        return h.counters.notify_delivered + h.counters.notify_retries + h.counters.notify_failures;
    };
    // Runs the loop until the try on the wire is answered. Not an assertion:
    // if no try is on the wire (its retry timer is pending) it gives up after
    // 2 s, and a slow answer only arrives a step later (the 10 h timeout
    // keeps it alive), so the outcome never depends on speed.
    auto settle = [&] {
        const auto before = answered();
        const auto limit = std::chrono::steady_clock::now() + 2s;
        while (answered() == before && std::chrono::steady_clock::now() < limit) {
            if (h.io.stopped()) h.io.restart();
            h.io.run_one_for(5ms);
        }
    };
    std::size_t most_waiting = 0;
    int sent = 0;
    for (auto t = 0s; t < 1h; t += 30s) {
        outbox.send(request(), false, "'r" + std::to_string(sent++) + "' for alex");
        most_waiting = std::max(most_waiting, outbox.waiting());
        ASSERT_LE(outbox.waiting(), 16u);
        h.clock.advance(30s);  // fires the retry that is due, which goes on the wire
        settle();
    }
    EXPECT_EQ(most_waiting, 16u) << "the hour should have filled the queue";
    EXPECT_EQ(h.counters.notify_delivered, 0u);
    EXPECT_GT(h.counters.notify_dropped, 0u);
    EXPECT_GT(h.counters.notify_failures, 0u);
    // Every reminder is accounted for: given up, dropped, or still queued.
    EXPECT_EQ(h.counters.notify_failures + h.counters.notify_dropped + outbox.waiting() + (outbox.busy() ? 1 : 0),
              static_cast<std::uint64_t>(sent));
    // Three tries per reminder given up, at most: the server saw no storm.
    EXPECT_LE(server.request_count(), 3 * (h.counters.notify_failures + 1)) << server.request_count();
    EXPECT_NE(h.logged().find("queue full (16 waiting), dropped"), std::string::npos) << h.logged();

    // The server is back: the backlog drains and the next reminder arrives.
    server.set_default_status(200);
    outbox.send(request(), false, "'after' for alex");
    ASSERT_TRUE(h.run_until([&] {
        h.clock.advance(1s);  // retry timers fire; the 10 h request timeout never does
        return h.logged().find("delivered 'after' for alex") != std::string::npos;
    })) << h.logged();
    EXPECT_FALSE(outbox.busy());
    EXPECT_EQ(outbox.waiting(), 0u);
    EXPECT_NE(h.logged().find("delivered 'after' for alex"), std::string::npos) << h.logged();
    EXPECT_GE(h.counters.notify_delivered, 1u);
}

TEST(HttpDelivery, DestroyingANotifierWithARequestInFlightCallsNothingBack) {
    Harness h;
    HttpTestServer server;
    server.hang_next();
    Options o;
    o["url"] = scalar(server.url(), 20);
    o["token_file"] = scalar(h.token_file, 21);
    auto n = h.make("gotify", o);
    n->notify(reminder());
    ASSERT_TRUE(h.run_until([&] { return server.request_count() == 1; }));
    n.reset();
    EXPECT_EQ(h.clock.pending_timers(), 0u);  // the deadline went with it
    h.clock.advance(60s);
    h.io.poll();
    EXPECT_EQ(h.counters.notify_delivered + h.counters.notify_retries + h.counters.notify_failures, 0u);
}

TEST(HttpDelivery, WithoutAnIoContextNothingIsSent) {
    Harness h;
    HttpTestServer server;
    h.ctx.io = nullptr;  // as in `bedtimed simulate`
    Options o;
    o["url"] = scalar(server.url(), 20);
    o["token_file"] = scalar(h.token_file, 21);
    auto n = h.make("gotify", o);
    n->notify(reminder());
    h.io.poll();
    EXPECT_EQ(server.request_count(), 0u);
    EXPECT_EQ(h.clock.pending_timers(), 0u);
    EXPECT_NE(h.logged().find("no network here; would POST http://127.0.0.1:" + std::to_string(server.port()) +
                              "/message for 'stretch' for alex"),
              std::string::npos)
        << h.logged();
}

// ---- options ---------------------------------------------------------------

namespace {
std::string error_of(Harness& h, std::string_view type, const Options& o) {
    try {
        h.make(type, o);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "(no error)";
}
}  // namespace

TEST(HttpNotifierOptions, BadOptionsAreReportedAtTheirPosition) {
    Harness h;
    const std::string file = h.dir + "/house.yaml";
    Options ntfy;
    ntfy["url"] = scalar("ftp://ntfy.example", 20);
    ntfy["topic"] = scalar("t", 21);
    EXPECT_EQ(error_of(h, "ntfy", ntfy),
              file + ":20:7: option 'url' of notifier 'phone' is not a valid URL: it must start with http:// or https://");
    ntfy["url"] = scalar("https://ntfy.example", 20);
    ntfy["priority"] = scalar("loud", 22);
    EXPECT_EQ(error_of(h, "ntfy", ntfy),
              file + ":22:7: option 'priority' of notifier 'phone' must be 1-5 or min, low, default, high, max, not 'loud'");
    ntfy.erase("priority");
    auto action = map({{"action", scalar("view", 24)}, {"label", scalar("x", 24)},
                       {"url", scalar("https://a.example", 24)}},
                      24);
    ntfy["actions"] = list({action, action, action, action}, 23);
    EXPECT_EQ(error_of(h, "ntfy", ntfy), file + ":23:7: notifier 'phone' has 4 actions; ntfy shows at most 3");
    ntfy["actions"] = list({map({{"action", scalar("view", 24)}, {"label", scalar("x", 24)}}, 24)}, 23);
    EXPECT_EQ(error_of(h, "ntfy", ntfy), file + ":24:7: an action of notifier 'phone' needs a 'url'");
    ntfy.erase("actions");
    ntfy["token_file"] = scalar(h.dir + "/nope", 25);
    EXPECT_EQ(error_of(h, "ntfy", ntfy),
              file + ":25:7: cannot read token_file '" + h.dir + "/nope' of notifier 'phone': No such file or directory");

    Options gotify;
    gotify["url"] = scalar("https://push.example", 20);
    EXPECT_EQ(error_of(h, "gotify", gotify), file + ":18:3: notifier 'phone' needs token_file or token_credential");
    gotify["token_file"] = scalar("token", 21);  // relative: next to the config file
    gotify["priority"] = scalar("11", 22);
    EXPECT_EQ(error_of(h, "gotify", gotify),
              file + ":22:7: option 'priority' of notifier 'phone' must be an integer from 0 to 10, not '11'");

    Options ha;
    ha["url"] = scalar("http://ha.local:8123", 20);
    ha["service"] = scalar("Mobile App", 21);
    ha["token_file"] = scalar(h.token_file, 22);
    EXPECT_NE(error_of(h, "ha_app", ha).find(file + ":21:7: option 'service' of notifier 'phone' must be"),
              std::string::npos);

    Options hook;
    hook["url"] = scalar("https://hook.example/x", 20);
    hook["headers"] = map({{"Content-Length", scalar("3", 21)}}, 21);
    EXPECT_EQ(error_of(h, "webhook", hook),
              file + ":21:7: option 'headers' of notifier 'phone': bedtimed sets 'Content-Length' itself");
    hook["headers"] = map({{"X-Key", map({{"file", scalar(h.dir + "/missing", 22)}}, 22)}}, 21);
    EXPECT_NE(error_of(h, "webhook", hook).find(file + ":22:7: cannot read the file for header 'X-Key'"),
              std::string::npos);
    hook.erase("headers");
    hook["ca_file"] = scalar(h.token_file, 23);  // not a certificate
    EXPECT_NE(error_of(h, "webhook", hook).find(file + ":23:7: option 'ca_file' of notifier 'phone': cannot load CA file"),
              std::string::npos);
}

TEST(HttpNotifierOptions, SimulateNeedsTheSecretFilesNamedButDoesNotReadThem) {
    Harness h;
    h.ctx.io = nullptr;
    h.ctx.read_secrets = false;
    Options o;
    o["url"] = scalar("https://push.example", 20);
    o["token_file"] = scalar("/nonexistent/token", 21);
    EXPECT_NO_THROW(h.make("gotify", o));
    o.erase("token_file");
    EXPECT_THROW(h.make("gotify", o), ConfigError);
}

// ---- secrets as systemd credentials ($CREDENTIALS_DIRECTORY) ----------------

namespace {

// Points $CREDENTIALS_DIRECTORY at a fresh directory for one test, as
// systemd does for LoadCredential=, and puts it back afterwards.
class CredentialsDirectory {
public:
    explicit CredentialsDirectory(const std::string& dir) : dir_(dir + "/credentials") {
        std::filesystem::create_directories(dir_);
        if (const char* old = std::getenv("CREDENTIALS_DIRECTORY")) old_ = old;
        ::setenv("CREDENTIALS_DIRECTORY", dir_.c_str(), 1);
    }
    ~CredentialsDirectory() {
        if (old_) ::setenv("CREDENTIALS_DIRECTORY", old_->c_str(), 1);
        else ::unsetenv("CREDENTIALS_DIRECTORY");
    }
    void put(const std::string& name, const std::string& content) const { std::ofstream(dir_ + "/" + name) << content; }

private:
    std::string dir_;
    std::optional<std::string> old_;
};

}  // namespace

TEST(HttpNotifierCredentials, TokensPasswordsAndHeadersComeFromTheCredentialsDirectory) {
    Harness h;
    CredentialsDirectory creds(h.dir);
    creds.put("ntfy-token", "tk_from-credential\n");
    creds.put("ntfy-password", "cred-pa55\n");
    creds.put("ha-token", "ha-long-lived\n");
    creds.put("hook-key", "hook-cred-s3cret\n");
    HttpTestServer server;

    Options ntfy;
    ntfy["url"] = scalar(server.url(), 20);
    ntfy["topic"] = scalar("bedtime", 21);
    ntfy["token_credential"] = scalar("ntfy-token", 22);
    Options ntfy_basic;
    ntfy_basic["url"] = scalar(server.url() + "/basic/", 20);
    ntfy_basic["topic"] = scalar("bedtime", 21);
    ntfy_basic["user"] = scalar("alex", 22);
    ntfy_basic["password_credential"] = scalar("ntfy-password", 23);
    Options gotify;
    gotify["url"] = scalar(server.url() + "/gotify", 20);
    gotify["token_credential"] = scalar("ntfy-token", 21);
    Options ha;
    ha["url"] = scalar(server.url(), 20);
    ha["service"] = scalar("mobile_app_alex_phone", 21);
    ha["token_credential"] = scalar("ha-token", 22);
    Options hook;
    hook["url"] = scalar(server.url() + "/hook", 20);
    hook["headers"] = map({{"X-Api-Key", map({{"credential", scalar("hook-key", 22)}}, 22)}}, 21);

    std::vector<std::unique_ptr<Notifier>> notifiers;
    for (auto [type, options] : {std::pair{"ntfy", &ntfy}, std::pair{"ntfy", &ntfy_basic},
                                 std::pair{"gotify", &gotify}, std::pair{"ha_app", &ha},
                                 std::pair{"webhook", &hook}}) {
        std::vector<std::string> warnings;
        notifiers.push_back(h.make(type, *options, &warnings));
        EXPECT_TRUE(warnings.empty()) << type;
    }
    for (auto& n : notifiers) n->notify(reminder());
    ASSERT_TRUE(h.run_until([&] { return h.counters.notify_delivered == 5; })) << h.logged();
    std::map<std::string, bedtimed::test::RecordedRequest> by_target;
    for (const auto& r : server.requests()) by_target[r.target] = r;
    EXPECT_EQ(by_target["/"].header("authorization"), "Bearer tk_from-credential");
    EXPECT_EQ(by_target["/basic/"].header("authorization"), http::basic_auth("alex:cred-pa55"));
    EXPECT_EQ(by_target["/gotify/message"].header("x-gotify-key"), "tk_from-credential");
    EXPECT_EQ(by_target["/api/services/notify/mobile_app_alex_phone"].header("authorization"),
              "Bearer ha-long-lived");
    EXPECT_EQ(by_target["/hook"].header("x-api-key"), "hook-cred-s3cret");
    for (const char* secret : {"tk_from-credential", "cred-pa55", "ha-long-lived", "hook-cred-s3cret"})
        EXPECT_EQ(h.logged().find(secret), std::string::npos) << secret;
}

TEST(HttpNotifierCredentials, AMissingEmptyOrDoublyNamedCredentialIsAConfigErrorAtItsOption) {
    Harness h;
    CredentialsDirectory creds(h.dir);
    creds.put("empty", "\n");  // what the unit's SetCredential= fallback leaves
    const std::string file = h.dir + "/house.yaml";
    Options o;
    o["url"] = scalar("https://push.example", 20);
    o["token_credential"] = scalar("gotify-token", 21);
    EXPECT_NE(error_of(h, "gotify", o).find(file + ":21:7: token_credential of notifier 'phone': credential "
                                                   "'gotify-token': cannot read"),
              std::string::npos)
        << error_of(h, "gotify", o);
    o["token_credential"] = scalar("empty", 21);
    EXPECT_NE(error_of(h, "gotify", o).find(file + ":21:7: token_credential of notifier 'phone': credential "
                                                   "'empty' is empty"),
              std::string::npos)
        << error_of(h, "gotify", o);
    o["token_credential"] = scalar("../etc/passwd", 21);
    EXPECT_NE(error_of(h, "gotify", o).find(file + ":21:7: token_credential of notifier 'phone' must be a credential name"),
              std::string::npos);
    o["token_credential"] = scalar("gotify-token", 21);
    o["token_file"] = scalar(h.token_file, 22);
    EXPECT_EQ(error_of(h, "gotify", o),
              file + ":21:7: notifier 'phone': set token_file or token_credential, not both");
    // `simulate` only needs it named.
    h.ctx.read_secrets = false;
    h.ctx.io = nullptr;
    o.erase("token_file");
    EXPECT_NO_THROW(h.make("gotify", o));
}

TEST(HttpUrl, ParsesAndNeverDisplaysUserinfoOrQuery) {
    std::string error;
    auto u = http::parse_url("HTTPS://me:p%40ss@Push.Example:8443/base/path?token=x", error);
    ASSERT_TRUE(u) << error;
    EXPECT_TRUE(u->tls);
    EXPECT_EQ(u->host, "push.example");
    EXPECT_EQ(u->port, "8443");
    EXPECT_EQ(u->userinfo, "me:p@ss");
    EXPECT_EQ(u->target(), "/base/path?token=x");
    EXPECT_EQ(u->display(), "https://push.example:8443/base/path");
    EXPECT_EQ(u->host_header(), "push.example:8443");
    auto v6 = http::parse_url("http://[::1]:8080", error);
    ASSERT_TRUE(v6) << error;
    EXPECT_EQ(v6->host, "::1");
    EXPECT_EQ(v6->host_header(), "[::1]:8080");
    EXPECT_EQ(v6->path, "/");
    EXPECT_FALSE(http::parse_url("http://host:99999/", error));
    EXPECT_FALSE(http::parse_url("http:///path", error));
    EXPECT_FALSE(http::parse_url("http://host/a b", error));
    EXPECT_FALSE(http::parse_url("mqtt://host", error));
    EXPECT_EQ(http::join_path("/base/", "/message"), "/base/message");
    EXPECT_EQ(http::join_path("/", "message"), "/message");
}
