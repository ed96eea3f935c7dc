#include "gotify.hpp"

#include <algorithm>

#include "codec_util.hpp"
#include "http/http_options.hpp"
#include "http/outbox.hpp"

namespace bedtimed::integrations {

namespace {

using detail::OrderedJson;

constexpr int kUrgentPriority = 8;

class GotifyNotifier final : public Notifier {
public:
    GotifyNotifier(http::Url url, std::string token, int priority, std::string click,
                   NotifierContext& ctx, http::OutboxOptions o)
        : url_(std::move(url)), token_(std::move(token)), priority_(priority),
          click_(std::move(click)), outbox_(ctx, std::move(o)) {}

    void notify(const Reminder& r) override {
        OrderedJson j;
        j["title"] = r.title;
        // Gotify refuses an empty message.
        j["message"] = r.message.empty() ? r.title : r.message;
        j["priority"] = r.urgent ? std::max(priority_, kUrgentPriority) : priority_;
        if (!click_.empty())
            j["extras"]["client::notification"]["click"]["url"] =
                http::fill_placeholders(click_, r);
        http::Request req;
        req.url = url_;
        req.headers.emplace_back("Content-Type", "application/json");
        req.headers.emplace_back("X-Gotify-Key", token_);
        req.body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        outbox_.send(std::move(req), r.urgent, "'" + r.step + "' for " + r.sleeper);
    }

private:
    http::Url url_;
    std::string token_;
    int priority_;
    std::string click_;
    http::Outbox outbox_;
};

std::unique_ptr<Notifier> create(const config::NotifierSpec& spec, OptionReader& options,
                                 NotifierContext& ctx) {
    const http::Url base = http::url_option(options, "url");
    // The token goes in a header, not in ?token=, so that it stays out of proxy logs.
    std::string token = http::read_secret_option(options, "token", ctx);
    const int priority = detail::int_option(options, "priority", 5, 0, 10);
    std::string click;
    if (http::optional_url_option(options, "click")) click = options.get_or("click", "");
    auto outbox = http::outbox_options(options, spec, ctx);
    return std::make_unique<GotifyNotifier>(base.with_path(http::join_path(base.path, "message")),
                                            std::move(token), priority, std::move(click), ctx,
                                            std::move(outbox));
}

}  // namespace

const NotifierIntegration kGotifyNotifier{"gotify", &create};

}  // namespace bedtimed::integrations
