// Delivery by the HTTP notifiers against a real HTTP(S) server on loopback:
// retries on 500, a timeout, a refused connection, 4xx not retried, TLS
// rejected without the CA and accepted with it, the bounded queue. Retries
// and timeouts run on a ManualClock that the test advances while it runs the
// io_context; nothing here waits on real time except for I/O to happen.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "http/outbox.hpp"
#include "http_notifier_harness.hpp"
#include "http_test_server.hpp"

using namespace bedtimed::integrations;
using namespace bedtimed::test;  // Harness, reminder(), scalar(), list(), map()
using namespace std::chrono_literals;
using bedtimed::config::ConfigError;
using bedtimed::config::Options;
using bedtimed::test::HttpTestServer;
using bedtimed::test::TestCertificates;
using nlohmann::json;

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
    EXPECT_NE(h.logged().find("warning|notifier 'phone' (gotify): try 1 of 3 for 'stretch' for "
                              "alex to http://127.0.0.1:" +
                              std::to_string(server.port()) +
                              "/message failed: HTTP 500; next try in 10s"),
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
    EXPECT_NE(
        h.logged().find(
            "error|notifier 'phone' (ha_app): gave up on 'stretch' for alex to http://127.0.0.1:" +
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
    EXPECT_NE(h.logged().find("failed: timeout after 5s; next try in 10s"), std::string::npos)
        << h.logged();
    h.clock.advance(10s);
    ASSERT_TRUE(h.run_until([&] { return h.counters.notify_delivered == 1; })) << h.logged();
    EXPECT_EQ(server.request_count(), 2u);
}

TEST(HttpDelivery, ARefusedConnectionIsRetriedThenGivenUp) {
    Harness h;
    Options o;
    o["url"] = scalar(
        "http://user:hunter2@127.0.0.1:" + std::to_string(closed_port()) + "/hook?token=q1", 20);
    auto n = h.make("webhook", o);
    n->notify(reminder());
    ASSERT_TRUE(h.run_until([&] { return h.counters.notify_retries == 1; })) << h.logged();
    EXPECT_NE(h.logged().find("failed: connect: Connection refused; next try in 10s"),
              std::string::npos)
        << h.logged();
    h.clock.advance(10s);
    ASSERT_TRUE(h.run_until([&] { return h.counters.notify_retries == 2; })) << h.logged();
    h.clock.advance(40s);
    ASSERT_TRUE(h.run_until([&] { return h.counters.notify_failures == 1; })) << h.logged();
    // The URL's password and query never reach the log; host and path do.
    EXPECT_EQ(h.logged().find("hunter2"), std::string::npos);
    EXPECT_EQ(h.logged().find("q1"), std::string::npos);
    EXPECT_NE(h.logged().find("/hook after 3 tries: connect: Connection refused"),
              std::string::npos)
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
    EXPECT_NE(h.logged().find("TLS handshake: certificate verify failed"), std::string::npos)
        << h.logged();
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
    EXPECT_NE(h.logged().find(
                  "queue full (16 waiting), dropped 'step0' for alex (1 dropped since start)"),
              std::string::npos)
        << h.logged();
    EXPECT_NE(h.logged().find("dropped 'step1' for alex (2 dropped"), std::string::npos);
    ASSERT_TRUE(h.run_until([&] { return h.counters.notify_delivered == 17; })) << h.logged();
    const auto reqs = server.requests();
    ASSERT_EQ(reqs.size(), 17u);
    EXPECT_EQ(json::parse(reqs[0].body)["title"], "Stretch your calves");
    EXPECT_EQ(json::parse(reqs[1].body)["priority"], 8);  // the urgent one survived, in order
}

// An hour with the endpoint answering 500: a reminder every 30 s, far
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
    http::Outbox outbox(h.ctx,
                        http::OutboxOptions{"notifier 'phone' (test)", client, {10s, 20s}, 16});
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
    EXPECT_EQ(h.counters.notify_failures + h.counters.notify_dropped + outbox.waiting() +
                  (outbox.busy() ? 1 : 0),
              static_cast<std::uint64_t>(sent));
    // Three tries per reminder given up, at most: the server saw no storm.
    EXPECT_LE(server.request_count(), 3 * (h.counters.notify_failures + 1))
        << server.request_count();
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
    EXPECT_EQ(h.counters.notify_delivered + h.counters.notify_retries + h.counters.notify_failures,
              0u);
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
    EXPECT_NE(h.logged().find("no network here; would POST http://127.0.0.1:" +
                              std::to_string(server.port()) + "/message for 'stretch' for alex"),
              std::string::npos)
        << h.logged();
}
