#include "ingest.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <ctime>
#include <string>
#include <vector>

namespace bedtimed {

using nlohmann::json;

namespace {

// One pass over the raw bytes, before the parser allocates anything: the
// bracket depth outside strings (to refuse hostile nesting) and how many
// object keys the text holds (a string followed by ':').
struct JsonShape {
    bool nesting_ok = true;
    std::size_t keys = 0;
};

JsonShape scan_json(std::string_view s, int depth_limit) {
    JsonShape shape;
    int depth = 0;
    bool in_string = false, escaped = false, string_just_closed = false;
    for (char c : s) {
        if (in_string) {
            if (escaped) escaped = false;
            else if (c == '\\') escaped = true;
            else if (c == '"') in_string = false, string_just_closed = true;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
        if (c == ':' && string_just_closed) ++shape.keys;
        string_just_closed = false;
        if (c == '"') in_string = true;
        else if (c == '{' || c == '[') {
            if (++depth > depth_limit) {
                shape.nesting_ok = false;
                return shape;
            }
        } else if (c == '}' || c == ']') --depth;
    }
    return shape;
}

// Members of every object in the parsed tree.
std::size_t object_members(const json& j) {
    std::size_t n = 0;
    if (j.is_object()) n += j.size();
    if (j.is_structured())
        for (const auto& child : j) n += object_members(child);
    return n;
}

// The first key given twice in one object, by a second, slower parse that
// watches the keys go by; only run once the counts say there is one.
std::string first_duplicate_key(std::string_view payload) {
    std::vector<std::vector<std::string>> open_objects;  // keys so far, innermost last
    std::string duplicate;
    const json::parser_callback_t watch = [&](int, json::parse_event_t event, json& parsed) {
        if (event == json::parse_event_t::object_start) {
            open_objects.emplace_back();
        } else if (event == json::parse_event_t::object_end) {
            if (!open_objects.empty()) open_objects.pop_back();
        } else if (event == json::parse_event_t::key && !open_objects.empty() && parsed.is_string() &&
                   duplicate.empty()) {
            auto& keys = open_objects.back();
            const auto& key = parsed.get_ref<const std::string&>();
            if (std::find(keys.begin(), keys.end(), key) != keys.end()) duplicate = key;
            else keys.push_back(key);
        }
        return true;
    };
    const json parsed = json::parse(payload.begin(), payload.end(), watch, /*allow_exceptions=*/false);
    (void)parsed;
    return duplicate;
}

}  // namespace

std::optional<json> parse_untrusted_json(std::string_view payload, std::string& error) {
    const JsonShape shape = scan_json(payload, kMaxJsonDepth);
    if (!shape.nesting_ok) {
        error = "JSON nested deeper than " + std::to_string(kMaxJsonDepth);
        return std::nullopt;
    }
    json j = json::parse(payload.begin(), payload.end(), nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) {
        error = "not valid JSON";
        return std::nullopt;
    }
    // A key given twice is refused: nlohmann keeps the last one silently,
    // another reader of the same payload might take the first
    // ({"duration_s": 5, "duration_s": 3600}). Fewer members than keys in
    // the text means one was overwritten.
    if (object_members(j) != shape.keys) {
        error = "duplicate key \"" + first_duplicate_key(payload).substr(0, 40) + "\"";
        return std::nullopt;
    }
    return j;
}

namespace {

// "a.b.0.c": object keys, or array indexes for arrays.
const json* find_path(const json& root, std::string_view path) {
    const json* cur = &root;
    while (!path.empty()) {
        const auto dot = path.find('.');
        const std::string_view part = path.substr(0, dot);
        if (cur->is_object()) {
            auto it = cur->find(part);
            if (it == cur->end()) return nullptr;
            cur = &*it;
        } else if (cur->is_array()) {
            std::size_t index = 0;
            auto [p, ec] = std::from_chars(part.data(), part.data() + part.size(), index);
            if (ec != std::errc() || p != part.data() + part.size() || index >= cur->size())
                return nullptr;
            cur = &(*cur)[index];
        } else {
            return nullptr;
        }
        path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
    }
    return cur;
}

std::optional<double> strict_number(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
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
            if (std::find(spec.true_values.begin(), spec.true_values.end(), text) != spec.true_values.end())
                return Value(true);
            if (std::find(spec.false_values.begin(), spec.false_values.end(), text) != spec.false_values.end())
                return Value(false);
            return Rejection{"'" + text.substr(0, 32) + "' is not one of the sensor's true/false values"};
        }
        case SensorType::enumeration: {
            if (!j.is_string()) return Rejection{"value is not a string"};
            const auto& s = j.get_ref<const std::string&>();
            if (std::find(spec.options.begin(), spec.options.end(), s) == spec.options.end())
                return Rejection{"'" + s.substr(0, 32) + "' is not one of the sensor's options"};
            return Value(s);
        }
    }
    return Rejection{"unknown sensor type"};
}

}  // namespace

