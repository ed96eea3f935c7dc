// Parsing of one entry of `sleepers`: who, when, which sensors and devices,
// where reminders go, quiet hours, immobility and the morning check-in; the
// routine and the episode response are in routine_loader.cpp. One parser per section, called in the
// order the checks have always run (an error's position depends on it).
#include <date/tz.h>

#include "household_parse.hpp"

namespace bedtimed::config::detail {

namespace {

void parse_timezone(Block& b, SleeperSpec& s) {
    if (!b.has("timezone")) return (void)b.get("timezone");
    YAML::Node tz = b.get("timezone");
    s.timezone = b.scalar(tz, "timezone");
    try {
        (void)date::locate_zone(s.timezone);
    } catch (const std::exception&) {
        b.fail(tz, "unknown time zone '" + s.timezone + "' (use an IANA name like Europe/Berlin)");
    }
}

// `bedtime: {weekdays: ..., weekends: ..., mon: ..., sat: off}`.
void parse_bedtime_days(Block& b, const YAML::Node& bt, SleeperSpec& s) {
    Block t(bt, b.file(), b.text(), b.warnings());
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
        if (!t.has(kWeekdayKeys[d])) {
            t.get(kWeekdayKeys[d]);
            continue;
        }
        YAML::Node n = t.get(kWeekdayKeys[d]);
        if (n.IsScalar() && n.Scalar() == "off") s.bedtime[d].reset();
        else s.bedtime[d] = parse_clock(t, n, kWeekdayKeys[d]);
    }
    t.warn_unknown_keys();
    if (std::none_of(s.bedtime.begin(), s.bedtime.end(), [](auto& v) { return v.has_value(); }))
        b.fail(bt, "'bedtime' sets no day; use weekdays/weekends or mon..sun");
}

void parse_bedtime(Block& b, SleeperSpec& s) {
    YAML::Node bt = b.require("bedtime");
    if (bt.IsScalar()) {
        const int m = parse_clock(b, bt, "bedtime");
        s.bedtime.fill(m);
    } else if (bt.IsMap()) {
        parse_bedtime_days(b, bt, s);
    } else {
        b.fail(bt,
               "'bedtime' must be \"HH:MM\" or a mapping like {weekdays: \"22:30\", weekends: "
               "\"23:30\"}");
    }
}

// The wearable and the sensors that say in bed and asleep.
void parse_presence(Block& b, SleeperSpec& s, const Config& cfg) {
    if (b.has("wearable")) {
        YAML::Node n = b.get("wearable");
        s.wearable = b.scalar(n, "wearable");
        if (!cfg.find_wearable(s.wearable)) b.fail(n, "undefined wearable '" + s.wearable + "'");
    } else {
        b.get("wearable");
    }
    if (b.has("occupancy_sensor"))
        s.occupancy_sensor =
            require_sensor(b, "occupancy_sensor", cfg, SensorType::boolean, "bool").name;
    else b.get("occupancy_sensor");
    if (b.has("sleep_sensor"))
        s.sleep_sensor =
            require_sensor(b, "sleep_sensor", cfg, SensorType::enumeration, "enum or bool").name;
    else b.get("sleep_sensor");
    s.asleep_values = b.string_list_or("asleep_values", s.asleep_values);
    s.asleep_after_in_bed = std::chrono::duration_cast<std::chrono::minutes>(
        b.duration_or("asleep_after_in_bed", s.asleep_after_in_bed, std::chrono::minutes(5),
                      std::chrono::hours(4)));
}

// The actuator `key` names, which must be of `kind`; the key is the kind's name.
const ActuatorSpec* parse_device(Block& b, const std::string& key, ActuatorSpec::Kind kind,
                                 std::string& name, const Config& cfg) {
    if (!b.has(key)) return (b.get(key), nullptr);
    YAML::Node n = b.get(key);
    name = b.scalar(n, key);
    const ActuatorSpec* device = cfg.find_actuator(name);
    if (!device) b.fail(n, "undefined actuator '" + name + "'");
    if (device->kind != kind) b.fail(n, "actuator '" + name + "' is not a " + key);
    return device;
}

SleeperDevices parse_devices(Block& b, SleeperSpec& s, const Config& cfg) {
    SleeperDevices d;
    d.pad = parse_device(b, "heating_pad", ActuatorSpec::Kind::heating_pad, s.heating_pad, cfg);
    d.bed = parse_device(b, "bed", ActuatorSpec::Kind::bed, s.bed, cfg);
    return d;
}

void parse_notify(Block& b, SleeperSpec& s, const Config& cfg) {
    if (!b.has("notify")) return (void)b.get("notify");
    YAML::Node list = b.get("notify");
    if (!list.IsSequence()) b.fail(list, "'notify' must be a list of notifier names");
    for (const auto& n : list) {
        const std::string name = b.scalar(n, "notify");
        if (!cfg.find_notifier(name)) b.fail(n, "undefined notifier '" + name + "'");
        s.notifiers.push_back(name);
    }
}

void parse_quiet_hours(Block& b, SleeperSpec& s) {
    if (!b.has("quiet_hours")) return (void)b.get("quiet_hours");
    Block q = b.child("quiet_hours");
    s.quiet_hours.enabled = true;
    if (!q.has("from")) q.fail("'quiet_hours' needs 'from' (\"HH:MM\" or bedtime)");
    if (!q.has("to")) q.fail("'quiet_hours' needs 'to' (\"HH:MM\")");
    const YAML::Node from = q.get("from");
    if (q.scalar(from, "from") != "bedtime") s.quiet_hours.from = parse_clock(q, from, "from");
    s.quiet_hours.to = parse_clock(q, q.get("to"), "to");
    if (s.quiet_hours.from == s.quiet_hours.to)
        q.fail(from, "'from' and 'to' of 'quiet_hours' are the same time");
    const std::string mode = q.string_or("mode", "hold");
    if (mode == "drop") s.quiet_hours.mode = QuietHours::Mode::drop;
    else if (mode != "hold")
        q.fail(q.node()["mode"],
               "'mode' of 'quiet_hours' must be hold or drop, not '" + mode + "'");
    q.warn_unknown_keys();
}

// `checkin: {at: "07:30"}`: from 04:00 (the night is over for most) to 11:59
// (the night ends at noon, after which an unanswered night is "no answer").
void parse_checkin(Block& b, SleeperSpec& s) {
    if (!b.has("checkin")) return (void)b.get("checkin");
    Block c = b.child("checkin");
    if (!c.has("at"))
        c.fail("'checkin' needs 'at' (\"HH:MM\", when the morning question goes out)");
    const YAML::Node at = c.get("at");
    const int minutes = parse_clock(c, at, "at");
    if (minutes < 4 * 60 || minutes >= 12 * 60)
        c.fail(at,
               "'at' of 'checkin' must be between 04:00 and 11:59 (the night ends at noon), not '" +
                   c.scalar(at, "at") + "'");
    s.checkin.at = minutes;
    c.warn_unknown_keys();
}

void parse_immobility(Block& b, SleeperSpec& s, const Config& cfg) {
    if (!b.has("immobility")) return (void)b.get("immobility");
    Block im = b.child("immobility");
    ImmobilityRule rule;
    rule.sensor = require_sensor(im, "sensor", cfg, SensorType::boolean, "bool").name;
    rule.min_duration = minutes_or(im, "for", rule.min_duration, std::chrono::minutes(30),
                                   std::chrono::minutes(48 * 60));
    im.warn_unknown_keys();
    s.immobility = rule;
}

void default_messages(SleeperSpec& s) {
    // Worded as reminders and comfort, never as treatment (the README's health note).
    if (s.hydration.message.empty())
        s.hydration.message = "A glass of water now, rather than a lot right before bed.";
    if (s.supplement.message.empty())
        s.supplement.message =
            "Your evening reminder for a supplement or an Epsom-salt soak, if that is part of your "
            "routine.";
    if (s.stretch.message.empty())
        s.stretch.message =
            "Two minutes: calves against the wall, hamstrings, ankle circles, then thighs. Hold "
            "each stretch for about 30 seconds.";
    if (s.active_day.message.empty())
        s.active_day.message =
            "A busy day: an extra glass of water and a gentle calf and hamstring stretch may help "
            "you feel comfortable. Try to avoid overexertion late in the day.";
    if (s.episode.message.empty())
        s.episode.message =
            "Flex your foot upward (toes toward the knee), stand and walk a few steps, or massage "
            "the muscle. "
            "A cramp that lasts more than 10 minutes, or comes with swelling, redness or numbness, "
            "is worth seeing a doctor about.";
}

}  // namespace

SleeperSpec parse_sleeper(Block b, const Config& cfg) {
    SleeperSpec s;
    const Location where = b.where();
    s.line = where.line;
    s.column = where.column;
    s.name = require_name(b);
    parse_timezone(b, s);
    parse_bedtime(b, s);
    parse_presence(b, s, cfg);
    const SleeperDevices devices = parse_devices(b, s, cfg);
    parse_notify(b, s, cfg);
    parse_quiet_hours(b, s);
    s.snooze = minutes_or(b, "snooze_minutes", s.snooze, std::chrono::minutes(1),
                          std::chrono::minutes(120));
    parse_immobility(b, s, cfg);
    parse_checkin(b, s);
    parse_routine(b, s, devices, cfg);
    parse_episode_response(b, s, devices);
    parse_life(b, s, cfg);
    default_messages(s);
    b.warn_unknown_keys();
    return s;
}

}  // namespace bedtimed::config::detail
