// The payload parsers: a sensor's value and a wearable's episode, each field
// checked against the config. The strict JSON reader is in untrusted_json.cpp,
// ISO-8601 times in iso8601.cpp.
#include "ingest.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>

#include "clock_reading.hpp"
#include "json_path.hpp"

namespace bedtimed {

using ingest_detail::find_path;
using nlohmann::json;

namespace {

std::optional<double> strict_number(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() &&
           (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
        s.remove_suffix(1);
    double v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v))
        return std::nullopt;
    return v;
}

std::variant<Value, Rejection> typed_value(const config::SensorSpec& spec, const json& j) {
    using config::SensorType;
    switch (spec.type) {
        case SensorType::number: {
            std::optional<double> v;
            if (j.is_number()) v = j.get<double>();
            else if (j.is_string()) v = strict_number(j.get_ref<const std::string&>());
            if (!v || !std::isfinite(*v)) return Rejection{"value is not a finite number"};
            if ((spec.min && *v < *spec.min) || (spec.max && *v > *spec.max))
                return Rejection{"value " + to_text(*v) + " is outside the sensor's range"};
            return Value(*v);
        }
        case SensorType::boolean: {
            if (j.is_boolean()) return Value(j.get<bool>());
            std::string text;
            if (j.is_string()) text = j.get<std::string>();
            else if (j.is_number_integer()) text = std::to_string(j.get<long long>());
            else return Rejection{"value is not a boolean"};
            if (std::find(spec.true_values.begin(), spec.true_values.end(), text) !=
                spec.true_values.end())
                return Value(true);
            if (std::find(spec.false_values.begin(), spec.false_values.end(), text) !=
                spec.false_values.end())
                return Value(false);
            return Rejection{"'" + text.substr(0, 32) +
                             "' is not one of the sensor's true/false values"};
        }
        case SensorType::enumeration: {
            if (!j.is_string()) return Rejection{"value is not a string"};
            const auto& s = j.get_ref<const std::string&>();
            if (std::find(spec.options.begin(), spec.options.end(), s) == spec.options.end())
                return Rejection{"'" + s.substr(0, 32) + "' is not one of the sensor's options"};
            return Value(s);
        }
        case SensorType::time: {
            std::string text;
            if (j.is_string()) text = j.get<std::string>();
            else if (j.is_number_integer()) text = std::to_string(j.get<long long>());
            if (j.is_null()) text.clear();  // Home Assistant's template for "no alarm"
            else if (!j.is_string() && !j.is_number_integer())
                return Rejection{"value is not a time (HH:MM, a date and time, or epoch)"};
            if (text.size() > 64 || (!parse_clock_reading(text) && !names_no_time(text)))
                return Rejection{"value is not a time (HH:MM, a date and time, or epoch)"};
            return Value(text);
        }
    }
    return Rejection{"unknown sensor type"};
}

std::optional<std::string> text_field(const json& root, const std::string& path, std::string& error,
                                      const char* what) {
    if (path.empty()) return std::string();
    const json* f = find_path(root, path);
    if (!f || f->is_null()) return std::string();
    if (!f->is_string()) {
        error = std::string(what) + " ('" + path + "') must be a string";
        return std::nullopt;
    }
    const auto& s = f->get_ref<const std::string&>();
    if (s.size() > 64) {
        error = std::string(what) + " is longer than 64 characters";
        return std::nullopt;
    }
    return s;
}

// The episode's fields, each read into `e`: nullopt when it is acceptable,
// else why the episode is refused.
using Refusal = std::optional<Rejection>;

Refusal read_id(const json& root, const config::WearableSpec& spec, Episode& e) {
    const json* id = find_path(root, spec.fields.id);
    if (!id) return Rejection{"id ('" + spec.fields.id + "') is missing"};
    if (id->is_string()) {
        const auto& s = id->get_ref<const std::string&>();
        if (s.empty() || s.size() > 128) return Rejection{"id must be 1-128 characters"};
        e.id = s;
        e.id_text = s;
    } else if (id->is_number_integer()) {
        const auto v = id->is_number_unsigned() && id->get<std::uint64_t>() > INT64_MAX
                           ? std::optional<std::int64_t>()
                           : std::optional<std::int64_t>(id->get<std::int64_t>());
        if (!v) return Rejection{"id is too large"};
        e.id = *v;
        e.id_text = std::to_string(*v);
    } else {
        return Rejection{"id must be a string or an integer"};
    }
    return std::nullopt;
}

Refusal read_duration(const json& root, const config::WearableSpec& spec, Episode& e) {
    const json* dur = find_path(root, spec.fields.duration);
    if (!dur) return Rejection{"duration ('" + spec.fields.duration + "') is missing"};
    if (!dur->is_number()) return Rejection{"duration must be a number"};
    e.duration_s = dur->get<double>() * spec.duration_scale;
    if (!std::isfinite(e.duration_s) || e.duration_s < 0)
        return Rejection{"duration must be zero or more"};
    if (e.duration_s > spec.max_duration_s)
        return Rejection{"duration " + to_text(e.duration_s) + "s exceeds the maximum of " +
                         to_text(spec.max_duration_s) + "s"};
    return std::nullopt;
}

Refusal read_start(const json& root, const config::WearableSpec& spec, WallTime now, Episode& e) {
    e.start = now;
    if (spec.fields.start.empty()) return std::nullopt;
    // A missing start means "now": live wearables often omit it.
    const json* st = find_path(root, spec.fields.start);
    if (!st || st->is_null()) {
    } else if (st->is_string()) {
        auto t = parse_iso8601(st->get_ref<const std::string&>());
        if (!t) return Rejection{"start is not an ISO-8601 time"};
        e.start = *t;
    } else if (st->is_number()) {
        const double raw = st->get<double>();
        const double secs = spec.start_epoch_unit == config::TimeUnit::seconds        ? raw
                            : spec.start_epoch_unit == config::TimeUnit::milliseconds ? raw / 1e3
                                                                                      : raw / 1e9;
        // Beyond ~year 2262 the nanosecond WallTime overflows (undefined behaviour in
        // the cast below); anything that far out is a bad reading anyway.
        constexpr double kMaxEpochS = 9e9;
        if (!std::isfinite(secs) || secs < 0 || secs > kMaxEpochS)
            return Rejection{"start epoch is out of range"};
        e.start = WallTime(
            std::chrono::duration_cast<WallTime::duration>(std::chrono::duration<double>(secs)));
    } else {
        return Rejection{"start must be an ISO-8601 string or an epoch number"};
    }
    if (e.start > now + spec.max_future_skew) return Rejection{"start is in the future"};
    if (e.start < now - spec.max_age) return Rejection{"start is too far in the past"};
    return std::nullopt;
}

Refusal read_muscle_and_side(const json& root, const config::WearableSpec& spec, Episode& e) {
    std::string error;
    auto muscle = text_field(root, spec.fields.muscle, error, "muscle");
    if (!muscle) return Rejection{error};
    e.muscle = *muscle;
    auto side = text_field(root, spec.fields.side, error, "side");
    if (!side) return Rejection{error};
    e.side = *side;
    if (!e.side.empty() && e.side != "left" && e.side != "right" && e.side != "both")
        return Rejection{"side must be left, right or both"};
    return std::nullopt;
}

Refusal read_severity(const json& root, const config::WearableSpec& spec, Episode& e) {
    if (spec.fields.severity.empty()) return std::nullopt;
    const json* sev = find_path(root, spec.fields.severity);
    if (!sev || sev->is_null()) return std::nullopt;
    if (!sev->is_number()) return Rejection{"severity must be a number"};
    const double v = sev->get<double>();
    if (!std::isfinite(v) || v < spec.severity_min || v > spec.severity_max)
        return Rejection{"severity is outside " + to_text(spec.severity_min) + ".." +
                         to_text(spec.severity_max)};
    e.severity = v;
    return std::nullopt;
}

}  // namespace

