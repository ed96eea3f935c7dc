// Parsing of a sleeper's nights that follow life (daemon/routine/life.hpp):
// `profiles`, `away`, `bedtime_from` and `hand_off`.
#include <set>

#include "household_parse.hpp"

namespace bedtimed::config::detail {

namespace {

// The switchable steps (daemon/routine/steps.hpp: a row that is its own
// switch); tests/unit/routine/life_test.cpp checks the two agree.
const std::set<std::string> kSwitchableSteps = {"hydration", "supplement", "stretch", "active_day",
                                                "prewarm"};

std::chrono::minutes signed_minutes(Block& b, const std::string& key, std::chrono::minutes fallback,
                                    std::chrono::hours limit) {
    if (!b.has(key)) return (b.get(key), fallback);
    YAML::Node n = b.get(key);
    std::string s = b.scalar(n, key);
    int sign = 1;
    if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
        sign = s[0] == '-' ? -1 : 1;
        s = s.substr(1);
    }
    const auto d = Block::parse_duration(s);
    if (!d || *d > limit || d->count() % 60 != 0)
        b.fail(n, "'" + key + "' must be whole minutes within " + std::to_string(limit.count()) +
                      "h, like -8h, +1h or -30m");
    return std::chrono::duration_cast<std::chrono::minutes>(*d) * sign;
}

bool valid_profile_name(const std::string& n) {
    if (n.empty() || n.size() > 32) return false;
    for (char c : n)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
    return true;
}

ProfileSpec parse_profile(Block& list, const YAML::Node& key, const YAML::Node& value) {
    ProfileSpec p;
    p.name = list.scalar(key, "profiles");
    const Location where = list.at(key);
    p.line = where.line;
    p.column = where.column;
    if (!valid_profile_name(p.name))
        list.fail(key, "profile name '" + p.name + "' may hold only a-z, 0-9 and _");
    if (p.name == "normal")
        list.fail(key, "'normal' is the config as written; name the profile otherwise");
    if (!value.IsMap()) list.fail(value, "profile '" + p.name + "' must be a mapping");
    Block b(value, list.file(), list.text(), list.warnings());
    p.heat = b.boolean_or("heat", true);
    p.elevation = b.boolean_or("elevation", true);
    p.reminders = b.boolean_or("reminders", true);
    if (b.has("bedtime")) p.bedtime = parse_clock(b, b.get("bedtime"), "bedtime");
    else b.get("bedtime");
    p.bedtime_shift = signed_minutes(b, "bedtime_shift", p.bedtime_shift, std::chrono::hours(6));
    if (b.has("steps_off")) {
        YAML::Node steps = b.get("steps_off");
        if (!steps.IsSequence()) b.fail(steps, "'steps_off' must be a list of step names");
        for (const auto& n : steps) {
            const std::string id = b.scalar(n, "steps_off");
            if (!kSwitchableSteps.count(id))
                b.fail(n, "'" + id +
                              "' is not a step (hydration, supplement, stretch, active_day, "
                              "prewarm)");
            p.steps_off.push_back(id);
        }
    } else {
        b.get("steps_off");
    }
    b.warn_unknown_keys();
    return p;
}

void parse_profiles(Block& b, SleeperSpec& s) {
    if (!b.has("profiles")) return (void)b.get("profiles");
    YAML::Node map = b.get("profiles");
    if (!map.IsMap())
        b.fail(map, "'profiles' must be a mapping of names, like {guest: {heat: false}}");
    for (const auto& kv : map) s.profiles.push_back(parse_profile(b, kv.first, kv.second));
}

void parse_away(Block& b, SleeperSpec& s, const Config& cfg) {
    if (!b.has("away")) return (void)b.get("away");
    Block a = b.child("away");
    AwayRule rule;
    if (a.has("presence_sensor"))
        rule.presence_sensor =
            require_sensor(a, "presence_sensor", cfg, SensorType::enumeration, "bool or enum").name;
    else a.get("presence_sensor");
    rule.away_values = a.string_list_or("away_values", rule.away_values);
    if (a.has("bed_unused_for") && a.scalar(a.node()["bed_unused_for"], "bed_unused_for") == "off")
        rule.unused_after = std::chrono::minutes(0), a.get("bed_unused_for");
    else
        rule.unused_after = minutes_or(a, "bed_unused_for", rule.unused_after,
                                       std::chrono::hours(1), std::chrono::hours(24 * 30));
    if (rule.unused_after.count() > 0 && s.occupancy_sensor.empty() && a.has("bed_unused_for"))
        a.fail(a.node()["bed_unused_for"],
               "'bed_unused_for' needs the sleeper's 'occupancy_sensor'");
    if (rule.presence_sensor.empty() &&
        (s.occupancy_sensor.empty() || rule.unused_after.count() == 0))
        a.fail("'away' needs a 'presence_sensor' or the bed's use ('occupancy_sensor')");
    a.warn_unknown_keys();
    s.away = rule;
}

// Evening order: from noon on is that evening, before noon the night after.
int evening_order(int m) { return m < 12 * 60 ? m + 24 * 60 : m; }

void parse_bedtime_from(Block& b, SleeperSpec& s, const Config& cfg) {
    if (!b.has("bedtime_from")) return (void)b.get("bedtime_from");
    Block f = b.child("bedtime_from");
    BedtimeSource src;
    src.sensor = require_sensor(f, "sensor", cfg, SensorType::time, "time").name;
    src.offset = signed_minutes(f, "offset", src.offset, std::chrono::hours(12));
    if (f.has("earliest")) src.earliest = parse_clock(f, f.get("earliest"), "earliest");
    else f.get("earliest");
    if (f.has("latest")) src.latest = parse_clock(f, f.get("latest"), "latest");
    else f.get("latest");
    if (evening_order(src.earliest) >= evening_order(src.latest))
        f.fail("'earliest' must come before 'latest' in the evening (from noon to noon)");
    src.fixed_before = minutes_or(f, "fixed_before", src.fixed_before, std::chrono::minutes(0),
                                  std::chrono::hours(6));
    f.warn_unknown_keys();
    s.bedtime_from = src;
}

void parse_hand_off(Block& b, SleeperSpec& s) {
    if (!b.has("hand_off")) return (void)b.get("hand_off");
    Block h = b.child("hand_off");
    s.hand_off.enabled = h.boolean_or("enabled", true);
    if (h.has("hold") && h.scalar(h.node()["hold"], "hold") == "night") h.get("hold");
    else
        s.hand_off.hold =
            minutes_or(h, "hold", s.hand_off.hold, std::chrono::minutes(1), std::chrono::hours(24));
    h.warn_unknown_keys();
}

}  // namespace

void parse_life(Block& b, SleeperSpec& s, const Config& cfg) {
    parse_profiles(b, s);
    parse_away(b, s, cfg);
    parse_bedtime_from(b, s, cfg);
    parse_hand_off(b, s);
}

}  // namespace bedtimed::config::detail