bool valid_utf8(std::string_view s) {
    // A raw (non-JSON) payload must still be text we can log and template.
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
        if (n == 0 || i + n > s.size()) return false;
        for (std::size_t k = 1; k < n; ++k)
            if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return false;
        i += n;
    }
    return true;
}

namespace {

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

}  // namespace

std::variant<Value, Rejection> parse_sensor_value(const config::SensorSpec& spec,
                                                  std::string_view payload) {
    if (spec.json_path.empty()) {
        if (!valid_utf8(payload)) return Rejection{"payload is not UTF-8 text"};
        // A raw payload may still be a JSON scalar ("21.5", "true", "\"on\"").
        // Only try when it can be one: a failed parse builds an error message,
        // and "ON" or "deep" arrive every few seconds.
        const auto first = payload.find_first_not_of(" \t\r\n");
        const bool maybe_json = first != std::string_view::npos &&
                                std::string_view("-0123456789\"tfn{[").find(payload[first]) != std::string_view::npos;
        json j = maybe_json ? json::parse(payload.begin(), payload.end(), nullptr, false) : json(json::value_t::discarded);
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

    const json* id = find_path(*root, spec.fields.id);
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

    const json* dur = find_path(*root, spec.fields.duration);
    if (!dur) return Rejection{"duration ('" + spec.fields.duration + "') is missing"};
    if (!dur->is_number()) return Rejection{"duration must be a number"};
    e.duration_s = dur->get<double>() * spec.duration_scale;
    if (!std::isfinite(e.duration_s) || e.duration_s < 0)
        return Rejection{"duration must be zero or more"};
    if (e.duration_s > spec.max_duration_s)
        return Rejection{"duration " + to_text(e.duration_s) + "s exceeds the maximum of " +
                         to_text(spec.max_duration_s) + "s"};

    e.start = now;
    if (!spec.fields.start.empty()) {
        // A missing start means "now": live wearables often omit it.
        const json* st = find_path(*root, spec.fields.start);
        if (!st || st->is_null()) {
        } else if (st->is_string()) {
            auto t = parse_iso8601(st->get_ref<const std::string&>());
            if (!t) return Rejection{"start is not an ISO-8601 time"};
            e.start = *t;
        } else if (st->is_number()) {
            const double raw = st->get<double>();
            const double secs = spec.start_epoch_unit == config::TimeUnit::seconds ? raw
                                : spec.start_epoch_unit == config::TimeUnit::milliseconds ? raw / 1e3
                                                                                          : raw / 1e9;
            // Beyond ~year 2262 the nanosecond WallTime overflows (undefined behaviour in
            // the cast below); anything that far out is a bad reading anyway.
            constexpr double kMaxEpochS = 9e9;
            if (!std::isfinite(secs) || secs < 0 || secs > kMaxEpochS)
                return Rejection{"start epoch is out of range"};
            e.start = WallTime(std::chrono::duration_cast<WallTime::duration>(
                std::chrono::duration<double>(secs)));
        } else {
            return Rejection{"start must be an ISO-8601 string or an epoch number"};
        }
        if (e.start > now + spec.max_future_skew) return Rejection{"start is in the future"};
        if (e.start < now - spec.max_age) return Rejection{"start is too far in the past"};
    }

    auto muscle = text_field(*root, spec.fields.muscle, error, "muscle");
    if (!muscle) return Rejection{error};
    e.muscle = *muscle;
    auto side = text_field(*root, spec.fields.side, error, "side");
    if (!side) return Rejection{error};
    e.side = *side;
    if (!e.side.empty() && e.side != "left" && e.side != "right" && e.side != "both")
        return Rejection{"side must be left, right or both"};

    if (!spec.fields.severity.empty()) {
        const json* sev = find_path(*root, spec.fields.severity);
        if (sev && !sev->is_null()) {
            if (!sev->is_number()) return Rejection{"severity must be a number"};
            const double v = sev->get<double>();
            if (!std::isfinite(v) || v < spec.severity_min || v > spec.severity_max)
                return Rejection{"severity is outside " + to_text(spec.severity_min) + ".." +
                                 to_text(spec.severity_max)};
            e.severity = v;
        }
    }
    return e;
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

std::optional<WallTime> parse_iso8601(std::string_view s) {
    // YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM]
    auto num = [&](std::size_t pos, std::size_t len, int& out) {
        // Digits only: from_chars would also take a sign ("T-1:00:00").
        if (pos + len > s.size() || !std::isdigit(static_cast<unsigned char>(s[pos]))) return false;
        auto [p, ec] = std::from_chars(s.data() + pos, s.data() + pos + len, out);
        return ec == std::errc() && p == s.data() + pos + len;
    };
    int y, mo, d, h, mi, sec;
    if (s.size() < 19 || !num(0, 4, y) || s[4] != '-' || !num(5, 2, mo) || s[7] != '-' ||
        !num(8, 2, d) || (s[10] != 'T' && s[10] != ' ' && s[10] != 't') || !num(11, 2, h) ||
        s[13] != ':' || !num(14, 2, mi) || s[16] != ':' || !num(17, 2, sec))
        return std::nullopt;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return std::nullopt;
    // A nanosecond WallTime spans 1677..2262; outside it the sum below overflows.
    if (y < 1700 || y > 2200) return std::nullopt;
    std::size_t i = 19;
    long long nanos = 0;
    if (i < s.size() && s[i] == '.') {
        ++i;
        int digits = 0;
        while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
            if (digits < 9) nanos = nanos * 10 + (s[i] - '0'), ++digits;
            ++i;
        }
        if (digits == 0) return std::nullopt;
        while (digits++ < 9) nanos *= 10;
    }
    long offset_s = 0;
    if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
        ++i;
    } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
        int oh, om;
        if (!num(i + 1, 2, oh) || i + 3 >= s.size() || s[i + 3] != ':' || !num(i + 4, 2, om) ||
            oh > 23 || om > 59)
            return std::nullopt;
        offset_s = (oh * 3600 + om * 60) * (s[i] == '-' ? -1 : 1);
        i += 6;
    } else {
        return std::nullopt;  // no zone: ambiguous, refuse
    }
    if (i != s.size()) return std::nullopt;
    const std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(static_cast<unsigned>(mo)),
                                          std::chrono::day(static_cast<unsigned>(d))};
    if (!ymd.ok()) return std::nullopt;
    const auto days = std::chrono::sys_days(ymd);
    return WallTime(std::chrono::duration_cast<WallTime::duration>(
        days.time_since_epoch() + std::chrono::hours(h) + std::chrono::minutes(mi) +
        std::chrono::seconds(sec - offset_s) + std::chrono::nanoseconds(nanos)));
}

std::string format_iso8601(WallTime t) {
    const auto secs = std::chrono::floor<std::chrono::seconds>(t);
    const auto days = std::chrono::floor<std::chrono::days>(secs);
    const std::chrono::year_month_day ymd{days};
    const std::chrono::hh_mm_ss hms{secs - days};
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02ld:%02ld:%02lldZ", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<long>(hms.hours().count()), static_cast<long>(hms.minutes().count()),
                  static_cast<long long>(hms.seconds().count()));
    return buf;
}

}  // namespace bedtimed