std::variant<Value, Rejection> parse_sensor_value(const config::SensorSpec& spec,
                                                  std::string_view payload) {
    if (spec.json_path.empty()) {
        if (!valid_utf8(payload)) return Rejection{"payload is not UTF-8 text"};
        // A raw payload may still be a JSON scalar ("21.5", "true", "\"on\"").
        // Only try when it can be one: a failed parse builds an error message,
        // and "ON" or "deep" arrive every few seconds.
        const auto first = payload.find_first_not_of(" \t\r\n");
        const bool maybe_json =
            first != std::string_view::npos &&
            std::string_view("-0123456789\"tfn{[").find(payload[first]) != std::string_view::npos;
        json j = maybe_json ? json::parse(payload.begin(), payload.end(), nullptr, false)
                            : json(json::value_t::discarded);
        if (j.is_discarded() || j.is_structured()) j = std::string(payload);
        return typed_value(spec, j);
    }
    std::string error;
    auto root = parse_untrusted_json(payload, error);
    if (!root) return Rejection{error};
    const json* field = find_path(*root, spec.json_path);
    if (!field) return Rejection{"field '" + spec.json_path + "' is missing"};
    return typed_value(spec, *field);
}

std::variant<Episode, Rejection> parse_episode(const config::WearableSpec& spec,
                                               std::string_view topic, std::string_view payload,
                                               WallTime now) {
    std::string error;
    auto root = parse_untrusted_json(payload, error);
    if (!root) return Rejection{error};
    if (!root->is_object()) return Rejection{"episode payload must be a JSON object"};

    Episode e;
    e.source = spec.name;
    e.topic = std::string(topic);
    e.received = now;
    // In this order: a payload wrong in several fields is refused for the first.
    if (auto refused = read_id(*root, spec, e)) return *refused;
    if (auto refused = read_duration(*root, spec, e)) return *refused;
    if (auto refused = read_start(*root, spec, now, e)) return *refused;
    if (auto refused = read_muscle_and_side(*root, spec, e)) return *refused;
    if (auto refused = read_severity(*root, spec, e)) return *refused;
    return e;
}

std::string sleeper_wearing(const config::Config& cfg, std::string_view wearable) {
    for (const auto& s : cfg.sleepers)
        if (s.wearable == wearable) return s.name;
    return {};
}

Value episode_field(const Episode& e, std::string_view field) {
    if (field == "id") return e.id;
    if (field == "source") return e.source;
    if (field == "topic") return e.topic;
    if (field == "start") return format_iso8601(e.start);
    if (field == "duration_s") {
        // Whole seconds render as integers so templates produce `12`, not `12.0`.
        if (e.duration_s == std::floor(e.duration_s) && e.duration_s < 9e15)
            return static_cast<std::int64_t>(e.duration_s);
        return e.duration_s;
    }
    if (field == "muscle") return e.muscle.empty() ? Value() : Value(e.muscle);
    if (field == "side") return e.side.empty() ? Value() : Value(e.side);
    if (field == "severity") return e.severity ? Value(*e.severity) : Value();
    return {};
}

}  // namespace bedtimed
