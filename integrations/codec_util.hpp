// Small helpers shared by the integrations' .cpp files (not part of any
// integration's interface): option parsing with config errors at the option's
// position, topic checks, and forgiving JSON reads for device payloads.
//
// Threads: any; no state. The option helpers throw config::ConfigError through
// OptionReader; the payload helpers never throw apart from std::bad_alloc.
#pragma once

#include <nlohmann/json.hpp>

#include <charconv>
#include <chrono>
#include <cmath>
#include <optional>
#include <string>
#include <string_view>

#include "clock.hpp"
#include "device.hpp"
#include "mqtt_topic.hpp"
#include "options.hpp"

namespace bedtimed::integrations::detail {

// Insertion-ordered so payloads read as documented ({"state":"ON","on_time":…}).
using OrderedJson = nlohmann::ordered_json;

// An integer option in [lo, hi]; `fallback` when absent.
inline int int_option(OptionReader& options, const std::string& key, int fallback, int lo, int hi) {
    const bool present = options.has(key);
    const std::string text = options.get_or(key, "");  // also marks the key as read
    if (!present) return fallback;
    int value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < lo || value > hi)
        options.fail(key, "option '" + key + "' of " + options.what() +
                              " must be an integer from " + std::to_string(lo) + " to " +
                              std::to_string(hi) + ", not '" + text + "'");
    return value;
}

// A true/false option (also yes/no, on/off); `fallback` when absent.
inline bool bool_option(OptionReader& options, const std::string& key, bool fallback) {
    const bool present = options.has(key);
    const std::string text = options.get_or(key, "");
    if (!present) return fallback;
    if (text == "true" || text == "yes" || text == "on") return true;
    if (text == "false" || text == "no" || text == "off") return false;
    options.fail(key, "option '" + key + "' of " + options.what() +
                          " must be true or false, not '" + text + "'");
}

// Throws at `key` unless `topic` (built from that option) may be published to.
inline void check_publish_topic(const OptionReader& options, const std::string& key,
                                const std::string& topic) {
    if (!is_valid_publish_topic(topic))
        options.fail(key, "option '" + key + "' of " + options.what() +
                              " gives the invalid MQTT topic '" + topic +
                              "' (empty, or contains a wildcard + or #)");
}

// Throws at `key` unless `filter` (built from that option) may be subscribed to.
inline void check_topic_filter(const OptionReader& options, const std::string& key,
                               const std::string& filter) {
    if (!is_valid_topic_filter(filter))
        options.fail(key, "option '" + key + "' of " + options.what() +
                              " gives the invalid MQTT topic filter '" + filter + "'");
}

// A JSON object, or nullopt for anything else (malformed text, arrays, scalars).
inline std::optional<nlohmann::json> parse_object(std::string_view payload) {
    auto j = nlohmann::json::parse(payload.begin(), payload.end(), nullptr, false);
    if (j.is_discarded() || !j.is_object()) return std::nullopt;
    return j;
}

// The member `key` of object `j`, or nullptr.
inline const nlohmann::json* member(const nlohmann::json& j, std::string_view key) {
    if (!j.is_object()) return nullptr;
    auto it = j.find(key);
    return it == j.end() ? nullptr : &*it;
}

// "ON"/"OFF" (any case) as a bool; nullopt for anything else.
inline std::optional<bool> on_off(std::string_view text) {
    auto eq = [](std::string_view a, std::string_view b) {
        if (a.size() != b.size()) return false;
        for (std::size_t i = 0; i < a.size(); ++i)
            if ((a[i] | 0x20) != (b[i] | 0x20)) return false;
        return true;
    };
    if (eq(text, "on")) return true;
    if (eq(text, "off")) return false;
    return std::nullopt;
}

// A JSON string member "ON"/"OFF" as a bool; nullopt when missing or anything else.
inline std::optional<bool> on_off_member(const nlohmann::json& j, std::string_view key) {
    const auto* v = member(j, key);
    if (v == nullptr || !v->is_string()) return std::nullopt;
    return on_off(v->get_ref<const std::string&>());
}

// A position in percent from a JSON number; nullopt unless finite and in 0..100.
inline std::optional<double> percent_of(const nlohmann::json* v) {
    if (v == nullptr || !v->is_number()) return std::nullopt;
    const double d = v->get<double>();
    if (!std::isfinite(d) || d < 0.0 || d > 100.0) return std::nullopt;
    return d;
}

// A position in percent from plain text ("42", "42.5"); nullopt otherwise.
inline std::optional<double> percent_of_text(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\n' ||
                             text.back() == '\r'))
        text.remove_suffix(1);
    double d = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    if (!std::isfinite(d) || d < 0.0 || d > 100.0) return std::nullopt;
    return d;
}

// A commanded position: rounded to a whole percent and clamped to 0..100 (NaN → 0).
inline int whole_percent(double percent) {
    if (!(percent > 0.0)) return 0;  // also NaN
    if (percent >= 100.0) return 100;
    return static_cast<int>(std::lround(percent));
}

// Whole seconds, at least 1: a zero or negative cap would mean "no cap" to some devices.
inline long long cap_seconds(std::chrono::seconds cap) {
    return cap.count() < 1 ? 1 : static_cast<long long>(cap.count());
}

inline DeviceCommand command(std::string topic, std::string payload) {
    DeviceCommand c;
    c.topic = std::move(topic);
    c.payload = std::move(payload);
    return c;
}

}  // namespace bedtimed::integrations::detail
