#include "ntfy.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>

#include "codec_util.hpp"
#include "http/http_options.hpp"
#include "http/outbox.hpp"

namespace bedtimed::integrations {

namespace {

using detail::OrderedJson;

constexpr int kUrgentPriority = 5;
constexpr std::size_t kMaxActions = 3;  // ntfy shows at most three buttons

bool valid_topic(const std::string& t) {
    return !t.empty() && t.size() <= 64 && std::all_of(t.begin(), t.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-';
    });
}

// The id ntfy (2.16 and later) keeps for a reminder's notification, the same
// for every send of one step to one sleeper: a repeat or snooze replaces the
// copy on the phone, and Done clears it by this id. ntfy takes 1-64 of
// A-Z a-z 0-9 _ -, so anything else becomes '_'.
std::string sequence_id(const Reminder& r) {
    std::string id = "bedtimed-" + r.sleeper + "-" + r.step;
    for (char& c : id)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') c = '_';
    return id.substr(0, 64);
}

int priority_option(OptionReader& options) {
    const std::string text = options.get_or("priority", "3");
    static const char* kNames[] = {"min", "low", "default", "high", "max"};
    for (int i = 0; i < 5; ++i)
        if (text == kNames[i] || text == std::to_string(i + 1)) return i + 1;
    if (text == "urgent") return 5;
    options.fail("priority", "option 'priority' of " + options.what() +
                                 " must be 1-5 or min, low, default, high, max, not '" + text +
                                 "'");
}

const config::Option* field(const config::Option& map, const std::string& key) {
    for (std::size_t i = 0; i < map.keys.size(); ++i)
        if (map.keys[i] == key) return &map.items[i];
    return nullptr;
}

// One action button, checked now; "{sleeper}"/"{step}" are filled in per reminder.
OrderedJson parse_action(OptionReader& options, const config::Option& a) {
    const std::string where = "an action of " + options.what();
    if (a.shape != config::Option::Shape::map)
        options.fail_at(a,
                        where + " must be a map like {action: view, label: Open, url: https://…}");
    for (std::size_t i = 0; i < a.keys.size(); ++i) {
        static const char* kKnown[] = {"action", "label",   "url",  "method",
                                       "body",   "headers", "clear"};
        if (std::find(std::begin(kKnown), std::end(kKnown), a.keys[i]) == std::end(kKnown))
            options.fail_at(a.items[i], where + " has an unknown key '" + a.keys[i] +
                                            "' (action, label, url, method, body, headers, clear)");
        if (a.keys[i] != "headers" && a.items[i].shape != config::Option::Shape::scalar)
            options.fail_at(a.items[i],
                            "'" + a.keys[i] + "' in " + where + " must be a single value");
    }
    auto text = [&](const char* key) -> std::string {
        const auto* f = field(a, key);
        return f ? f->value : std::string();
    };
    const std::string type = text("action");
    if (type != "view" && type != "http" && type != "broadcast")
        options.fail_at(field(a, "action") ? *field(a, "action") : a,
                        where + " needs 'action: view', 'http' or 'broadcast'");
    if (text("label").empty()) options.fail_at(a, where + " needs a 'label'");
    OrderedJson j;
    j["action"] = type;
    j["label"] = text("label");
    if (type != "broadcast") {
        const auto* url = field(a, "url");
        if (url == nullptr || url->value.empty()) options.fail_at(a, where + " needs a 'url'");
        std::string error;
        Reminder probe;
        probe.sleeper = "x";
        probe.step = "x";
        if (!http::parse_url(http::fill_placeholders(url->value, probe), error))
            options.fail_at(*url, "the url in " + where + " is not a valid URL: it " + error);
        j["url"] = url->value;
    } else if (field(a, "url")) {
        options.fail_at(*field(a, "url"),
                        "a broadcast action of " + options.what() + " takes no url");
    }
    if (const auto* m = field(a, "method")) {
        if (type != "http") options.fail_at(*m, "'method' only applies to http actions");
        if (m->value != "POST" && m->value != "PUT" && m->value != "GET")
            options.fail_at(*m, "'method' in " + where + " must be POST, PUT or GET");
        j["method"] = m->value;
    }
    if (const auto* b = field(a, "body")) {
        if (type != "http") options.fail_at(*b, "'body' only applies to http actions");
        j["body"] = b->value;
    }
    if (const auto* h = field(a, "headers")) {
        if (type != "http") options.fail_at(*h, "'headers' only applies to http actions");
        if (h->shape != config::Option::Shape::map)
            options.fail_at(*h, "'headers' in " + where + " must be a map of header: value");
        OrderedJson hj = OrderedJson::object();
        for (std::size_t i = 0; i < h->keys.size(); ++i) {
            if (h->items[i].shape != config::Option::Shape::scalar)
                options.fail_at(h->items[i], "header values in " + where + " must be strings");
            hj[h->keys[i]] = h->items[i].value;
        }
        j["headers"] = hj;
    }
    if (const auto* c = field(a, "clear")) {
        if (c->value != "true" && c->value != "false")
            options.fail_at(*c, "'clear' in " + where + " must be true or false");
        j["clear"] = c->value == "true";
    }
    return j;
}

class NtfyNotifier final : public Notifier {
public:
    struct Settings {
        http::Url url;
        std::string topic;
        std::string authorization;  // the whole header value, or empty
        int priority = 3;
        std::vector<std::string> tags;
        std::string click;
        std::vector<OrderedJson> actions;
        std::string ack_url;  // where the Done / Snooze buttons POST; empty = no buttons
    };

