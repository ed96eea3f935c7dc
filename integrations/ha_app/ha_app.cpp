#include "ha_app.hpp"

#include <algorithm>

#include "codec_util.hpp"
#include "http/http_options.hpp"
#include "http/outbox.hpp"

namespace bedtimed::integrations {

std::string ha_done_action_id(const std::string& sleeper, const std::string& step) {
    return done_action_id(sleeper, step);
}

std::string ha_snooze_action_id(const std::string& sleeper, const std::string& step) {
    return snooze_action_id(sleeper, step);
}

namespace {

using detail::OrderedJson;

class HaAppNotifier final : public Notifier {
public:
    HaAppNotifier(http::Url url, std::string token, bool actions, NotifierContext& ctx,
                  http::OutboxOptions o)
        : url_(std::move(url)), authorization_("Bearer " + std::move(token)), actions_(actions),
          outbox_(ctx, std::move(o)) {}

    void notify(const Reminder& r) override {
        OrderedJson j;
        // The companion app shows nothing for an empty message.
        j["message"] = r.message.empty() ? r.title : r.message;
        j["title"] = r.title;
        OrderedJson data;
        data["tag"] = "bedtimed-" + r.sleeper + "-" + r.step;
        if (actions_) {
            OrderedJson list = OrderedJson::array();
            for (const auto& a : r.answers)
                list.push_back({{"action", a.action_id}, {"title", a.label}});
            if (r.answers.empty())
                list.push_back(
                    {{"action", ha_done_action_id(r.sleeper, r.step)}, {"title", "Done"}});
            if (!r.urgent && r.snooze.count() > 0)
                list.push_back({{"action", ha_snooze_action_id(r.sleeper, r.step)},
                                {"title", "Snooze " + std::to_string(r.snooze.count()) + " min"}});
            data["actions"] = std::move(list);
        }
        if (r.urgent) {
            data["priority"] = "high";
            data["ttl"] = 0;
            data["push"]["interruption-level"] = "time-sensitive";
        }
        j["data"] = std::move(data);
        http::Request req;
        req.url = url_;
        req.headers.emplace_back("Content-Type", "application/json");
        req.headers.emplace_back("Authorization", authorization_);
        req.body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        outbox_.send(std::move(req), r.urgent, "'" + r.step + "' for " + r.sleeper);
    }

    // The companion app's own way: the message "clear_notification" with the tag.
    void clear(const Reminder& r) override {
        OrderedJson j;
        j["message"] = "clear_notification";
        j["data"]["tag"] = "bedtimed-" + r.sleeper + "-" + r.step;
        http::Request req;
        req.url = url_;
        req.headers.emplace_back("Content-Type", "application/json");
        req.headers.emplace_back("Authorization", authorization_);
        req.body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        outbox_.send(std::move(req), false, "clearing '" + r.step + "' for " + r.sleeper);
    }

private:
    http::Url url_;
    std::string authorization_;
    bool actions_;
    http::Outbox outbox_;
};

bool valid_service(const std::string& s) {
    return !s.empty() && s.size() <= 255 && std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    });
}

std::unique_ptr<Notifier> create(const config::NotifierSpec& spec, OptionReader& options,
                                 NotifierContext& ctx) {
    const http::Url base = http::url_option(options, "url");
    std::string service = options.require("service");
    if (service.rfind("notify.", 0) == 0)
        service.erase(0, 7);  // "notify.mobile_app_x" as HA writes it
    if (!valid_service(service))
        options.fail("service", "option 'service' of " + options.what() +
                                    " must be a notify service name like mobile_app_alex_phone "
                                    "(lower-case letters, digits and _)");
    std::string token = http::read_secret_option(options, "token", ctx);
    const bool actions = detail::bool_option(options, "actions", true);
    auto outbox = http::outbox_options(options, spec, ctx);
    return std::make_unique<HaAppNotifier>(
        base.with_path(http::join_path(base.path, "api/services/notify/" + service)),
        std::move(token), actions, ctx, std::move(outbox));
}

}  // namespace

const NotifierIntegration kHaAppNotifier{"ha_app", &create};

}  // namespace bedtimed::integrations
