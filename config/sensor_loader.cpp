// The `sensors` and `wearables` sections: what bedtimed listens to, and how
// a wearable's episode payload is read (field names, units, ranges).
#include <yaml-cpp/yaml.h>

#include <chrono>

#include "block.hpp"
#include "sections.hpp"

namespace bedtimed::config::detail {

SensorSpec parse_sensor(Block b) {
    SensorSpec s;
    s.where = b.where();
    s.name = require_name(b);
    s.topic = subscribe_topic(b, "topic");
    s.json_path = b.string_or("json", "");
    const std::string type = b.string_or("type", "number");
    if (type == "number") s.type = SensorType::number;
    else if (type == "bool" || type == "boolean") s.type = SensorType::boolean;
    else if (type == "enum") s.type = SensorType::enumeration;
    else if (type == "time") s.type = SensorType::time;
    else b.fail(b.get("type"), "sensor type '" + type + "' must be number, bool, enum or time");
    s.unit = b.string_or("unit", "");
    s.stale_after = b.duration_or("stale_after", std::chrono::seconds(0), std::chrono::seconds(0),
                                  std::chrono::hours(24 * 7));
    s.options = b.string_list_or("options", {});
    if (s.type == SensorType::enumeration && s.options.empty())
        b.fail(b.get("type"), "an enum sensor needs 'options'");
    if (s.type != SensorType::enumeration && !s.options.empty())
        b.fail(b.get("options"), "'options' only applies to enum sensors");
    s.true_values = b.string_list_or("true_values", s.true_values);
    s.false_values = b.string_list_or("false_values", s.false_values);
    if (b.has("min")) s.min = b.number_or("min", 0, -1e12, 1e12);
    else b.get("min");
    if (b.has("max")) s.max = b.number_or("max", 0, -1e12, 1e12);
    else b.get("max");
    if (s.min && s.max && *s.min > *s.max) b.fail(b.get("max"), "'max' is below 'min'");
    b.warn_unknown_keys();
    return s;
}

WearableSpec parse_wearable(Block b) {
    WearableSpec w;
    w.where = b.where();
    w.name = require_name(b);
    w.topic = subscribe_topic(b, "topic");
    w.qos = static_cast<int>(b.integer_or("qos", 1, 0, 2));
    if (b.has("fields")) {
        Block f = b.child("fields");
        w.fields.id = f.string_or("id", w.fields.id);
        w.fields.start = f.string_or("start", "");
        w.fields.duration = f.string_or("duration", w.fields.duration);
        w.fields.muscle = f.string_or("muscle", "");
        w.fields.side = f.string_or("side", "");
        w.fields.severity = f.string_or("severity", "");
        f.warn_unknown_keys();
    } else {
        b.get("fields");
    }
    const std::string start_unit = b.string_or("start_unit", "s");
    if (start_unit == "s") w.start_epoch_unit = TimeUnit::seconds;
    else if (start_unit == "ms") w.start_epoch_unit = TimeUnit::milliseconds;
    else if (start_unit == "ns") w.start_epoch_unit = TimeUnit::nanoseconds;
    else b.fail(b.get("start_unit"), "start_unit '" + start_unit + "' must be s, ms or ns");
    const std::string duration_unit = b.string_or("duration_unit", "s");
    if (duration_unit == "s") w.duration_scale = 1;
    else if (duration_unit == "ms") w.duration_scale = 0.001;
    else if (duration_unit == "min") w.duration_scale = 60;
    else
        b.fail(b.get("duration_unit"),
               "duration_unit '" + duration_unit + "' must be s, ms or min");
    w.max_duration_s =
        static_cast<double>(b.duration_or("max_duration", std::chrono::seconds(3600),
                                          std::chrono::seconds(1), std::chrono::hours(24))
                                .count());
    if (b.has("severity_range")) {
        YAML::Node r = b.get("severity_range");
        if (!r.IsSequence() || r.size() != 2)
            b.fail(r, "'severity_range' must be a list of two numbers, e.g. [0, 10]");
        w.severity_min = b.number(r[0], "severity_range");
        w.severity_max = b.number(r[1], "severity_range");
        if (w.severity_min >= w.severity_max) b.fail(r, "'severity_range' must be [low, high]");
    } else {
        b.get("severity_range");
    }
    b.warn_unknown_keys();
    return w;
}

}  // namespace bedtimed::config::detail