    NtfyNotifier(Settings s, NotifierContext& ctx, http::OutboxOptions o)
        : s_(std::move(s)), label_(o.label), log_(ctx.log ? ctx.log : spdlog::default_logger()),
          counters_(ctx.counters), outbox_(ctx, std::move(o)) {}

    void notify(const Reminder& r) override {
        const std::string topic = http::fill_placeholders(s_.topic, r);
        if (!valid_topic(topic)) {
            // A sleeper name that is valid for bedtimed can still make the topic too long.
            log_->error("{}: not sending '{}' for {}: '{}' is not a valid ntfy topic", label_,
                        r.step, r.sleeper, topic);
            if (counters_ != nullptr) ++counters_->notify_failures;
            return;
        }
        OrderedJson j;
        j["topic"] = topic;
        j["sequence_id"] = sequence_id(r);
        j["title"] = r.title;
        j["message"] = r.message.empty() ? r.title : r.message;
        j["priority"] = r.urgent ? kUrgentPriority : s_.priority;
        if (!s_.tags.empty()) j["tags"] = s_.tags;
        if (!s_.click.empty()) j["click"] = http::fill_placeholders(s_.click, r);
        if (!s_.actions.empty() || !s_.ack_url.empty()) {
            OrderedJson list = OrderedJson::array();
            for (OrderedJson a : s_.actions) {
                for (const char* key : {"label", "url", "body"})
                    if (a.contains(key))
                        a[key] = http::fill_placeholders(a[key].get<std::string>(), r);
                list.push_back(std::move(a));
            }
            if (!s_.ack_url.empty() && !r.answers.empty()) {
                // ntfy shows at most 3 buttons: the answers take them all.
                list = OrderedJson::array();
                for (const auto& a : r.answers)
                    if (list.size() < kMaxActions)
                        list.push_back(answer_button(a.label, a.action_id, r));
            } else if (!s_.ack_url.empty()) {
                list.push_back(answer_button("Done", done_action_id(r.sleeper, r.step), r));
                if (!r.urgent && r.snooze.count() > 0)
                    list.push_back(
                        answer_button("Snooze " + std::to_string(r.snooze.count()) + " min",
                                      snooze_action_id(r.sleeper, r.step), r));
            }
            j["actions"] = std::move(list);
        }
        http::Request req;
        req.url = s_.url;
        req.headers.emplace_back("Content-Type", "application/json");
        if (!s_.authorization.empty()) req.headers.emplace_back("Authorization", s_.authorization);
        // Replace invalid UTF-8 rather than throw: notify() must not throw.
        req.body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        outbox_.send(std::move(req), r.urgent, "'" + r.step + "' for " + r.sleeper);
    }

