#include "generic.hpp"

#include <cmath>

#include "codec_util.hpp"
#include "template.hpp"

namespace bedtimed::integrations {

namespace {

// Compiles option `key` as a payload template whose only placeholder may be `allowed`.
Template read_template(OptionReader& options, const std::string& key, std::string fallback,
                       const char* allowed) {
    const std::string text = options.get_or(key, std::move(fallback));
    Template t;
    try {
        t = Template::compile(text);
    } catch (const TemplateError& e) {
        options.fail(key, "option '" + key + "' of " + options.what() + ": " + e.what() +
                              " (at byte " + std::to_string(e.offset()) + ")");
    }
    for (const auto& ph : t.placeholders())
        if (allowed == nullptr || ph.path != allowed)
            options.fail(key, "option '" + key + "' of " + options.what() +
                                  " has the unknown placeholder '{{" + ph.path + "}}'" +
                                  (allowed ? std::string(" (only {{") + allowed + "}} exists)"
                                           : std::string(" (no placeholders here)")));
    return t;
}

bool uses(const Template& t, std::string_view path) {
    for (const auto& ph : t.placeholders())
        if (ph.path == path) return true;
    return false;
}

std::string render_with(const Template& t, std::string_view name, std::int64_t value) {
    return t.render([&](std::string_view path) -> Value {
        if (path == name) return value;
        return {};
    });
}

// Splits "a.b.0.c" into levels; fails at `key` on empty levels.
std::vector<std::string> read_path(OptionReader& options, const std::string& key) {
    std::vector<std::string> out;
    if (!options.has(key)) {
        (void)options.get_or(key, "");
        return out;
    }
    const std::string text = options.get_or(key, "");
    std::size_t start = 0;
    while (true) {
        const std::size_t dot = text.find('.', start);
        out.push_back(
            text.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
        if (out.back().empty())
            options.fail(key, "option '" + key + "' of " + options.what() +
                                  " must be a dotted path like 'a.b', not '" + text + "'");
        if (dot == std::string::npos) break;
        start = dot + 1;
    }
    return out;
}

// The value at `path` inside `root` (object keys; digits also index arrays), or nullptr.
const nlohmann::json* at_path(const nlohmann::json& root, const std::vector<std::string>& path) {
    const nlohmann::json* cur = &root;
    for (const auto& level : path) {
        if (cur->is_object()) {
            cur = detail::member(*cur, level);
        } else if (cur->is_array()) {
            std::size_t index = 0;
            const auto [end, ec] =
                std::from_chars(level.data(), level.data() + level.size(), index);
            if (ec != std::errc() || end != level.data() + level.size() || index >= cur->size())
                return nullptr;
            cur = &(*cur)[index];
        } else {
            return nullptr;
        }
        if (cur == nullptr) return nullptr;
    }
    return cur;
}

// An optional state topic filter; empty when absent.
std::string read_state_filter(OptionReader& options, const std::string& key) {
    const bool present = options.has(key);
    std::string filter = options.get_or(key, "");
    if (present) detail::check_topic_filter(options, key, filter);
    return filter;
}

class GenericSwitch final : public SwitchDevice {
public:
    explicit GenericSwitch(OptionReader& options) {
        on_topic_ = options.require("on_topic");
        detail::check_publish_topic(options, "on_topic", on_topic_);
        on_payload_ = read_template(options, "on_payload", "ON", "auto_off_s");
        off_topic_ = options.get_or("off_topic", on_topic_);
        detail::check_publish_topic(options, "off_topic", off_topic_);
        off_payload_ = read_template(options, "off_payload", "OFF", nullptr).text();
        state_topic_ = read_state_filter(options, "state_topic");
        state_json_ = read_path(options, "state_json");
        if (!state_json_.empty() && state_topic_.empty())
            options.fail("state_json",
                         "option 'state_json' of " + options.what() + " needs 'state_topic'");
        state_on_ = options.get_or("state_on", "ON");
        state_off_ = options.get_or("state_off", "OFF");
        if (state_on_ == state_off_)
            options.fail("state_off", "options 'state_on' and 'state_off' of " + options.what() +
                                          " must differ");
        auto_off_ = detail::bool_option(options, "auto_off", uses(on_payload_, "auto_off_s"));
    }

    std::vector<DeviceCommand> turn_on(std::chrono::seconds auto_off) const override {
        return {detail::command(
            on_topic_, render_with(on_payload_, "auto_off_s", detail::cap_seconds(auto_off)))};
    }

    std::vector<DeviceCommand> turn_off() const override {
        return {detail::command(off_topic_, off_payload_)};
    }

    std::vector<DeviceCommand> prepare(std::chrono::seconds /*cap*/) const override { return {}; }

    bool supports_device_auto_off() const override { return auto_off_; }

    std::vector<std::string> state_topics() const override {
        if (state_topic_.empty()) return {};
        return {state_topic_};
    }

    std::optional<bool> parse_state(std::string_view topic,
                                    std::string_view payload) const override {
        if (state_topic_.empty() || !topic_matches(state_topic_, topic)) return std::nullopt;
        if (state_json_.empty()) return from_text(payload);
        const auto j = nlohmann::json::parse(payload.begin(), payload.end(), nullptr, false);
        if (j.is_discarded()) return std::nullopt;
        const auto* v = at_path(j, state_json_);
        if (v == nullptr) return std::nullopt;
        if (v->is_string()) return from_text(v->get_ref<const std::string&>());
        if (v->is_number_integer()) return from_text(std::to_string(v->get<std::int64_t>()));
        if (v->is_number_unsigned()) return from_text(std::to_string(v->get<std::uint64_t>()));
        if (v->is_boolean()) {
            // A JSON bool is unambiguous unless the user spelled state_on/off as true/false.
            const std::string text = v->get<bool>() ? "true" : "false";
            if (auto t = from_text(text)) return t;
            return v->get<bool>();
        }
        return std::nullopt;
    }

private:
    std::optional<bool> from_text(std::string_view text) const {
        if (text == state_on_) return true;
        if (text == state_off_) return false;
        return std::nullopt;
    }

    std::string on_topic_, off_topic_, off_payload_;
    Template on_payload_;
    std::string state_topic_;
    std::vector<std::string> state_json_;
    std::string state_on_, state_off_;
    bool auto_off_ = false;
};

class GenericPosition final : public PositionDevice {
public:
    explicit GenericPosition(OptionReader& options) {
        position_topic_ = options.require("position_topic");
        detail::check_publish_topic(options, "position_topic", position_topic_);
        position_payload_ = read_template(options, "position_payload", "{{position}}", "position");
        const bool has_stop = options.has("stop_topic");
        stop_topic_ = options.get_or("stop_topic", "");
        if (has_stop) detail::check_publish_topic(options, "stop_topic", stop_topic_);
        stop_payload_ = read_template(options, "stop_payload", "STOP", nullptr).text();
        state_topic_ = read_state_filter(options, "position_state_topic");
        state_json_ = read_path(options, "position_json");
        if (!state_json_.empty() && state_topic_.empty())
            options.fail("position_json", "option 'position_json' of " + options.what() +
                                              " needs 'position_state_topic'");
    }

    std::vector<DeviceCommand> move_to(double percent) const override {
        return {detail::command(position_topic_, render_with(position_payload_, "position",
                                                             detail::whole_percent(percent)))};
    }

    std::vector<DeviceCommand> stop() const override {
        if (stop_topic_.empty()) return {};
        return {detail::command(stop_topic_, stop_payload_)};
    }

    std::vector<std::string> state_topics() const override {
        if (state_topic_.empty()) return {};
        return {state_topic_};
    }

    std::optional<double> parse_position(std::string_view topic,
                                         std::string_view payload) const override {
        if (state_topic_.empty() || !topic_matches(state_topic_, topic)) return std::nullopt;
        if (state_json_.empty()) return detail::percent_of_text(payload);
        const auto j = nlohmann::json::parse(payload.begin(), payload.end(), nullptr, false);
        if (j.is_discarded()) return std::nullopt;
        const auto* v = at_path(j, state_json_);
        if (v != nullptr && v->is_string())
            return detail::percent_of_text(v->get_ref<const std::string&>());
        return detail::percent_of(v);
    }

private:
    std::string position_topic_;
    Template position_payload_;
    std::string stop_topic_, stop_payload_;
    std::string state_topic_;
    std::vector<std::string> state_json_;
};

std::unique_ptr<SwitchDevice> make_switch(const config::ActuatorSpec& /*spec*/,
                                          OptionReader& options) {
    return std::make_unique<GenericSwitch>(options);
}

std::unique_ptr<PositionDevice> make_position(const config::ActuatorSpec& /*spec*/,
                                              OptionReader& options) {
    return std::make_unique<GenericPosition>(options);
}

}  // namespace

const DeviceIntegration kGeneric{"generic", &make_switch, &make_position};

}  // namespace bedtimed::integrations
