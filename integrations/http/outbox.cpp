#include "outbox.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace bedtimed::integrations::http {

namespace {

std::string seconds_text(Duration d) {
    return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(d).count()) + "s";
}

}  // namespace

Outbox::Outbox(NotifierContext& ctx, OutboxOptions options)
    : options_(std::move(options)), counters_(ctx.counters),
      log_(ctx.log ? ctx.log : spdlog::default_logger()) {
    if (ctx.io != nullptr) {
        client_ = std::make_unique<Client>(*ctx.io, ctx.clock, options_.client);
        retry_timer_ = ctx.clock.make_timer();
    }
}

// The timer and client go first: both may call back into this object.
Outbox::~Outbox() {
    retry_timer_.reset();
    client_.reset();
}

void Outbox::count(std::uint64_t Counters::*field) {
    if (counters_ != nullptr) ++(counters_->*field);
}

void Outbox::send(Request request, bool urgent, std::string what) {
    if (!client_) {
        log_->debug("{}: no network here; would {} {} for {}", options_.label, request.method,
                    request.url.display(), what);
        return;
    }
    queue_.push_back(Item{std::move(request), urgent, std::move(what), 0});
    if (queue_.size() > options_.max_queue) {
        // The oldest non-urgent one goes: it is the most likely to be stale by now.
        auto victim =
            std::find_if(queue_.begin(), queue_.end(), [](const Item& i) { return !i.urgent; });
        if (victim == queue_.end()) victim = queue_.begin();
        ++dropped_;
        count(&Counters::notify_dropped);
        log_->warn("{}: queue full ({} waiting), dropped {} ({} dropped since start)",
                   options_.label, options_.max_queue, victim->what, dropped_);
        queue_.erase(victim);
    }
    if (!current_) next();
}

void Outbox::next() {
    if (queue_.empty()) return;
    current_ = std::move(queue_.front());
    queue_.pop_front();
    attempt();
}

void Outbox::attempt() {
    ++current_->tries;
    client_->send(current_->request, [this](Response r) { on_response(r); });
}

bool Outbox::retryable(const Response& r) {
    if (!r.error.empty()) return true;
    return r.status >= 500 || r.status == 408 || r.status == 429;
}

std::string Outbox::describe(const Response& r) {
    if (!r.error.empty()) return r.error;
    return "HTTP " + std::to_string(r.status);
}

void Outbox::on_response(const Response& r) {
    Item& item = *current_;
    const int max_tries = static_cast<int>(options_.retry_after.size()) + 1;
    if (r.ok()) {
        count(&Counters::notify_delivered);
        if (item.tries > 1)
            log_->info("{}: delivered {} on try {}", options_.label, item.what, item.tries);
        else log_->debug("{}: delivered {} (HTTP {})", options_.label, item.what, r.status);
    } else if (!retryable(r)) {
        count(&Counters::notify_failures);
        log_->error("{}: {} to {} failed: {} (not retried: check the URL and credentials)",
                    options_.label, item.what, item.request.url.display(), describe(r));
    } else if (item.tries < max_tries) {
        const Duration wait = options_.retry_after[static_cast<std::size_t>(item.tries - 1)];
        count(&Counters::notify_retries);
        log_->warn("{}: try {} of {} for {} to {} failed: {}; next try in {}", options_.label,
                   item.tries, max_tries, item.what, item.request.url.display(), describe(r),
                   seconds_text(wait));
        retry_timer_->arm(wait, [this] { attempt(); });
        return;
    } else {
        count(&Counters::notify_failures);
        log_->error("{}: gave up on {} to {} after {} tries: {}", options_.label, item.what,
                    item.request.url.display(), item.tries, describe(r));
    }
    current_.reset();
    next();
}

}  // namespace bedtimed::integrations::http
