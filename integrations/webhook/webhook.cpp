#include "webhook.hpp"

#include <algorithm>

#include "codec_util.hpp"
#include "iso8601.hpp"
#include "http/http_options.hpp"
#include "http/outbox.hpp"

namespace bedtimed::integrations {

namespace {

using detail::OrderedJson;

// RFC 9110 token characters.
bool valid_header_name(const std::string& s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    });
}

bool same_name(std::string a, std::string b) {
    auto low = [](std::string s) {
        for (char& c : s)
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        return s;
    };
    return low(std::move(a)) == low(std::move(b));
}

class WebhookNotifier final : public Notifier {
public:
    WebhookNotifier(http::Url url, std::vector<std::pair<std::string, std::string>> headers,
                    NotifierContext& ctx, http::OutboxOptions o)
        : url_(std::move(url)), headers_(std::move(headers)), clock_(ctx.clock),
          outbox_(ctx, std::move(o)) {}

    void notify(const Reminder& r) override {
        OrderedJson j;
        j["sleeper"] = r.sleeper;
        j["step"] = r.step;
        j["title"] = r.title;
        j["message"] = r.message;
        j["urgent"] = r.urgent;
        j["at"] = format_iso8601(r.at == WallTime{} ? clock_.wall_now() : r.at);
        http::Request req;
        req.url = url_;
        req.headers.emplace_back("Content-Type", "application/json");
        for (const auto& h : headers_) req.headers.push_back(h);
        req.body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        outbox_.send(std::move(req), r.urgent, "'" + r.step + "' for " + r.sleeper);
    }

private:
    http::Url url_;
    std::vector<std::pair<std::string, std::string>> headers_;
    Clock& clock_;
    http::Outbox outbox_;
};

std::unique_ptr<Notifier> create(const config::NotifierSpec& spec, OptionReader& options,
                                 NotifierContext& ctx) {
    const http::Url url = http::url_option(options, "url");
    std::vector<std::pair<std::string, std::string>> headers;
    if (!url.userinfo.empty())
        headers.emplace_back("Authorization", http::basic_auth(url.userinfo));
    if (const auto* h = options.node("headers")) {
        const std::string where = "option 'headers' of " + options.what();
        if (h->shape != config::Option::Shape::map)
            options.fail_at(
                *h,
                where + " must be a map of header: value (or {file: path}, {credential: name})");
        for (std::size_t i = 0; i < h->keys.size(); ++i) {
            const std::string& name = h->keys[i];
            const config::Option& v = h->items[i];
            if (!valid_header_name(name))
                options.fail_at(v, where + ": '" + name + "' is not a valid header name");
            for (const char* reserved :
                 {"Host", "Content-Length", "Content-Type", "Connection", "Transfer-Encoding"})
                if (same_name(name, reserved))
                    options.fail_at(v, where + ": bedtimed sets '" + name + "' itself");
            std::string value;
            if (v.shape == config::Option::Shape::scalar) {
                value = v.value;
                if (value.find_first_of("\r\n") != std::string::npos)
                    options.fail_at(v, where + ": the value of '" + name + "' must be one line");
            } else if (v.shape == config::Option::Shape::map && v.keys.size() == 1 &&
                       v.keys[0] == "file") {
                value = http::read_secret(options, v.items[0], "the file for header '" + name + "'",
                                          ctx);
            } else if (v.shape == config::Option::Shape::map && v.keys.size() == 1 &&
                       v.keys[0] == "credential") {
                value = http::read_credential(options, v.items[0],
                                              "the credential for header '" + name + "'", ctx);
            } else {
                options.fail_at(v, where + ": the value of '" + name +
                                       "' must be a string, {file: path} or {credential: name}");
            }
            headers.emplace_back(name, std::move(value));
        }
    }
    auto outbox = http::outbox_options(options, spec, ctx);
    return std::make_unique<WebhookNotifier>(url, std::move(headers), ctx, std::move(outbox));
}

}  // namespace

const NotifierIntegration kWebhookNotifier{"webhook", &create};

}  // namespace bedtimed::integrations
