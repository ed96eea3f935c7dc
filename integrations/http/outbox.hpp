// What every HTTP notifier shares: a bounded queue of requests, sent one at a
// time through a Client, retried with backoff, counted and logged.
//
//   tries      3: at once, then 10 s and 40 s after a failure (about a minute
//              in all, inside the 2 minutes a reminder stays useful)
//   retried    no answer (timeout, refused, TLS, DNS), 5xx, 408, 429
//   not        other 4xx and 3xx: a wrong token or URL does not fix itself
//   queue      16 waiting requests; when full the oldest non-urgent one is
//              dropped (an urgent one only if all are urgent), with a warning
//   counters   notify_delivered, notify_retries, notify_failures, notify_dropped
//   logs       one line per failed try and one when giving up, naming the
//              notifier, the reminder, host and path, and the HTTP status or
//              error; never the URL's user:password or query, nor any header
//
// Without an io_context (NotifierContext::io null: simulate, check-config)
// nothing is sent: each request is logged at debug level and forgotten.
//
// Threads: loop thread only. Borrows the context's io_context, Clock,
// Counters and logger (they outlive it); destroying the Outbox abandons what
// is queued or in flight. The constructor throws std::runtime_error when the
// CA file cannot be loaded; send() never throws apart from std::bad_alloc.
#pragma once

#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "client.hpp"
#include "notifier.hpp"

namespace bedtimed::integrations::http {

struct OutboxOptions {
    std::string label;  // "notifier 'phone' (ntfy)", the start of every log line
    ClientOptions client;
    std::vector<Duration> retry_after{std::chrono::seconds(10), std::chrono::seconds(40)};
    std::size_t max_queue = 16;  // waiting requests, besides the one in flight
};

class Outbox {
public:
    Outbox(NotifierContext& ctx, OutboxOptions options);
    ~Outbox();

    // Queues `request`; `what` names it in log lines ("'stretch' for alex").
    void send(Request request, bool urgent, std::string what);

    std::size_t waiting() const noexcept { return queue_.size(); }
    bool busy() const noexcept { return current_.has_value(); }

private:
    struct Item {
        Request request;
        bool urgent = false;
        std::string what;
        int tries = 0;
    };
    void next();
    void attempt();
    void on_response(const Response& r);
    static bool retryable(const Response& r);
    static std::string describe(const Response& r);
    void count(std::uint64_t Counters::*field);

    OutboxOptions options_;
    Counters* counters_;
    std::shared_ptr<spdlog::logger> log_;
    std::unique_ptr<Client> client_;  // null: no network
    std::unique_ptr<Timer> retry_timer_;
    std::deque<Item> queue_;
    std::optional<Item> current_;
    std::uint64_t dropped_ = 0;
};

}  // namespace bedtimed::integrations::http
