#include "zigbee2mqtt.hpp"

#include <algorithm>
#include <cmath>

#include "bridge_devices.hpp"
#include "codec_util.hpp"

namespace bedtimed::integrations {

namespace {

using detail::OrderedJson;
using z2m::CapMode;
using z2m::kRuntimeEvidence;
using z2m::starts_with;
using z2m::string_member;

// OnWithTimedOff carries on_time in tenths of a second in a uint16 (max 0xFFFE),
// and Z2M multiplies the seconds we send by 10: 6553 s (~109 min) is the most a
// plug can hold. A longer cap is shortened, which errs on the safe side. Always
// an integer: 6553.5 would encode as 0xFFFF, "no timer" in ZCL.
constexpr long long kMaxOnTimeSeconds = 6553;
// Tuya's countdown (on_off_countdown converter): 0..43200 s.
constexpr long long kMaxCountdownSeconds = 43200;

const char* mode_name(CapMode m) {
    switch (m) {
        case CapMode::automatic:
            return "auto";
        case CapMode::on_time:
            return "on_time";
        case CapMode::countdown:
            return "countdown";
        case CapMode::none:
            return "none";
    }
    return "none";
}

struct Topics {
    std::string base;     // <base>
    std::string device;   // the friendly name
    std::string state;    // <base>/<device>
    std::string command;  // <base>/<device>/set
};

Topics read_topics(OptionReader& options) {
    const std::string device = options.require("device");
    std::string base = options.get_or("base_topic", "zigbee2mqtt");
    while (!base.empty() && base.back() == '/') base.pop_back();
    if (base.empty())
        options.fail("base_topic",
                     "option 'base_topic' of " + options.what() + " must not be empty");
    Topics t{base, device, base + "/" + device, base + "/" + device + "/set"};
    detail::check_publish_topic(options, "base_topic", base);
    detail::check_publish_topic(options, "device", t.command);
    return t;
}

CapMode read_cap_mode(OptionReader& options) {
    if (options.has("cap")) {
        if (options.has("on_time"))
            options.fail("on_time", "option 'on_time' of " + options.what() +
                                        " cannot be combined with 'cap' (use only 'cap')");
        const std::string text = options.get_or("cap", "auto");
        if (text == "auto") return CapMode::automatic;
        if (text == "on_time") return CapMode::on_time;
        if (text == "countdown") return CapMode::countdown;
        if (text == "none") return CapMode::none;
        options.fail("cap", "option 'cap' of " + options.what() +
                                " must be auto, on_time, countdown or none, not '" + text + "'");
    }
    // The old boolean: true meant "send on_time", which auto now decides per plug.
    return detail::bool_option(options, "on_time", true) ? CapMode::automatic : CapMode::none;
}

class Z2mSwitch final : public SwitchDevice {
public:
    explicit Z2mSwitch(OptionReader& options) : topics_(read_topics(options)) {
        mode_ = read_cap_mode(options);
        off_wait_time_ = detail::bool_option(options, "off_wait_time", false);
        const std::string pob = options.get_or("power_on_behavior", "off");
        if (pob == "keep") {
            set_power_on_off_ = false;
        } else if (pob != "off") {
            // on/toggle/previous could bring a heating pad back on after a power cut.
            options.fail("power_on_behavior",
                         "option 'power_on_behavior' of " + options.what() +
                             " must be 'off' or 'keep', not '" + pob +
                             "' (a heating pad must not come back on by itself)");
        }
    }

    // --- Device truth ------------------------------------------------------
    SwitchFacts initial_facts() const override {
        SwitchFacts f;
        if (mode_ == CapMode::none) {
            f.cap_method = "none";
            f.cap = DeviceCap::none;
            f.cap_note = "cap: none in the config";
        } else {
            f.cap = DeviceCap::unverified;
            f.cap_note =
                std::string("bridge/devices not seen yet; configured cap: ") + mode_name(mode_);
        }
        // Today's behaviour until bridge/devices tells which key this plug has.
        if (set_power_on_off_) {
            f.power_on_key = "power_on_behavior";
            f.power_on_value_json = "\"off\"";
        }
        return f;
    }

    std::vector<std::string> fact_topics() const override {
        return {topics_.base + "/bridge/devices", topics_.base + "/bridge/logging"};
    }

    std::optional<SwitchFacts> learn(std::string_view topic, std::string_view payload,
                                     const SwitchFacts& known) const override {
        std::optional<SwitchFacts> out;
        if (topic == topics_.base + "/bridge/devices")
            out = z2m::learn_from_bridge_devices(payload, topics_.device, mode_, known);
        else if (topic == topics_.base + "/bridge/logging") out = learn_logging(payload, known);
        if (out && *out == known) return std::nullopt;
        return out;
    }

    std::optional<double> parse_power(std::string_view topic,
                                      std::string_view payload) const override {
        if (topic != topics_.state) return std::nullopt;
        const auto j = detail::parse_object(payload);
        if (!j) return std::nullopt;
        const auto* p = detail::member(*j, "power");
        if (p == nullptr || !p->is_number()) return std::nullopt;
        const double w = p->get<double>();
        if (!std::isfinite(w) || w < 0.0) return std::nullopt;
        return w;
    }

