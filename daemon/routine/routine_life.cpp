// The runner's part of the nights that follow life (routine/life.hpp): the
// profile chosen, away, tonight's bedtime from the house and the hand-offs;
// their place in the plan JSON and in routine.json.
#include <fmt/format.h>

#include "local_time.hpp"
#include "routine_runner.hpp"
#include "runner_sleeper.hpp"

namespace bedtimed {

namespace {

const SensorReading* fresh_reading(const config::Config& cfg, const SensorTable& sensors,
                                   const std::string& name, SteadyTime now) {
    const auto* spec = cfg.find_sensor(name);
    if (name.empty() || !spec || is_stale(*spec, sensors, now)) return nullptr;
    auto it = sensors.find(name);
    return it == sensors.end() ? nullptr : &it->second;
}

nlohmann::json time_or_null(const std::optional<WallTime>& t) {
    return t ? nlohmann::json(format_iso8601(*t)) : nlohmann::json();
}

std::optional<WallTime> time_from(const nlohmann::json& j, const char* key) {
    if (!j.contains(key) || !j[key].is_string()) return std::nullopt;
    return parse_iso8601(j[key].get<std::string>());
}

}  // namespace

const config::SleeperSpec& RoutineRunner::shape_life(SleeperRun& s, const config::SleeperSpec& base,
                                                     WallTime now) {
    RunnerLife& L = s.life;
    auto profile = routine::profile_in_force(base, L.choice, s.zone, now);
    if (profile.expired) {
        say(s.name, "profile " + L.choice->name + " over (" + profile.why + "): back to normal");
        L.choice.reset();
        persist(s);
    }
    const bool in_bed = s.st.in_bed.value_or(false);
    if (in_bed) L.last_bed_use = now;
    routine::AwayInputs in{std::nullopt, L.presence_change, L.last_bed_use, in_bed};
    if (base.away)
        if (const auto* r =
                fresh_reading(cfg_, sensors_, base.away->presence_sensor, clock_.steady_now()))
            in.presence_away = routine::presence_says_away(*base.away, r->value);
    const auto away = routine::decide_away(base, in, now);
    if (!L.away_known || away.away != L.away.away) {
        if (L.away_known || away.away)
            say(s.name, away.away ? "away (" + away.why + "): no heat, no bed moves, no reminders"
                                  : "back (" + away.why + "): the evening as usual");
        if (away.away && !base.heating_pad.empty() && actuators_.pad_on(base.heating_pad) &&
            !left_alone(s, base.heating_pad, now))
            actuators_.heat_off(base.heating_pad, "the sleeper is away");
    }
    L.away = away;
    L.away_known = true;
    const bool shaped = routine::shapes_evening(profile, away.away);
    L.profile = profile;
    L.profile.spec = nullptr;
    if (!shaped) {
        L.key.reset();
        return base;
    }
    const RunnerLife::ShapeKey key{&base, base.revision, profile.name, away.away};
    if (L.key != key) {
        L.shaped = routine::shape_evening(base, profile, away.away);
        L.key = key;
        s.plan_cache.reset();  // the same spec object, new contents
    }
    return L.shaped;
}

void RoutineRunner::house_bedtime(SleeperRun& s, std::optional<routine::NightPlan>& plan,
                                  WallTime now) {
    RunnerLife& L = s.life;
    const auto& src = s.configured->bedtime_from;
    if (!src || !plan) return;
    // A profile that fixes the bedtime wins over the house's.
    if (const auto* p = s.configured->find_profile(L.profile.name); p && p->bedtime) return;
    const std::string night = routine::plan_night_text(plan->night);
    if (L.house_night != night) {
        L.house_night = night;
        L.house_bedtime.reset();
    }
    std::optional<ClockReading> reading;
    bool says_none = false;
    if (const auto* r = fresh_reading(cfg_, sensors_, src->sensor, clock_.steady_now())) {
        const std::string text = to_text(r->value);
        reading = parse_clock_reading(text);
        says_none = !reading && names_no_time(text);
    }
    auto d = routine::decide_house_bedtime(*src, *plan, reading, L.house_bedtime, s.zone, now,
                                           says_none);
    if (d.bedtime != L.house_bedtime || d.why != L.house_why) {
        if (d.bedtime != L.house_bedtime)
            say(s.name, "re-planned: " + d.why +
                            "; steps already done stay done, every limit still applies");
        else if (d.why.find("fixed") == std::string::npos) say(s.name, d.why);
        L.house_bedtime = d.bedtime;
        L.house_why = d.why;
        persist(s);
    }
    if (L.house_bedtime) plan = routine::replan_at(*s.spec, *plan, *L.house_bedtime);
}

bool RoutineRunner::life_on_sensor(SleeperRun& s, const std::string& sensor) {
    const auto& spec = *s.configured;
    if (spec.bedtime_from && spec.bedtime_from->sensor == sensor) return true;
    if (!spec.away || spec.away->presence_sensor != sensor) return false;
    auto it = sensors_.find(sensor);
    if (it == sensors_.end()) return false;
    const auto away = routine::presence_says_away(*spec.away, it->second.value);
    if (away != s.life.presence_last) {
        s.life.presence_last = away;
        s.life.presence_change = clock_.wall_now();
        persist(s);
    }
    return true;
}

bool RoutineRunner::left_alone(SleeperRun& s, const std::string& device, WallTime now) {
    auto it = s.life.hand_offs.find(device);
    if (it == s.life.hand_offs.end()) return false;
    if (it->second > now) return true;
    say(s.name, device + ": hand-off over, bedtimed looks after it again");
    s.life.hand_offs.erase(it);
    return false;
}

void RoutineRunner::on_hand_change(const std::string& device, const std::string& what) {
    const WallTime now = clock_.wall_now();
    for (auto& [name, s] : sleepers_) {
        const auto& spec = *s->configured;
        if ((spec.heating_pad != device && spec.bed != device) || !spec.hand_off.enabled) continue;
        const WallTime until = spec.hand_off.hold.count() > 0 ? now + spec.hand_off.hold
                               : s->plan                      ? s->plan->ends()
                                                              : now + std::chrono::hours(12);
        s->life.hand_offs[device] = until;
        say(name, fmt::format("{} {} by other means: left alone until {}{}", device, what,
                              local_text(s->zone, until),
                              device == spec.heating_pad ? " (still off at its cap)" : ""));
        if (plan_changed_) plan_changed_(name);
    }
    persist();
}

std::string RoutineRunner::set_profile(const std::string& sleeper, const std::string& profile,
                                       const std::string& until) {
    auto it = sleepers_.find(sleeper);
    if (it == sleepers_.end()) return "unknown sleeper \"" + sleeper + "\"";
    SleeperRun& s = *it->second;
    const auto& spec = *s.configured;
    if (profile != routine::kNormalProfile && !spec.find_profile(profile)) {
        std::string list = routine::kNormalProfile;
        for (const auto& p : spec.profiles) list += ", " + p.name;
        return "\"" + profile + "\" is not a profile of " + sleeper + " (" + list + ")";
    }
    const WallTime now = clock_.wall_now();
    routine::ProfileChoice choice{profile, std::nullopt, now};
    if (!until.empty()) {
        const auto r = parse_clock_reading(until);
        if (!r) return "\"until\" must be RFC 3339, \"YYYY-MM-DD HH:MM\" or \"HH:MM\"";
        WallTime t = r->instant;
        if (r->kind == ClockReading::Kind::local_date) t = at_local(s.zone, r->day, r->minutes);
        if (r->kind == ClockReading::Kind::local_time) {
            t = at_local(s.zone, local_day(s.zone, now), r->minutes);
            if (t <= now) t = at_local(s.zone, local_day(s.zone, now) + date::days(1), r->minutes);
        }
        if (t <= now) return "\"until\" is in the past";
        choice.until = t;
    }
    s.life.choice = profile == routine::kNormalProfile ? std::nullopt : std::optional(choice);
    say(sleeper, "profile " + profile + " chosen" +
                     (choice.until ? " until " + local_text(s.zone, *choice.until) : ""));
    changed(s);
    return {};
}

std::string RoutineRunner::hand_back(const std::string& sleeper, const std::string& device) {
    auto it = sleepers_.find(sleeper);
    if (it == sleepers_.end()) return "unknown sleeper \"" + sleeper + "\"";
    SleeperRun& s = *it->second;
    if (!device.empty() && !s.life.hand_offs.count(device))
        return "bedtimed is not leaving \"" + device + "\" alone";
    if (device.empty()) s.life.hand_offs.clear();
    else s.life.hand_offs.erase(device);
    say(sleeper, (device.empty() ? std::string("every device") : device) +
                     " handed back: bedtimed looks after it again");
    changed(s);
    return {};
}

void RoutineRunner::clear_now(const integrations::Reminder& r) {
    auto it = sleepers_.find(r.sleeper);
    if (it == sleepers_.end()) return;
    for (const auto& name : it->second->configured->notifiers) notifiers_.at(name)->clear(r);
}

nlohmann::json RoutineRunner::life_json(const SleeperRun& s) const {
    const auto& L = s.life;
    nlohmann::json options = nlohmann::json::array({routine::kNormalProfile});
    for (const auto& p : s.configured->profiles) options.push_back(p.name);
    nlohmann::json hand_offs = nlohmann::json::object();
    for (const auto& [device, until] : L.hand_offs) hand_offs[device] = format_iso8601(until);
    return {{"profile",
             {{"name", L.profile.name},
              {"why", L.profile.why},
              {"until", time_or_null(L.profile.until)},
              {"options", options}}},
            {"away", {{"away", L.away.away}, {"why", L.away.why}}},
            {"bedtime_from", s.configured->bedtime_from
                                 ? nlohmann::json{{"sensor", s.configured->bedtime_from->sensor},
                                                  {"applied", L.house_bedtime.has_value()},
                                                  {"why", L.house_why}}
                                 : nlohmann::json()},
            {"hand_offs", hand_offs},
            {"handed_off", !hand_offs.empty()}};
}

nlohmann::json RoutineRunner::life_json_state(const SleeperRun& s) const {
    const auto& L = s.life;
    nlohmann::json hand_offs = nlohmann::json::object();
    for (const auto& [device, until] : L.hand_offs) hand_offs[device] = format_iso8601(until);
    return {{"profile", L.choice ? nlohmann::json(L.choice->name) : nlohmann::json()},
            {"profile_until", time_or_null(L.choice ? L.choice->until : std::nullopt)},
            {"profile_since", time_or_null(L.choice ? std::optional(L.choice->since) : std::nullopt)},
            {"last_bed_use", time_or_null(L.last_bed_use)},
            {"presence_change", time_or_null(L.presence_change)},
            {"house_night", L.house_night},
            {"house_bedtime", time_or_null(L.house_bedtime)},
            {"hand_offs", hand_offs}};
}

void RoutineRunner::load_life(const nlohmann::json& doc) {
    const WallTime now = clock_.wall_now();
    for (auto& [name, s] : sleepers_) {
        RunnerLife& L = s->life;
        // Watching the bed's use starts now when nothing is on record.
        L.last_bed_use = now;
        if (!doc.contains("life") || !doc["life"].is_object() || !doc["life"].contains(name))
            continue;
        const auto& j = doc["life"][name];
        if (!j.is_object()) continue;
        if (j.contains("profile") && j["profile"].is_string())
            L.choice = routine::ProfileChoice{j["profile"].get<std::string>(),
                                              time_from(j, "profile_until"),
                                              time_from(j, "profile_since").value_or(now)};
        if (const auto t = time_from(j, "last_bed_use"); t && *t <= now) L.last_bed_use = t;
        L.presence_change = time_from(j, "presence_change");
        L.house_night = j.value("house_night", "");
        L.house_bedtime = time_from(j, "house_bedtime");
        if (j.contains("hand_offs") && j["hand_offs"].is_object())
            for (const auto& [device, until] : j["hand_offs"].items())
                if (until.is_string())
                    if (const auto t = parse_iso8601(until.get<std::string>()); t && *t > now)
                        L.hand_offs[device] = *t;
    }
}

}  // namespace bedtimed