    // Done came back: `PUT <url>/<topic>/<sequence id>/clear` dismisses the
    // copy on every phone subscribed to the topic (ntfy 2.16 and later; an
    // older server answers 404, logged as a failure and not retried).
    void clear(const Reminder& r) override {
        const std::string topic = http::fill_placeholders(s_.topic, r);
        if (!valid_topic(topic)) return;  // never sent (notify() said so)
        http::Request req;
        req.method = "PUT";
        req.url =
            s_.url.with_path(http::join_path(s_.url.path, topic + "/" + sequence_id(r) + "/clear"));
        if (!s_.authorization.empty()) req.headers.emplace_back("Authorization", s_.authorization);
        outbox_.send(std::move(req), false, "clearing '" + r.step + "' for " + r.sleeper);
    }

private:
    // An `http` action that POSTs {"action":"<id>"} to ack_url, the body the
    // Home Assistant webhook automation in the README forwards to MQTT.
    OrderedJson answer_button(const std::string& label, const std::string& id,
                              const Reminder& r) const {
        OrderedJson a;
        a["action"] = "http";
        a["label"] = label;
        a["url"] = http::fill_placeholders(s_.ack_url, r);
        a["method"] = "POST";
        a["headers"] = {{"Content-Type", "application/json"}};
        a["body"] = OrderedJson{{"action", id}}.dump();
        a["clear"] = true;
        return a;
    }

    Settings s_;
    std::string label_;
    std::shared_ptr<spdlog::logger> log_;
    Counters* counters_;
    http::Outbox outbox_;
};

std::unique_ptr<Notifier> create(const config::NotifierSpec& spec, OptionReader& options,
                                 NotifierContext& ctx) {
    NtfyNotifier::Settings s;
    s.url = http::url_option(options, "url");
    s.topic = options.require("topic");
    {
        Reminder probe;
        probe.sleeper = "x";
        probe.step = "x";
        if (!valid_topic(http::fill_placeholders(s.topic, probe)))
            options.fail("topic",
                         "option 'topic' of " + options.what() +
                             " must be 1-64 letters, digits, _ or - (\"{sleeper}\" allowed)");
    }
    const bool has_token = http::has_secret_option(options, "token");
    const bool has_user = options.has("user") || http::has_secret_option(options, "password");
    if (has_token && has_user)
        options.fail(options.has("token_file") ? "token_file" : "token_credential",
                     options.what() +
                         ": set token_file/token_credential, or user and password_file/"
                         "password_credential, not both");
    if (has_token) {
        s.authorization = "Bearer " + http::read_secret_option(options, "token", ctx);
    } else if (has_user) {
        const std::string user = options.require("user");
        if (user.find(':') != std::string::npos)
            options.fail("user", "option 'user' of " + options.what() + " must not contain ':'");
        const std::string password = http::read_secret_option(options, "password", ctx);
        s.authorization = http::basic_auth(user + ":" + password);
    } else if (!s.url.userinfo.empty()) {
        s.authorization = http::basic_auth(s.url.userinfo);
    }
    s.priority = priority_option(options);
    s.tags = http::string_list_option(options, "tags");
    if (auto click = http::optional_url_option(options, "click"))
        s.click = options.get_or("click", "");
    if (const auto* actions = options.node("actions")) {
        if (actions->shape != config::Option::Shape::list)
            options.fail_at(*actions, "option 'actions' of " + options.what() + " must be a list");
        if (actions->items.size() > kMaxActions)
            options.fail_at(*actions, options.what() + " has " +
                                          std::to_string(actions->items.size()) +
                                          " actions; ntfy shows at most 3");
        for (const auto& a : actions->items) s.actions.push_back(parse_action(options, a));
    }
    if (http::optional_url_option(options, "ack_url")) {
        s.ack_url = options.get_or("ack_url", "");
        if (s.actions.size() + 2 > kMaxActions)
            options.fail("ack_url", options.what() +
                                        ": ack_url adds the Done and Snooze buttons, so at most " +
                                        std::to_string(kMaxActions - 2) +
                                        " of 'actions' fit (ntfy shows 3)");
    }
    auto outbox = http::outbox_options(options, spec, ctx);
    return std::make_unique<NtfyNotifier>(std::move(s), ctx, std::move(outbox));
}

}  // namespace

const NotifierIntegration kNtfyNotifier{"ntfy", &create};

}  // namespace bedtimed::integrations
