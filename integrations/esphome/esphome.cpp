#include "esphome.hpp"

#include "codec_util.hpp"

namespace bedtimed::integrations {

namespace {

// "<node>/<type>/<object_id>/", validated through both options.
std::string read_base(OptionReader& options, const char* type) {
    std::string node = options.require("node");
    while (node.size() > 1 && node.back() == '/') node.pop_back();
    const std::string object_id = options.require("object_id");
    detail::check_publish_topic(options, "node", node);
    detail::check_publish_topic(options, "object_id", object_id);
    return node + "/" + type + "/" + object_id + "/";
}

class EsphomeSwitch final : public SwitchDevice {
public:
    explicit EsphomeSwitch(OptionReader& options) : base_(read_base(options, "switch")) {}

    std::vector<DeviceCommand> turn_on(std::chrono::seconds /*auto_off*/) const override {
        return {detail::command(base_ + "command", "ON")};
    }

    std::vector<DeviceCommand> turn_off() const override {
        return {detail::command(base_ + "command", "OFF")};
    }

    std::vector<DeviceCommand> prepare(std::chrono::seconds /*cap*/) const override { return {}; }

    bool supports_device_auto_off() const override { return false; }

    std::vector<std::string> state_topics() const override { return {base_ + "state"}; }

    std::optional<bool> parse_state(std::string_view topic,
                                    std::string_view payload) const override {
        if (topic != base_ + "state") return std::nullopt;
        return detail::on_off(payload);
    }

private:
    std::string base_;  // <node>/switch/<object_id>/
};

class EsphomeCover final : public PositionDevice {
public:
    explicit EsphomeCover(OptionReader& options) : base_(read_base(options, "cover")) {}

    std::vector<DeviceCommand> move_to(double percent) const override {
        return {detail::command(base_ + "position/command",
                                std::to_string(detail::whole_percent(percent)))};
    }

    std::vector<DeviceCommand> stop() const override {
        return {detail::command(base_ + "command", "STOP")};
    }

    std::vector<std::string> state_topics() const override { return {base_ + "position/state"}; }

    std::optional<double> parse_position(std::string_view topic,
                                         std::string_view payload) const override {
        if (topic != base_ + "position/state") return std::nullopt;
        return detail::percent_of_text(payload);
    }

private:
    std::string base_;  // <node>/cover/<object_id>/
};

std::unique_ptr<SwitchDevice> make_switch(const config::ActuatorSpec& /*spec*/,
                                          OptionReader& options) {
    return std::make_unique<EsphomeSwitch>(options);
}

std::unique_ptr<PositionDevice> make_position(const config::ActuatorSpec& /*spec*/,
                                              OptionReader& options) {
    return std::make_unique<EsphomeCover>(options);
}

}  // namespace

const DeviceIntegration kEsphome{"esphome", &make_switch, &make_position};

}  // namespace bedtimed::integrations