    std::vector<DeviceCommand> turn_on_with(std::chrono::seconds auto_off,
                                            const SwitchFacts& facts) const override {
        std::string method = facts.cap_method;
        if (method.empty()) method = configured_method();
        if (facts.cap == DeviceCap::none) method = "none";
        OrderedJson j;
        j["state"] = "ON";
        if (method == "on_time") {
            j["on_time"] = std::min(detail::cap_seconds(auto_off), kMaxOnTimeSeconds);
            if (off_wait_time_) j["off_wait_time"] = 0;
        } else if (method == "countdown") {
            j["countdown"] = std::min(detail::cap_seconds(auto_off), kMaxCountdownSeconds);
        }
        // "none" or anything unknown: no cap key at all.
        return {detail::command(topics_.command, j.dump())};
    }

    std::vector<DeviceCommand> prepare_with(std::chrono::seconds /*cap*/,
                                            const SwitchFacts& facts) const override {
        if (!set_power_on_off_) return {};
        if (!facts.power_on_key.empty()) {
            OrderedJson j;
            j[facts.power_on_key] =
                nlohmann::ordered_json::parse(facts.power_on_value_json, nullptr, false);
            if (j[facts.power_on_key].is_discarded()) j[facts.power_on_key] = "off";
            return {detail::command(topics_.command, j.dump())};
        }
        // Learned: this plug has no power-on setting; sending one would be dropped.
        if (!facts.cap_method.empty()) return {};
        return {detail::command(topics_.command, R"({"power_on_behavior":"off"})")};
    }
    // ----------------------------------------------------------------------

    std::vector<DeviceCommand> turn_on(std::chrono::seconds auto_off) const override {
        return turn_on_with(auto_off, SwitchFacts{});
    }

    std::vector<DeviceCommand> turn_off() const override {
        return {detail::command(topics_.command, R"({"state":"OFF"})")};
    }

    std::vector<DeviceCommand> prepare(std::chrono::seconds cap) const override {
        return prepare_with(cap, SwitchFacts{});
    }

    bool supports_device_auto_off() const override { return mode_ != CapMode::none; }

    std::vector<std::string> state_topics() const override { return {topics_.state}; }

    std::optional<bool> parse_state(std::string_view topic,
                                    std::string_view payload) const override {
        if (topic != topics_.state) return std::nullopt;
        const auto j = detail::parse_object(payload);
        if (!j) return std::nullopt;
        return detail::on_off_member(*j, "state");
    }

private:
    std::string configured_method() const {
        switch (mode_) {
            case CapMode::automatic:
            case CapMode::on_time:
                return "on_time";
            case CapMode::countdown:
                return "countdown";
            case CapMode::none:
                return "none";
        }
        return "none";
    }

    std::optional<SwitchFacts> learn_logging(std::string_view payload,
                                             const SwitchFacts& known) const {
        const auto j = detail::parse_object(payload);
        if (!j) return std::nullopt;
        if (string_member(*j, "level") != "error") return std::nullopt;
        const std::string message = string_member(*j, "message");
        const std::string quoted = "'" + topics_.device + "'";
        bool dropped = false;
        for (const char* key : {"on_time", "countdown"})
            if (message.find(std::string("No converter available for '") + key + "' on " +
                             quoted) != std::string::npos)
                dropped = true;
        for (const char* key : {"state", "on_time", "countdown"})
            if (message.find(std::string("Publish 'set' '") + key + "' to " + quoted + " failed") !=
                std::string::npos)
                dropped = true;
        if (!dropped) return std::nullopt;
        if (known.cap == DeviceCap::none) return std::nullopt;  // already no cap
        SwitchFacts f = known;
        f.cap_method = "none";
        f.cap = DeviceCap::none;
        f.cap_note = std::string(kRuntimeEvidence) + message;
        return f;
    }

    Topics topics_;
    CapMode mode_ = CapMode::automatic;
    bool off_wait_time_ = false;
    bool set_power_on_off_ = true;
};

class Z2mCover final : public PositionDevice {
public:
    explicit Z2mCover(OptionReader& options) : topics_(read_topics(options)) {}

    std::vector<DeviceCommand> move_to(double percent) const override {
        OrderedJson j;
        j["position"] = detail::whole_percent(percent);
        return {detail::command(topics_.command, j.dump())};
    }

    std::vector<DeviceCommand> stop() const override {
        return {detail::command(topics_.command, R"({"state":"STOP"})")};
    }

    std::vector<std::string> state_topics() const override { return {topics_.state}; }

    std::optional<double> parse_position(std::string_view topic,
                                         std::string_view payload) const override {
        if (topic != topics_.state) return std::nullopt;
        const auto j = detail::parse_object(payload);
        if (!j) return std::nullopt;
        return detail::percent_of(detail::member(*j, "position"));
    }

private:
    Topics topics_;
};

std::unique_ptr<SwitchDevice> make_switch(const config::ActuatorSpec& /*spec*/,
                                          OptionReader& options) {
    return std::make_unique<Z2mSwitch>(options);
}

std::unique_ptr<PositionDevice> make_position(const config::ActuatorSpec& /*spec*/,
                                              OptionReader& options) {
    return std::make_unique<Z2mCover>(options);
}

}  // namespace

const DeviceIntegration kZigbee2Mqtt{"zigbee2mqtt", &make_switch, &make_position};

}  // namespace bedtimed::integrations
