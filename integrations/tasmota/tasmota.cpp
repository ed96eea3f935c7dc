#include "tasmota.hpp"

#include <algorithm>
#include <cmath>

#include "codec_util.hpp"

namespace bedtimed::integrations {

namespace {

struct Common {
    std::string topic;
    int relay = 1;
    std::string cmnd, stat, tele;  // "<prefix>/<topic>/"

    std::string cmnd_topic(const std::string& command) const { return cmnd + command; }
};

std::string read_prefix(OptionReader& options, const std::string& key,
                        const std::string& fallback) {
    std::string p = options.get_or(key, fallback);
    while (!p.empty() && p.back() == '/') p.pop_back();
    if (p.empty())
        options.fail(key, "option '" + key + "' of " + options.what() + " must not be empty");
    return p;
}

Common read_common(OptionReader& options) {
    Common c;
    c.topic = options.require("topic");
    c.relay = detail::int_option(options, "relay", 1, 1, 8);
    const std::string cmnd = read_prefix(options, "prefix_cmnd", "cmnd");
    const std::string stat = read_prefix(options, "prefix_stat", "stat");
    const std::string tele = read_prefix(options, "prefix_tele", "tele");
    c.cmnd = cmnd + "/" + c.topic + "/";
    c.stat = stat + "/" + c.topic + "/";
    c.tele = tele + "/" + c.topic + "/";
    detail::check_publish_topic(options, "topic", c.topic);
    detail::check_publish_topic(options, "prefix_cmnd", c.cmnd + "POWER");
    detail::check_publish_topic(options, "prefix_stat", c.stat + "POWER");
    detail::check_publish_topic(options, "prefix_tele", c.tele + "STATE");
    return c;
}

// PulseTime: 1..111 are tenths of a second, 112..64900 are seconds + 100.
long long pulse_time(std::chrono::seconds cap) {
    const long long s = detail::cap_seconds(cap);
    if (s < 12) return s * 10;  // 10..110
    return std::min(s + 100, 64900LL);
}

class TasmotaRelay final : public SwitchDevice {
public:
    explicit TasmotaRelay(OptionReader& options) : c_(read_common(options)) {
        const std::string pos = options.get_or("power_on_state", "0");
        if (pos == "keep") {
            set_power_on_state_ = false;
        } else if (pos != "0") {
            // 1 (on), 3 (saved), 4 (on, locked) ... could bring a heating pad back on.
            options.fail("power_on_state", "option 'power_on_state' of " + options.what() +
                                               " must be 0 or 'keep', not '" + pos +
                                               "' (a heating pad must not come back on by itself)");
        }
        power_ = "POWER" + std::to_string(c_.relay);
        pulse_key_ = "PulseTime" + std::to_string(c_.relay);
    }

    std::vector<DeviceCommand> turn_on(std::chrono::seconds auto_off) const override {
        return {pulse_command(auto_off), detail::command(c_.cmnd_topic(power_), "ON")};
    }

    std::vector<DeviceCommand> turn_off() const override {
        return {detail::command(c_.cmnd_topic(power_), "OFF")};
    }

    std::vector<DeviceCommand> prepare(std::chrono::seconds cap) const override {
        std::vector<DeviceCommand> out{pulse_command(cap)};
        if (set_power_on_state_) out.push_back(detail::command(c_.cmnd_topic("PowerOnState"), "0"));
        return out;
    }

    bool supports_device_auto_off() const override { return true; }

    // --- Device truth ------------------------------------------------------
    SwitchFacts initial_facts() const override {
        SwitchFacts f;
        f.cap_method = "pulse_time";
        f.cap = DeviceCap::unverified;
        f.cap_note = "PulseTime" + std::to_string(c_.relay) + " set, not read back yet";
        return f;
    }

    // stat/<topic>/RESULT (the PulseTime read-back) and tele/<topic>/SENSOR
    // (the power) are state topics already.
    std::vector<std::string> fact_topics() const override { return {}; }

    std::vector<DeviceCommand> read_cap() const override {
        return {detail::command(c_.cmnd_topic(pulse_key_), "")};
    }

    std::optional<SwitchFacts> learn(std::string_view topic, std::string_view payload,
                                     const SwitchFacts& known) const override {
        if (topic != c_.stat + "RESULT") return std::nullopt;
        const auto j = detail::parse_object(payload);
        if (!j) return std::nullopt;
        const auto* v = detail::member(*j, pulse_key_);
        if (v == nullptr) return std::nullopt;
        // Tasmota >= 9: {"PulseTime1":{"Set":1900,"Remaining":0}}; older: {"PulseTime1":1900}.
        if (v->is_object()) v = detail::member(*v, "Set");
        if (v == nullptr || !v->is_number()) return std::nullopt;
        const double set = v->get<double>();
        if (!std::isfinite(set) || set < 0) return std::nullopt;
        SwitchFacts f = known;
        f.cap_method = "pulse_time";
        const long long n = std::llround(set);
        if (n > 0) {
            f.cap = DeviceCap::verified;
            f.cap_note = "PulseTime read back: " + std::to_string(n) + " (" + pulse_text(n) + ")";
        } else {
            f.cap = DeviceCap::none;
            f.cap_note = "PulseTime read back: 0 (off): the relay has no timer";
        }
        if (f == known) return std::nullopt;
        return f;
    }

