// Parsing of the `actuators`, `notifiers` and `sleepers` sections.
#include <date/tz.h>

#include "block.hpp"

namespace bedtimed::config::detail {

namespace {

constexpr auto kMaxHeatCap = std::chrono::minutes(120);

// "22:30" → minutes after midnight.
int parse_clock(Block& b, const YAML::Node& n, const std::string& key) {
    const std::string s = b.scalar(n, key);
    int h = -1, m = -1;
    char extra = 0;
    if (std::sscanf(s.c_str(), "%d:%d%c", &h, &m, &extra) != 2 || h < 0 || h > 23 || m < 0 ||
        m > 59 || s.size() != 5)
        b.fail(n, "'" + key + "' must be a local time HH:MM, not '" + s + "'");
    return h * 60 + m;
}

// "-20m", "+1h", "0m" → minutes from bedtime.
std::chrono::minutes parse_offset(Block& b, const std::string& key, std::chrono::minutes fallback) {
    if (!b.has(key)) return (b.get(key), fallback);
    YAML::Node n = b.get(key);
    std::string s = b.scalar(n, key);
    int sign = 1;
    if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
        sign = s[0] == '-' ? -1 : 1;
        s = s.substr(1);
    }
    const auto d = Block::parse_duration(s);
    if (!d || *d > std::chrono::hours(12) || d->count() % 60 != 0)
        b.fail(n, "'" + key + "' must be whole minutes from bedtime within 12h, like -20m or +1h");
    return std::chrono::duration_cast<std::chrono::minutes>(*d) * sign;
}


// Keys named *_minutes / minutes take a plain number as minutes ("15"), or a duration ("1h").
std::chrono::minutes minutes_or(Block& b, const std::string& key, std::chrono::minutes fallback,
                                std::chrono::minutes lo, std::chrono::minutes hi) {
    if (b.has(key)) {
        YAML::Node n = b.node()[key];
        const std::string text = b.scalar(n, key);
        if (!text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            b.get(key);
            const auto m = std::chrono::minutes(std::stol(text.substr(0, 9)));
            if (m < lo || m > hi)
                b.fail(n, "'" + key + "' is " + text + " min, outside " + std::to_string(lo.count()) + ".." +
                              std::to_string(hi.count()) + " min");
            return m;
        }
    }
    return std::chrono::duration_cast<std::chrono::minutes>(b.duration_or(key, fallback, lo, hi));
}

// A scalar, list or map option value as a tree; the integration decides which
// shapes it accepts. Nesting is bounded (a list of maps of lists at most is
// useful) so that a pathological file cannot recurse deeply.
Option option_tree(Block& b, const YAML::Node& v, const std::string& key, int depth) {
    const Location loc = b.at(v);
    Option o;
    o.line = loc.line;
    o.column = loc.column;
    if (v.IsScalar() || v.IsNull()) {
        o.value = v.IsScalar() ? v.Scalar() : "";
        return o;
    }
    if (depth >= 4) b.fail(v, "option '" + key + "' is nested too deeply");
    if (v.IsSequence()) {
        o.shape = Option::Shape::list;
        for (const auto& item : v) o.items.push_back(option_tree(b, item, key, depth + 1));
        return o;
    }
    if (v.IsMap()) {
        o.shape = Option::Shape::map;
        for (const auto& kv : v) {
            if (!kv.first.IsScalar()) b.fail(kv.first, "keys in option '" + key + "' must be strings");
            const std::string k = kv.first.Scalar();
            if (std::find(o.keys.begin(), o.keys.end(), k) != o.keys.end())
                b.fail(kv.first, "duplicate key '" + k + "' in option '" + key + "'");
            o.keys.push_back(k);
            o.items.push_back(option_tree(b, kv.second, key, depth + 1));
        }
        return o;
    }
    b.fail(v, "option '" + key + "' has an unsupported YAML value");
}

Options collect_options(Block& b, const std::set<std::string>& own_keys) {
    Options out;
    for (const auto& kv : b.node()) {
        const std::string key = kv.first.Scalar();
        if (own_keys.count(key)) continue;
        YAML::Node v = b.get(key);  // marks it read: the integration reports unknown ones
        out[key] = option_tree(b, v, key, 0);
    }
    return out;
}

ActuatorSpec parse_actuator(Block b) {
    ActuatorSpec a;
    const Location where = b.where();
    a.line = where.line;
    a.column = where.column;
    a.name = require_name(b);
    YAML::Node kind = b.require("kind");
    const std::string k = b.scalar(kind, "kind");
    if (k == "heating_pad") a.kind = ActuatorSpec::Kind::heating_pad;
    else if (k == "bed") a.kind = ActuatorSpec::Kind::bed;
    else b.fail(kind, "actuator kind '" + k + "' must be heating_pad or bed");
    a.integration = b.require_string("integration");
    a.max_on = b.duration_or("max_on", a.max_on, std::chrono::minutes(1), kMaxHeatCap);
    a.min_off = b.duration_or("min_off", a.min_off, std::chrono::minutes(0), std::chrono::hours(12));
    a.min_power_w = b.number_or("min_power_w", a.min_power_w, 0, 3000);
    a.confirm_timeout = b.duration_or("confirm_timeout", a.confirm_timeout,
                                      std::chrono::seconds(1), std::chrono::minutes(5));
    a.min_move_interval = b.duration_or("min_move_interval", a.min_move_interval,
                                        std::chrono::seconds(0), std::chrono::hours(1));
    if (b.has("presets")) {
        YAML::Node p = b.get("presets");
        if (!p.IsMap()) b.fail(p, "'presets' must map names to positions, like {flat: 0, legs_raised: 15}");
        for (const auto& kv : p) {
            const double v = b.number(kv.second, "presets");
            if (v < 0 || v > 100) b.fail(kv.second, "a preset position must be 0..100 (percent)");
            a.presets[kv.first.Scalar()] = v;
        }
    } else {
        b.get("presets");
    }
    if (a.kind == ActuatorSpec::Kind::bed && a.presets.empty())
        a.presets = {{"flat", 0.0}, {"legs_raised", 15.0}};
    a.options = collect_options(b, {"name", "kind", "integration", "max_on", "min_off", "min_power_w",
                                    "confirm_timeout", "min_move_interval", "presets"});
    return a;
}

NotifierSpec parse_notifier(Block b) {
    NotifierSpec n;
    const Location where = b.where();
    n.line = where.line;
    n.column = where.column;
    n.name = require_name(b);
    n.type = b.require_string("type");
    n.options = collect_options(b, {"name", "type"});
    return n;
}

void parse_step_conditions(Block& b, StepConditions& c, const Config& cfg) {
    if (b.has("when")) {
        YAML::Node when = b.get("when");
        if (!when.IsSequence()) b.fail(when, "'when' must be a list of conditions");
        for (const auto& n : when) {
            Condition cond = parse_condition(b, n);
            if (cond.operand.rfind("sensor.", 0) != 0)
                throw ConfigError(cond.where, "a routine step can only test sensor.<name>");
            const std::string problem = check_reference(cond.operand, cfg.sensors, false);
            if (!problem.empty()) throw ConfigError(cond.where, problem);
            c.conditions.push_back(std::move(cond));
        }
    } else {
        b.get("when");
    }
    if (b.has("weekdays")) {
        YAML::Node days = b.get("weekdays");
        if (!days.IsSequence()) b.fail(days, "'weekdays' must be a list like [mon, tue]");
        static const char* kNames[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
        c.weekdays.fill(false);
        for (const auto& d : days) {
            const std::string s = b.scalar(d, "weekdays");
            auto it = std::find_if(std::begin(kNames), std::end(kNames),
                                   [&](const char* n) { return s == n; });
            if (it == std::end(kNames)) b.fail(d, "weekday '" + s + "' must be one of mon tue wed thu fri sat sun");
            c.weekdays[static_cast<std::size_t>(it - std::begin(kNames))] = true;
        }
    } else {
        b.get("weekdays");
    }
    if (b.has("between")) {
        YAML::Node w = b.get("between");
        if (!w.IsSequence() || w.size() != 2) b.fail(w, "'between' must be [\"HH:MM\", \"HH:MM\"]");
        c.window = std::make_pair(parse_clock(b, w[0], "between"), parse_clock(b, w[1], "between"));
    } else {
        b.get("between");
    }
    if (b.has("in_bed")) c.in_bed = b.boolean_or("in_bed", false);
    else b.get("in_bed");
}

void parse_reminder(Block& routine, const std::string& key, ReminderStep& step, const Config& cfg) {
    if (!routine.has(key)) return (void)routine.get(key);
    Block b = routine.child(key);
    step.enabled = b.boolean_or("enabled", step.enabled);
    step.offset = parse_offset(b, "at", step.offset);
    step.title = b.string_or("title", step.title);
    step.message = b.string_or("message", step.message);
    parse_step_conditions(b, step.when, cfg);
    b.warn_unknown_keys();
}

const SensorSpec& require_sensor(Block& b, const std::string& key, const Config& cfg,
                                 SensorType type, const char* type_name) {
    YAML::Node n = b.require(key);
    const std::string name = b.scalar(n, key);
    const SensorSpec* s = cfg.find_sensor(name);
    if (!s) b.fail(n, "'" + key + "' refers to an undefined sensor '" + name + "'");
    if (s->type != type && !(type == SensorType::enumeration && s->type == SensorType::boolean))
        b.fail(n, "sensor '" + name + "' must be of type " + type_name);
    return *s;
}

void default_messages(SleeperSpec& s) {
    // Worded as reminders and comfort, never as treatment (docs/domain.md).
    if (s.hydration.message.empty())
        s.hydration.message = "A glass of water now, rather than a lot right before bed.";
    if (s.supplement.message.empty())
        s.supplement.message =
            "Your evening reminder for a supplement or an Epsom-salt soak, if that is part of your routine.";
    if (s.stretch.message.empty())
        s.stretch.message =
            "Two minutes: calves against the wall, hamstrings, ankle circles, then thighs. Hold each stretch for about 30 seconds.";
    if (s.active_day.message.empty())
        s.active_day.message =
            "A busy day: an extra glass of water and a gentle calf and hamstring stretch may help you feel comfortable. Try to avoid overexertion late in the day.";
    if (s.episode.message.empty())
        s.episode.message =
            "Flex your foot upward (toes toward the knee), stand and walk a few steps, or massage the muscle. "
            "A cramp that lasts more than 10 minutes, or comes with swelling, redness or numbness, is worth seeing a doctor about.";
}

SleeperSpec parse_sleeper(Block b, const Config& cfg) {
    SleeperSpec s;
    const Location where = b.where();
    s.line = where.line;
    s.column = where.column;
    s.name = require_name(b);
    if (b.has("timezone")) {
        YAML::Node tz = b.get("timezone");
        s.timezone = b.scalar(tz, "timezone");
        try {
            (void)date::locate_zone(s.timezone);
        } catch (const std::exception&) {
            b.fail(tz, "unknown time zone '" + s.timezone + "' (use an IANA name like Europe/Berlin)");
        }
    } else {
        b.get("timezone");
    }
    {
        YAML::Node bt = b.require("bedtime");
        if (bt.IsScalar()) {
            const int m = parse_clock(b, bt, "bedtime");
            s.bedtime.fill(m);
        } else if (bt.IsMap()) {
            Block t(bt, b.file(), b.text(), b.warnings());
            static const char* kDays[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
            if (t.has("weekdays")) {
                const int m = parse_clock(t, t.get("weekdays"), "weekdays");
                for (int d = 1; d <= 5; ++d) s.bedtime[static_cast<std::size_t>(d)] = m;
            } else {
                t.get("weekdays");
            }
            if (t.has("weekends")) {
                const int m = parse_clock(t, t.get("weekends"), "weekends");
                s.bedtime[0] = m;
                s.bedtime[6] = m;
            } else {
                t.get("weekends");
            }
            for (std::size_t d = 0; d < 7; ++d) {
                if (!t.has(kDays[d])) {
                    t.get(kDays[d]);
                    continue;
                }
                YAML::Node n = t.get(kDays[d]);
                if (n.IsScalar() && n.Scalar() == "off") s.bedtime[d].reset();
                else s.bedtime[d] = parse_clock(t, n, kDays[d]);
            }
            t.warn_unknown_keys();
            if (std::none_of(s.bedtime.begin(), s.bedtime.end(), [](auto& v) { return v.has_value(); }))
                b.fail(bt, "'bedtime' sets no day; use weekdays/weekends or mon..sun");
        } else {
            b.fail(bt, "'bedtime' must be \"HH:MM\" or a mapping like {weekdays: \"22:30\", weekends: \"23:30\"}");
        }
    }
    if (b.has("wearable")) {
        YAML::Node n = b.get("wearable");
        s.wearable = b.scalar(n, "wearable");
        if (!cfg.find_wearable(s.wearable)) b.fail(n, "undefined wearable '" + s.wearable + "'");
    } else {
        b.get("wearable");
    }
    if (b.has("occupancy_sensor"))
        s.occupancy_sensor = require_sensor(b, "occupancy_sensor", cfg, SensorType::boolean, "bool").name;
    else
        b.get("occupancy_sensor");
    if (b.has("sleep_sensor"))
        s.sleep_sensor = require_sensor(b, "sleep_sensor", cfg, SensorType::enumeration, "enum or bool").name;
    else
        b.get("sleep_sensor");
    s.asleep_values = b.string_list_or("asleep_values", s.asleep_values);
    s.asleep_after_in_bed = std::chrono::duration_cast<std::chrono::minutes>(b.duration_or(
        "asleep_after_in_bed", s.asleep_after_in_bed, std::chrono::minutes(5), std::chrono::hours(4)));

    const ActuatorSpec* pad = nullptr;
    if (b.has("heating_pad")) {
        YAML::Node n = b.get("heating_pad");
        s.heating_pad = b.scalar(n, "heating_pad");
        pad = cfg.find_actuator(s.heating_pad);
        if (!pad) b.fail(n, "undefined actuator '" + s.heating_pad + "'");
        if (pad->kind != ActuatorSpec::Kind::heating_pad)
            b.fail(n, "actuator '" + s.heating_pad + "' is not a heating_pad");
    } else {
        b.get("heating_pad");
    }
    const ActuatorSpec* bed = nullptr;
    if (b.has("bed")) {
        YAML::Node n = b.get("bed");
        s.bed = b.scalar(n, "bed");
        bed = cfg.find_actuator(s.bed);
        if (!bed) b.fail(n, "undefined actuator '" + s.bed + "'");
        if (bed->kind != ActuatorSpec::Kind::bed) b.fail(n, "actuator '" + s.bed + "' is not a bed");
    } else {
        b.get("bed");
    }
    if (b.has("notify")) {
        YAML::Node list = b.get("notify");
        if (!list.IsSequence()) b.fail(list, "'notify' must be a list of notifier names");
        for (const auto& n : list) {
            const std::string name = b.scalar(n, "notify");
            if (!cfg.find_notifier(name)) b.fail(n, "undefined notifier '" + name + "'");
            s.notifiers.push_back(name);
        }
    } else {
        b.get("notify");
    }

    if (b.has("quiet_hours")) {
        Block q = b.child("quiet_hours");
        s.quiet_hours.enabled = true;
        if (!q.has("from")) q.fail("'quiet_hours' needs 'from' (\"HH:MM\" or bedtime)");
        if (!q.has("to")) q.fail("'quiet_hours' needs 'to' (\"HH:MM\")");
        const YAML::Node from = q.get("from");
        if (q.scalar(from, "from") != "bedtime") s.quiet_hours.from = parse_clock(q, from, "from");
        s.quiet_hours.to = parse_clock(q, q.get("to"), "to");
        if (s.quiet_hours.from == s.quiet_hours.to) q.fail(from, "'from' and 'to' of 'quiet_hours' are the same time");
        const std::string mode = q.string_or("mode", "hold");
        if (mode == "drop") s.quiet_hours.mode = QuietHours::Mode::drop;
        else if (mode != "hold") q.fail(q.node()["mode"], "'mode' of 'quiet_hours' must be hold or drop, not '" + mode + "'");
        q.warn_unknown_keys();
    } else {
        b.get("quiet_hours");
    }
    s.snooze = minutes_or(b, "snooze_minutes", s.snooze, std::chrono::minutes(1), std::chrono::minutes(120));

    if (b.has("immobility")) {
        Block im = b.child("immobility");
        ImmobilityRule rule;
        rule.sensor = require_sensor(im, "sensor", cfg, SensorType::boolean, "bool").name;
        rule.min_duration = minutes_or(im, "for", rule.min_duration, std::chrono::minutes(30), std::chrono::minutes(48 * 60));
        im.warn_unknown_keys();
        s.immobility = rule;
    } else {
        b.get("immobility");
    }

    auto within_cap = [&](Block& blk, const std::string& key, std::chrono::minutes m) {
        if (pad && m > pad->max_on)
            blk.fail(blk.get(key), "'" + key + "' (" + std::to_string(m.count()) +
                                       "m) exceeds the pad's max_on of " +
                                       std::to_string(pad->max_on.count() / 60) + "m");
    };

    if (b.has("routine")) {
        Block r = b.child("routine");
        parse_reminder(r, "hydration", s.hydration, cfg);
        parse_reminder(r, "supplement", s.supplement, cfg);
        parse_reminder(r, "stretch", s.stretch, cfg);
        if (r.has("prewarm")) {
            Block p = r.child("prewarm");
            s.prewarm.enabled = p.boolean_or("enabled", true);
            s.prewarm.minutes = minutes_or(p, "minutes", s.prewarm.minutes, std::chrono::minutes(1), kMaxHeatCap);
            within_cap(p, "minutes", s.prewarm.minutes);
            if (p.has("cold_sensor")) {
                s.prewarm.cold_sensor = require_sensor(p, "cold_sensor", cfg, SensorType::number, "number").name;
                s.prewarm.cold_below = p.number_or("cold_below", s.prewarm.cold_below, -30, 40);
                s.prewarm.cold_minutes =
                    minutes_or(p, "cold_minutes", s.prewarm.cold_minutes, std::chrono::minutes(1), kMaxHeatCap);
                within_cap(p, "cold_minutes", s.prewarm.cold_minutes);
                if (s.prewarm.cold_minutes < s.prewarm.minutes)
                    p.fail(p.get("cold_minutes"), "'cold_minutes' must not be shorter than 'minutes'");
            } else {
                p.get("cold_sensor");
                p.get("cold_below");
                p.get("cold_minutes");
            }
            parse_step_conditions(p, s.prewarm.when, cfg);
            p.warn_unknown_keys();
            if (s.prewarm.enabled && !pad) p.fail("a prewarm needs the sleeper's 'heating_pad'");
        } else {
            r.get("prewarm");
            if (!pad) s.prewarm.enabled = false;
        }
        if (r.has("elevation")) {
            Block e = r.child("elevation");
            s.elevation.enabled = e.boolean_or("enabled", true);
            s.elevation.raised_preset = e.string_or("raised", s.elevation.raised_preset);
            s.elevation.flat_preset = e.string_or("flat", s.elevation.flat_preset);
            if (e.has("evening")) {
                YAML::Node w = e.get("evening");
                if (!w.IsSequence() || w.size() != 2) e.fail(w, "'evening' must be [\"HH:MM\", \"HH:MM\"]");
                s.elevation.evening_from = parse_clock(e, w[0], "evening");
                s.elevation.evening_to = parse_clock(e, w[1], "evening");
            } else {
                e.get("evening");
            }
            if (e.has("morning_after")) s.elevation.morning_from = parse_clock(e, e.get("morning_after"), "morning_after");
            else e.get("morning_after");
            e.warn_unknown_keys();
            if (s.elevation.enabled) {
                if (!bed) e.fail("elevation needs the sleeper's 'bed'");
                if (s.occupancy_sensor.empty()) e.fail("elevation needs the sleeper's 'occupancy_sensor'");
                for (const auto& preset : {s.elevation.raised_preset, s.elevation.flat_preset})
                    if (!bed->presets.count(preset))
                        e.fail("bed '" + bed->name + "' has no preset '" + preset + "'");
            }
        } else {
            r.get("elevation");
            s.elevation.enabled = bed && !s.occupancy_sensor.empty() &&
                                  bed->presets.count(s.elevation.raised_preset) &&
                                  bed->presets.count(s.elevation.flat_preset);
        }
        if (r.has("active_day")) {
            Block a = r.child("active_day");
            s.active_day.enabled = a.boolean_or("enabled", true);
            s.active_day.sensor = require_sensor(a, "sensor", cfg, SensorType::number, "number").name;
            s.active_day.above = a.number_or("above", s.active_day.above, 0, 1e9);
            if (a.has("after")) s.active_day.after = parse_clock(a, a.get("after"), "after");
            else a.get("after");
            s.active_day.offset = parse_offset(a, "at", s.active_day.offset);
            s.active_day.title = a.string_or("title", s.active_day.title);
            s.active_day.message = a.string_or("message", "");
            a.warn_unknown_keys();
        } else {
            r.get("active_day");
        }
        r.warn_unknown_keys();
    } else {
        b.get("routine");
        if (!pad) s.prewarm.enabled = false;
        s.elevation.enabled = bed && !s.occupancy_sensor.empty() &&
                              bed->presets.count(s.elevation.raised_preset) &&
                              bed->presets.count(s.elevation.flat_preset);
    }
    if (b.has("on_episode")) {
        Block e = b.child("on_episode");
        s.episode.heat = e.boolean_or("heat", pad != nullptr);
        s.episode.heat_minutes =
            minutes_or(e, "heat_minutes", s.episode.heat_minutes, std::chrono::minutes(1), std::chrono::minutes(30));
        if (s.episode.heat) within_cap(e, "heat_minutes", s.episode.heat_minutes);
        s.episode.max_heats_per_night =
            static_cast<int>(e.integer_or("max_heats_per_night", s.episode.max_heats_per_night, 0, 5));
        s.episode.title = e.string_or("title", s.episode.title);
        s.episode.message = e.string_or("message", "");
        e.warn_unknown_keys();
        if (s.episode.heat && !pad) e.fail("'heat: true' needs the sleeper's 'heating_pad'");
    } else {
        b.get("on_episode");
        s.episode.heat = pad != nullptr;
        if (pad && s.episode.heat_minutes > pad->max_on)
            s.episode.heat_minutes = std::chrono::duration_cast<std::chrono::minutes>(pad->max_on);
    }
    default_messages(s);
    b.warn_unknown_keys();
    return s;
}

}  // namespace

void parse_household(Block& top, Config& cfg) {
    for_each_item(top, "actuators", [&](Block b) { cfg.actuators.push_back(parse_actuator(std::move(b))); });
    for_each_item(top, "notifiers", [&](Block b) { cfg.notifiers.push_back(parse_notifier(std::move(b))); });
    for_each_item(top, "sleepers", [&](Block b) { cfg.sleepers.push_back(parse_sleeper(std::move(b), cfg)); });
    auto where = [&](int line, int col) { return Location{cfg.path, line, col}; };
    auto unique = [&](auto& list, const char* what) {
        std::map<std::string, std::pair<int, int>> seen;
        for (const auto& x : list) {
            auto [it, fresh] = seen.emplace(x.name, std::make_pair(x.line, x.column));
            if (!fresh)
                throw ConfigError(where(x.line, x.column),
                                  std::string("duplicate ") + what + " name '" + x.name +
                                      "' (first defined at line " + std::to_string(it->second.first) + ")");
        }
    };
    unique(cfg.actuators, "actuator");
    unique(cfg.notifiers, "notifier");
    unique(cfg.sleepers, "sleeper");
    // One device, one sleeper: two routines driving the same pad would fight.
    std::map<std::string, std::string> owner;
    for (const auto& s : cfg.sleepers)
        for (const auto& dev : {s.heating_pad, s.bed}) {
            if (dev.empty()) continue;
            auto [it, fresh] = owner.emplace(dev, s.name);
            if (!fresh)
                throw ConfigError(where(s.line, s.column), "actuator '" + dev + "' already belongs to sleeper '" +
                                                               it->second + "'");
        }
}

}  // namespace bedtimed::config::detail
