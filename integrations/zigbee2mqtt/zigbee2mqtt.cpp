#include "zigbee2mqtt.hpp"

#include <algorithm>

#include "codec_util.hpp"

namespace bedtimed::integrations {

namespace {

using detail::OrderedJson;

// OnWithTimedOff carries on_time in tenths of a second in a uint16 (max 0xFFFE),
// and Z2M multiplies the seconds we send by 10: 6553 s (~109 min) is the most a
// plug can hold. A longer cap is shortened, which errs on the safe side.
constexpr long long kMaxOnTimeSeconds = 6553;

struct Topics {
    std::string state;    // <base>/<device>
    std::string command;  // <base>/<device>/set
};

Topics read_topics(OptionReader& options) {
    const std::string device = options.require("device");
    std::string base = options.get_or("base_topic", "zigbee2mqtt");
    while (!base.empty() && base.back() == '/') base.pop_back();
    if (base.empty()) options.fail("base_topic", "option 'base_topic' of " + options.what() +
                                                     " must not be empty");
    Topics t{base + "/" + device, base + "/" + device + "/set"};
    detail::check_publish_topic(options, "base_topic", base);
    detail::check_publish_topic(options, "device", t.command);
    return t;
}

class Z2mSwitch final : public SwitchDevice {
public:
    explicit Z2mSwitch(OptionReader& options) : topics_(read_topics(options)) {
        on_time_ = detail::bool_option(options, "on_time", true);
        off_wait_time_ = detail::bool_option(options, "off_wait_time", false);
        const std::string pob = options.get_or("power_on_behavior", "off");
        if (pob == "keep") {
            set_power_on_off_ = false;
        } else if (pob != "off") {
            // on/toggle/previous could bring a heating pad back on after a power cut.
            options.fail("power_on_behavior", "option 'power_on_behavior' of " + options.what() +
                                                  " must be 'off' or 'keep', not '" + pob +
                                                  "' (a heating pad must not come back on by itself)");
        }
    }

    std::vector<DeviceCommand> turn_on(std::chrono::seconds auto_off) const override {
        OrderedJson j;
        j["state"] = "ON";
        if (on_time_) {
            j["on_time"] = std::min(detail::cap_seconds(auto_off), kMaxOnTimeSeconds);
            if (off_wait_time_) j["off_wait_time"] = 0;
        }
        return {detail::command(topics_.command, j.dump())};
    }

    std::vector<DeviceCommand> turn_off() const override {
        return {detail::command(topics_.command, R"({"state":"OFF"})")};
    }

    std::vector<DeviceCommand> prepare(std::chrono::seconds /*cap*/) const override {
        if (!set_power_on_off_) return {};
        return {detail::command(topics_.command, R"({"power_on_behavior":"off"})")};
    }

    bool supports_device_auto_off() const override { return on_time_; }

    std::vector<std::string> state_topics() const override { return {topics_.state}; }

    std::optional<bool> parse_state(std::string_view topic,
                                    std::string_view payload) const override {
        if (topic != topics_.state) return std::nullopt;
        const auto j = detail::parse_object(payload);
        if (!j) return std::nullopt;
        return detail::on_off_member(*j, "state");
    }

private:
    Topics topics_;
    bool on_time_ = true;
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
