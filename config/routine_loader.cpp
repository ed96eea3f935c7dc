// Parsing of a sleeper's `routine` (the timed steps of the step catalogue,
// daemon/routine/steps.hpp, and the elevation) and `on_episode`. A new step's
// section goes here. One parser per step, called in the order the checks have
// always run (an error's position depends on it).
#include "household_parse.hpp"

namespace bedtimed::config::detail {

namespace {

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

// A heat duration must fit the sleeper's pad's cap.
void check_within_cap(Block& blk, const std::string& key, std::chrono::minutes m,
                      const ActuatorSpec* pad) {
    if (pad && m > pad->max_on)
        blk.fail(blk.get(key), "'" + key + "' (" + std::to_string(m.count()) +
                                   "m) exceeds the pad's max_on of " +
                                   std::to_string(pad->max_on.count() / 60) + "m");
}

void parse_when(Block& b, StepConditions& c, const Config& cfg) {
    if (!b.has("when")) return (void)b.get("when");
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
}

void parse_step_conditions(Block& b, StepConditions& c, const Config& cfg) {
    parse_when(b, c, cfg);
    if (b.has("weekdays")) {
        YAML::Node days = b.get("weekdays");
        if (!days.IsSequence()) b.fail(days, "'weekdays' must be a list like [mon, tue]");
        c.weekdays.fill(false);
        for (const auto& d : days) {
            const std::string s = b.scalar(d, "weekdays");
            auto it = std::find_if(std::begin(kWeekdayKeys), std::end(kWeekdayKeys),
                                   [&](const char* n) { return s == n; });
            if (it == std::end(kWeekdayKeys))
                b.fail(d, "weekday '" + s + "' must be one of mon tue wed thu fri sat sun");
            c.weekdays[static_cast<std::size_t>(it - std::begin(kWeekdayKeys))] = true;
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

// `repeat: {every: 10m, times: 2}`, or `repeat: off`.
void parse_repeat(Block& b, ReminderStep& step) {
    if (!b.has("repeat")) return (void)b.get("repeat");
    if (b.node()["repeat"].IsScalar() && b.scalar(b.get("repeat"), "repeat") == "off") {
        step.repeat_times = 0;
        return;
    }
    Block r = b.child("repeat");
    step.repeat_times = static_cast<int>(r.integer_or("times", 2, 0, 10));
    step.repeat_every = minutes_or(r, "every", step.repeat_every, std::chrono::minutes(1),
                                   std::chrono::minutes(120));
    r.warn_unknown_keys();
}

void parse_reminder(Block& routine, const std::string& key, ReminderStep& step, const Config& cfg) {
    if (!routine.has(key)) return (void)routine.get(key);
    Block b = routine.child(key);
    step.enabled = b.boolean_or("enabled", step.enabled);
    step.offset = parse_offset(b, "at", step.offset);
    step.title = b.string_or("title", step.title);
    step.message = b.string_or("message", step.message);
    parse_repeat(b, step);
    parse_step_conditions(b, step.when, cfg);
    b.warn_unknown_keys();
}

void parse_prewarm(Block& r, SleeperSpec& s, const ActuatorSpec* pad, const Config& cfg) {
    if (!r.has("prewarm")) {
        r.get("prewarm");
        if (!pad) s.prewarm.enabled = false;
        return;
    }
    Block p = r.child("prewarm");
    s.prewarm.enabled = p.boolean_or("enabled", true);
    s.prewarm.minutes =
        minutes_or(p, "minutes", s.prewarm.minutes, std::chrono::minutes(1), kMaxHeatCap);
    check_within_cap(p, "minutes", s.prewarm.minutes, pad);
    if (p.has("cold_sensor")) {
        s.prewarm.cold_sensor =
            require_sensor(p, "cold_sensor", cfg, SensorType::number, "number").name;
        s.prewarm.cold_below = p.number_or("cold_below", s.prewarm.cold_below, -30, 40);
        s.prewarm.cold_minutes = minutes_or(p, "cold_minutes", s.prewarm.cold_minutes,
                                            std::chrono::minutes(1), kMaxHeatCap);
        check_within_cap(p, "cold_minutes", s.prewarm.cold_minutes, pad);
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
}

// Without an `elevation` section the bed moves when it can: a bed with both
// presets and an occupancy sensor.
bool elevation_possible(const SleeperSpec& s, const ActuatorSpec* bed) {
    return bed && !s.occupancy_sensor.empty() && bed->presets.count(s.elevation.raised_preset) &&
           bed->presets.count(s.elevation.flat_preset);
}

void parse_elevation(Block& r, SleeperSpec& s, const ActuatorSpec* bed) {
    if (!r.has("elevation")) {
        r.get("elevation");
        s.elevation.enabled = elevation_possible(s, bed);
        return;
    }
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
    if (e.has("morning_after"))
        s.elevation.morning_from = parse_clock(e, e.get("morning_after"), "morning_after");
    else e.get("morning_after");
    e.warn_unknown_keys();
    if (!s.elevation.enabled) return;
    if (!bed) e.fail("elevation needs the sleeper's 'bed'");
    if (s.occupancy_sensor.empty()) e.fail("elevation needs the sleeper's 'occupancy_sensor'");
    for (const auto& preset : {s.elevation.raised_preset, s.elevation.flat_preset})
        if (!bed->presets.count(preset))
            e.fail("bed '" + bed->name + "' has no preset '" + preset + "'");
}

void parse_active_day(Block& r, SleeperSpec& s, const Config& cfg) {
    if (!r.has("active_day")) return (void)r.get("active_day");
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
}

}  // namespace

void parse_routine(Block& b, SleeperSpec& s, const SleeperDevices& devices, const Config& cfg) {
    if (!b.has("routine")) {
        b.get("routine");
        if (!devices.pad) s.prewarm.enabled = false;
        s.elevation.enabled = elevation_possible(s, devices.bed);
        return;
    }
    Block r = b.child("routine");
    parse_reminder(r, "hydration", s.hydration, cfg);
    parse_reminder(r, "supplement", s.supplement, cfg);
    parse_reminder(r, "stretch", s.stretch, cfg);
    parse_prewarm(r, s, devices.pad, cfg);
    parse_elevation(r, s, devices.bed);
    parse_active_day(r, s, cfg);
    r.warn_unknown_keys();
}

void parse_episode_response(Block& b, SleeperSpec& s, const SleeperDevices& devices) {
    const ActuatorSpec* pad = devices.pad;
    if (!b.has("on_episode")) {
        b.get("on_episode");
        s.episode.heat = pad != nullptr;
        if (pad && s.episode.heat_minutes > pad->max_on)
            s.episode.heat_minutes = std::chrono::duration_cast<std::chrono::minutes>(pad->max_on);
        return;
    }
    Block e = b.child("on_episode");
    s.episode.heat = e.boolean_or("heat", pad != nullptr);
    s.episode.heat_minutes = minutes_or(e, "heat_minutes", s.episode.heat_minutes,
                                        std::chrono::minutes(1), std::chrono::minutes(30));
    if (s.episode.heat) check_within_cap(e, "heat_minutes", s.episode.heat_minutes, pad);
    s.episode.max_heats_per_night =
        static_cast<int>(e.integer_or("max_heats_per_night", s.episode.max_heats_per_night, 0, 5));
    s.episode.title = e.string_or("title", s.episode.title);
    s.episode.message = e.string_or("message", "");
    e.warn_unknown_keys();
    if (s.episode.heat && !pad) e.fail("'heat: true' needs the sleeper's 'heating_pad'");
}

}  // namespace bedtimed::config::detail
