#include "shelly_gen2.hpp"

#include <cmath>

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
    if (topic == status_topic) status = &*j;
    else if (topic == c.events_topic()) status = notified_component(*j, key);
    if (status == nullptr) return std::nullopt;
    const auto* value = detail::member(*status, field);
    if (value == nullptr) return std::nullopt;
    return *value;
}

class ShellySwitch final : public SwitchDevice {
public:
    explicit ShellySwitch(OptionReader& options)
        : c_(read_common(options)), key_("switch:" + std::to_string(c_.id)),
          status_topic_(c_.prefix + "/status/" + key_), reply_src_(c_.src + "/" + c_.prefix) {}

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

    // --- Device truth ------------------------------------------------------
    SwitchFacts initial_facts() const override {
        SwitchFacts f;
        f.cap_method = "auto_off";
        f.cap = DeviceCap::unverified;
        f.cap_note = "auto_off set with Switch.SetConfig, not read back yet";
        return f;
    }

    std::vector<std::string> fact_topics() const override { return {reply_src_ + "/rpc"}; }

    std::vector<DeviceCommand> read_cap() const override {
        OrderedJson params;
        params["id"] = c_.id;
        OrderedJson frame;
        frame["id"] = kGetConfigId;
        frame["src"] = reply_src_;
        frame["method"] = "Switch.GetConfig";
        frame["params"] = std::move(params);
        return {detail::command(c_.rpc_topic(), frame.dump())};
    }

    std::optional<SwitchFacts> learn(std::string_view topic, std::string_view payload,
                                     const SwitchFacts& known) const override {
        if (topic != reply_src_ + "/rpc") return std::nullopt;
        const auto j = detail::parse_object(payload);
        if (!j) return std::nullopt;
        const auto* id = detail::member(*j, "id");
        if (id == nullptr || !id->is_number_integer() || id->get<long long>() != kGetConfigId)
            return std::nullopt;
        const auto* result = detail::member(*j, "result");
        if (result == nullptr || !result->is_object())
            return std::nullopt;  // also an "error" reply
        const auto* component = detail::member(*result, "id");
        if (component == nullptr || !component->is_number_integer() ||
            component->get<long long>() != c_.id)
            return std::nullopt;
        const auto* auto_off = detail::member(*result, "auto_off");
        const auto* delay = detail::member(*result, "auto_off_delay");
        const bool on = auto_off != nullptr && auto_off->is_boolean() && auto_off->get<bool>();
        const double d = delay != nullptr && delay->is_number() ? delay->get<double>() : 0.0;
        SwitchFacts f = known;
        f.cap_method = "auto_off";
        if (on && std::isfinite(d) && d > 0) {
            f.cap = DeviceCap::verified;
            f.cap_note = "Switch.GetConfig read back: auto_off true, auto_off_delay " +
                         std::to_string(std::llround(d)) + " s";
        } else {
            f.cap = DeviceCap::none;
            f.cap_note = std::string("Switch.GetConfig read back: auto_off ") +
                         (on ? "true" : "false") + ", auto_off_delay " +
                         std::to_string(std::llround(std::isfinite(d) ? d : 0.0)) +
                         " s: the switch has no timer";
        }
        if (f == known) return std::nullopt;
        return f;
    }

    std::optional<double> parse_power(std::string_view topic,
                                      std::string_view payload) const override {
        const auto p = component_field(c_, status_topic_, key_, topic, payload, "apower");
        if (!p || !p->is_number()) return std::nullopt;
        const double w = p->get<double>();
        if (!std::isfinite(w) || w < 0.0) return std::nullopt;
        return w;
    }

    std::vector<DeviceCommand> turn_on_with(std::chrono::seconds auto_off,
                                            const SwitchFacts& facts) const override {
        if (facts.cap != DeviceCap::none) return turn_on(auto_off);
        // Device contract: with cap none, no cap at all.
        OrderedJson params;
        params["id"] = c_.id;
        params["on"] = true;
        return {c_.rpc(1, "Switch.Set", std::move(params))};
    }
    // ----------------------------------------------------------------------

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
    static constexpr int kGetConfigId = 5;

    Common c_;
    std::string key_;           // switch:<id>
    std::string status_topic_;  // <prefix>/status/switch:<id>
    // "<src>/<prefix>": the reply to Switch.GetConfig comes on "<src>/<prefix>/rpc",
    // a topic of this device alone (several Shellys may share `src`).
    std::string reply_src_;
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
