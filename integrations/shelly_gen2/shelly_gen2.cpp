#include "shelly_gen2.hpp"

#include "codec_util.hpp"

namespace bedtimed::integrations {

namespace {

using detail::OrderedJson;

struct Common {
    std::string prefix;
    int id = 0;
    std::string src;

    std::string rpc_topic() const { return prefix + "/rpc"; }
    std::string events_topic() const { return prefix + "/events/rpc"; }

    DeviceCommand rpc(int request_id, const char* method, OrderedJson params) const {
        OrderedJson frame;
        frame["id"] = request_id;
        frame["src"] = src;
        frame["method"] = method;
        frame["params"] = std::move(params);
        return detail::command(rpc_topic(), frame.dump());
    }
};

Common read_common(OptionReader& options) {
    Common c;
    c.prefix = options.require("prefix");
    while (c.prefix.size() > 1 && c.prefix.back() == '/') c.prefix.pop_back();
    c.id = detail::int_option(options, "id", 0, 0, 255);
    c.src = options.get_or("src", "bedtimed");
    detail::check_publish_topic(options, "prefix", c.prefix);
    detail::check_publish_topic(options, "src", c.src + "/rpc");
    return c;
}

// The component's status inside a NotifyStatus/NotifyFullStatus frame, or nullptr.
const nlohmann::json* notified_component(const nlohmann::json& frame, const std::string& key) {
    const auto* method = detail::member(frame, "method");
    if (method == nullptr || !method->is_string()) return nullptr;
    const auto& m = method->get_ref<const std::string&>();
    if (m != "NotifyStatus" && m != "NotifyFullStatus") return nullptr;
    const auto* params = detail::member(frame, "params");
    return params == nullptr ? nullptr : detail::member(*params, key);
}

// One field of a component's status, from either of the two places Shelly
// reports it: the component's status topic, or a notification frame on the
// events topic. nullopt when the message says nothing about it.
std::optional<nlohmann::json> component_field(const Common& c, const std::string& status_topic,
                                              const std::string& key, std::string_view topic,
                                              std::string_view payload, const char* field) {
    const auto j = detail::parse_object(payload);
    if (!j) return std::nullopt;
    const nlohmann::json* status = nullptr;
    if (topic == status_topic)
        status = &*j;
    else if (topic == c.events_topic())
        status = notified_component(*j, key);
    if (status == nullptr) return std::nullopt;
    const auto* value = detail::member(*status, field);
    if (value == nullptr) return std::nullopt;
    return *value;
}

class ShellySwitch final : public SwitchDevice {
public:
    explicit ShellySwitch(OptionReader& options)
        : c_(read_common(options)), key_("switch:" + std::to_string(c_.id)),
          status_topic_(c_.prefix + "/status/" + key_) {}

    std::vector<DeviceCommand> turn_on(std::chrono::seconds auto_off) const override {
        OrderedJson params;
        params["id"] = c_.id;
        params["on"] = true;
        params["toggle_after"] = detail::cap_seconds(auto_off);
        return {c_.rpc(1, "Switch.Set", std::move(params))};
    }

    std::vector<DeviceCommand> turn_off() const override {
        OrderedJson params;
        params["id"] = c_.id;
        params["on"] = false;
        return {c_.rpc(1, "Switch.Set", std::move(params))};
    }

    std::vector<DeviceCommand> prepare(std::chrono::seconds cap) const override {
        // Field names from Shelly's Switch component docs (Switch.SetConfig);
        // unverified on hardware. initial_state "off" is the power-on state,
        // auto_off/auto_off_delay the device-side cap for every switch-on.
        OrderedJson config;
        config["initial_state"] = "off";
        config["auto_off"] = true;
        config["auto_off_delay"] = detail::cap_seconds(cap);
        OrderedJson params;
        params["id"] = c_.id;
        params["config"] = std::move(config);
        return {c_.rpc(2, "Switch.SetConfig", std::move(params))};
    }

    bool supports_device_auto_off() const override { return true; }

    std::vector<std::string> state_topics() const override {
        return {status_topic_, c_.events_topic()};
    }

    std::optional<bool> parse_state(std::string_view topic,
                                    std::string_view payload) const override {
        const auto output = component_field(c_, status_topic_, key_, topic, payload, "output");
        if (!output || !output->is_boolean()) return std::nullopt;
        return output->get<bool>();
    }

private:
    Common c_;
    std::string key_;           // switch:<id>
    std::string status_topic_;  // <prefix>/status/switch:<id>
};

class ShellyCover final : public PositionDevice {
public:
    explicit ShellyCover(OptionReader& options)
        : c_(read_common(options)), key_("cover:" + std::to_string(c_.id)),
          status_topic_(c_.prefix + "/status/" + key_) {}

    std::vector<DeviceCommand> move_to(double percent) const override {
        OrderedJson params;
        params["id"] = c_.id;
        params["pos"] = detail::whole_percent(percent);
        return {c_.rpc(3, "Cover.GoToPosition", std::move(params))};
    }

    std::vector<DeviceCommand> stop() const override {
        OrderedJson params;
        params["id"] = c_.id;
        return {c_.rpc(4, "Cover.Stop", std::move(params))};
    }

    std::vector<std::string> state_topics() const override {
        return {status_topic_, c_.events_topic()};
    }

    std::optional<double> parse_position(std::string_view topic,
                                         std::string_view payload) const override {
        const auto pos = component_field(c_, status_topic_, key_, topic, payload, "current_pos");
        return detail::percent_of(pos ? &*pos : nullptr);
    }

private:
    Common c_;
    std::string key_;           // cover:<id>
    std::string status_topic_;  // <prefix>/status/cover:<id>
};

std::unique_ptr<SwitchDevice> make_switch(const config::ActuatorSpec& /*spec*/,
                                          OptionReader& options) {
    return std::make_unique<ShellySwitch>(options);
}

std::unique_ptr<PositionDevice> make_position(const config::ActuatorSpec& /*spec*/,
                                              OptionReader& options) {
    return std::make_unique<ShellyCover>(options);
}

}  // namespace

const DeviceIntegration kShellyGen2{"shelly_gen2", &make_switch, &make_position};

}  // namespace bedtimed::integrations
