#include "mqtt_notifier.hpp"

#include <spdlog/spdlog.h>

#include "codec_util.hpp"
#include "iso8601.hpp"

namespace bedtimed::integrations {

namespace {

constexpr std::string_view kSleeperPlaceholder = "{sleeper}";

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
    for (std::size_t pos = text.find(from); pos != std::string::npos;
         pos = text.find(from, pos + to.size()))
        text.replace(pos, from.size(), to);
    return text;
}

class MqttNotifier final : public Notifier {
public:
    MqttNotifier(std::string topic, int qos, bool retain, NotifierContext& ctx)
        : topic_(std::move(topic)), qos_(qos), retain_(retain), bus_(ctx.bus), clock_(ctx.clock),
          log_(ctx.log ? ctx.log : spdlog::default_logger()) {}

    void notify(const Reminder& r) override {
        const std::string topic = replace_all(topic_, kSleeperPlaceholder, r.sleeper);
        if (!is_valid_publish_topic(topic)) {
            // A sleeper name with + or # (or an empty one) cannot go into a topic.
            log_->error("mqtt notifier: not publishing '{}' for '{}': invalid topic '{}'", r.title,
                        r.sleeper, topic);
            return;
        }
        detail::OrderedJson j;
        j["sleeper"] = r.sleeper;
        j["step"] = r.step;
        j["title"] = r.title;
        j["message"] = r.message;
        j["urgent"] = r.urgent;
        j["at"] = format_iso8601(r.at == WallTime{} ? clock_.wall_now() : r.at);
        // Replace invalid UTF-8 rather than throw: notify() must not throw.
        bus_.publish(topic, j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), qos_,
                     retain_);
    }

    // `<topic>/clear`, so that whatever shows the reminder can take it away.
    void clear(const Reminder& r) override {
        const std::string topic = replace_all(topic_, kSleeperPlaceholder, r.sleeper) + "/clear";
        if (!is_valid_publish_topic(topic)) return;
        detail::OrderedJson j;
        j["sleeper"] = r.sleeper;
        j["step"] = r.step;
        j["cleared_at"] = format_iso8601(clock_.wall_now());
        bus_.publish(topic, j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), qos_,
                     false);
    }

private:
    std::string topic_;
    int qos_;
    bool retain_;
    Bus& bus_;
    Clock& clock_;
    std::shared_ptr<spdlog::logger> log_;
};

std::unique_ptr<Notifier> create(const config::NotifierSpec& /*spec*/, OptionReader& options,
                                 NotifierContext& ctx) {
    const std::string topic = options.require("topic");
    detail::check_publish_topic(options, "topic", replace_all(topic, kSleeperPlaceholder, "x"));
    const int qos = detail::int_option(options, "qos", 1, 0, 2);
    const bool retain = detail::bool_option(options, "retain", false);
    return std::make_unique<MqttNotifier>(topic, qos, retain, ctx);
}

}  // namespace

const NotifierIntegration kMqttNotifier{"mqtt", &create};

}  // namespace bedtimed::integrations