    std::optional<double> parse_power(std::string_view topic,
                                      std::string_view payload) const override {
        if (topic != c_.tele + "SENSOR") return std::nullopt;
        const auto j = detail::parse_object(payload);
        if (!j) return std::nullopt;
        const auto* energy = detail::member(*j, "ENERGY");
        if (energy == nullptr) return std::nullopt;
        const auto* p = detail::member(*energy, "Power");
        // Multi-relay energy monitors report one value per relay.
        if (p != nullptr && p->is_array())
            p = static_cast<std::size_t>(c_.relay - 1) < p->size()
                    ? &(*p)[static_cast<std::size_t>(c_.relay - 1)]
                    : nullptr;
        if (p == nullptr || !p->is_number()) return std::nullopt;
        const double w = p->get<double>();
        if (!std::isfinite(w) || w < 0.0) return std::nullopt;
        return w;
    }

    std::vector<DeviceCommand> turn_on_with(std::chrono::seconds auto_off,
                                            const SwitchFacts& facts) const override {
        // Device contract: with cap none, no cap at all.
        if (facts.cap == DeviceCap::none) return {detail::command(c_.cmnd_topic(power_), "ON")};
        return turn_on(auto_off);
    }
    // ----------------------------------------------------------------------

    std::vector<std::string> state_topics() const override {
        std::vector<std::string> out{c_.stat + power_};
        if (c_.relay == 1) out.push_back(c_.stat + "POWER");
        out.push_back(c_.stat + "RESULT");
        out.push_back(c_.tele + "STATE");
        out.push_back(c_.tele + "SENSOR");
        return out;
    }

    std::optional<bool> parse_state(std::string_view topic,
                                    std::string_view payload) const override {
        if (topic == c_.stat + power_ || (c_.relay == 1 && topic == c_.stat + "POWER"))
            return detail::on_off(payload);
        if (topic != c_.stat + "RESULT" && topic != c_.tele + "STATE") return std::nullopt;
        const auto j = detail::parse_object(payload);
        if (!j) return std::nullopt;
        if (auto v = detail::on_off_member(*j, power_)) return v;
        // A single-relay device reports "POWER" (without SetOption26).
        if (c_.relay == 1) return detail::on_off_member(*j, "POWER");
        return std::nullopt;
    }

private:
    DeviceCommand pulse_command(std::chrono::seconds cap) const {
        return detail::command(c_.cmnd_topic(pulse_key_), std::to_string(pulse_time(cap)));
    }

    // A PulseTime value as a duration, for notes.
    static std::string pulse_text(long long n) {
        if (n <= 111) return std::to_string(n) + "00 ms";
        return std::to_string(n - 100) + " s";
    }

    Common c_;
    std::string power_;      // "POWER<r>"
    std::string pulse_key_;  // "PulseTime<r>"
    bool set_power_on_state_ = true;
};

class TasmotaShutter final : public PositionDevice {
public:
    explicit TasmotaShutter(OptionReader& options) : c_(read_common(options)) {
        const std::string n = std::to_string(c_.relay);
        shutter_key_ = "Shutter" + n;
        shutter_topic_ = c_.stat + "SHUTTER" + n;
    }

    std::vector<DeviceCommand> move_to(double percent) const override {
        return {detail::command(c_.cmnd_topic("ShutterPosition" + std::to_string(c_.relay)),
                                std::to_string(detail::whole_percent(percent)))};
    }

    std::vector<DeviceCommand> stop() const override {
        return {detail::command(c_.cmnd_topic("ShutterStop" + std::to_string(c_.relay)), "")};
    }

    std::vector<std::string> state_topics() const override {
        return {c_.stat + "RESULT", shutter_topic_, c_.tele + "SENSOR"};
    }

    std::optional<double> parse_position(std::string_view topic,
                                         std::string_view payload) const override {
        if (topic == shutter_topic_) {
            if (auto plain = detail::percent_of_text(payload)) return plain;
        } else if (topic != c_.stat + "RESULT" && topic != c_.tele + "SENSOR") {
            return std::nullopt;
        }
        const auto j = detail::parse_object(payload);
        if (!j) return std::nullopt;
        const auto* shutter = detail::member(*j, shutter_key_);
        if (shutter == nullptr) return std::nullopt;
        return detail::percent_of(detail::member(*shutter, "Position"));
    }

private:
    Common c_;
    std::string shutter_key_;    // "Shutter<r>"
    std::string shutter_topic_;  // stat/<topic>/SHUTTER<r>
};

std::unique_ptr<SwitchDevice> make_switch(const config::ActuatorSpec& /*spec*/,
                                          OptionReader& options) {
    return std::make_unique<TasmotaRelay>(options);
}

std::unique_ptr<PositionDevice> make_position(const config::ActuatorSpec& /*spec*/,
                                              OptionReader& options) {
    return std::make_unique<TasmotaShutter>(options);
}

}  // namespace

const DeviceIntegration kTasmota{"tasmota", &make_switch, &make_position};

}  // namespace bedtimed::integrations
