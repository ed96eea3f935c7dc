// The routine's switches (Home Assistant's: the routine, a step, start now,
// a bedtime, and safe mode's pause), the plan JSON they show in, and the
// state file that keeps them and tonight's progress across a restart.
#include <fmt/format.h>

#include <algorithm>

#include "local_time.hpp"
#include "routine_runner.hpp"
#include "runner_sleeper.hpp"

namespace bedtimed {

bool RoutineRunner::step_enabled(const SleeperRun& s, const std::string& step_id) const {
    if (!s.enabled) return false;
    const routine::StepRow* switched = routine::find_step(step_id);
    const std::string switch_id =
        switched && !switched->switched_by.empty() ? std::string(switched->switched_by) : step_id;
    // The profile in force may switch it off.
    if (const auto* p = s.configured->find_profile(s.life.profile.name))
        if (std::find(p->steps_off.begin(), p->steps_off.end(), switch_id) != p->steps_off.end())
            return false;
    // A step without a switch of its own goes with the one that covers it.
    const routine::StepRow* row = routine::find_step(step_id);
    return !s.disabled_steps.count(row && !row->switched_by.empty() ? std::string(row->switched_by)
                                                                    : step_id);
}

std::string RoutineRunner::set_routine_enabled(const std::string& sleeper, bool enabled) {
    auto it = sleepers_.find(sleeper);
    if (it == sleepers_.end()) return "unknown sleeper \"" + sleeper + "\"";
    it->second->enabled = enabled;
    say(sleeper, enabled ? "routine switched on"
                         : "routine switched off: no timed steps until it is on again");
    changed(*it->second);
    return {};
}

std::string RoutineRunner::set_step_enabled(const std::string& sleeper, const std::string& step,
                                            bool enabled) {
    auto it = sleepers_.find(sleeper);
    if (it == sleepers_.end()) return "unknown sleeper \"" + sleeper + "\"";
    // The configured routine's switches, as Home Assistant offers them: not
    // tonight's evening, in which an experiment's "without" night or a
    // profile has the step off (a switch turned off on one night could then
    // not be turned back on until a night that has the step).
    const auto steps = routine::switchable_steps(*it->second->configured);
    if (std::find(steps.begin(), steps.end(), step) == steps.end()) {
        std::string list;
        for (const auto& id : steps) list += (list.empty() ? "" : ", ") + id;
        return "\"" + step + "\" is not a step of " + sleeper + "'s routine (" + list + ")";
    }
    if (enabled) it->second->disabled_steps.erase(step);
    else it->second->disabled_steps.insert(step);
    say(sleeper, "step " + step + (enabled ? " switched on" : " switched off"));
    changed(*it->second);
    return {};
}

std::string RoutineRunner::set_bedtime(const std::string& sleeper, std::optional<int> minutes) {
    auto it = sleepers_.find(sleeper);
    if (it == sleepers_.end()) return "unknown sleeper \"" + sleeper + "\"";
    it->second->bedtime_override = minutes;
    say(sleeper, minutes ? fmt::format("bedtime set to {:02}:{:02}", *minutes / 60, *minutes % 60)
                         : std::string("bedtime back to the configured one"));
    changed(*it->second);
    return {};
}

std::string RoutineRunner::start_now(const std::string& sleeper) {
    auto it = sleepers_.find(sleeper);
    if (it == sleepers_.end()) return "unknown sleeper \"" + sleeper + "\"";
    SleeperRun& s = *it->second;
    if (!s.enabled) return "the routine is switched off";
    const WallTime now = clock_.wall_now();
    roll_night(s, now);
    if (!s.plan) return "no routine tonight";
    std::optional<WallTime> first;
    for (const auto& step : s.plan->steps)
        if (!s.st.done.count(step.id) && step_enabled(s, step.id) &&
            !step.row->open_until_bedtime && (!first || step.at < *first))
            first = step.at;
    if (!first) return "nothing left to run tonight";
    if (s.started_night != s.st.night) s.start_shift = {};
    s.started_night = s.st.night;
    s.start_shift += now - *first;
    say(sleeper, "routine started now");
    changed(s);
    return {};
}

void RoutineRunner::set_paused(bool paused) {
    if (paused_ == paused) return;
    paused_ = paused;
    for (auto& [name, s] : sleepers_) {
        say(name, paused ? "routine paused: safe mode" : "routine resumed");
        // Pausing needs no look now (nothing fires); resuming runs what is due.
        if (!paused) evaluate(*s);
    }
}

void RoutineRunner::load_controls(const nlohmann::json& doc) {
    if (!doc.contains("controls") || !doc["controls"].is_object()) return;
    for (auto& [name, s] : sleepers_) {
        if (!doc["controls"].contains(name)) continue;
        const auto& j = doc["controls"][name];
        if (!j.is_object()) continue;
        s->enabled = j.value("enabled", true);
        const auto allowed = routine::switchable_steps(*s->spec);
        if (j.contains("disabled_steps") && j["disabled_steps"].is_array())
            for (const auto& id : j["disabled_steps"])
                if (id.is_string() && std::find(allowed.begin(), allowed.end(),
                                                id.get<std::string>()) != allowed.end())
                    s->disabled_steps.insert(id.get<std::string>());
        if (j.contains("bedtime") && j["bedtime"].is_number_integer()) {
            const int m = j["bedtime"].get<int>();
            if (m >= 0 && m < 24 * 60) s->bedtime_override = m;
        }
        if (j.contains("started_night") && j["started_night"].is_string() &&
            j.contains("start_shift_s") && j["start_shift_s"].is_number_integer()) {
            s->started_night = j["started_night"].get<std::string>();
            s->start_shift = std::chrono::seconds(j["start_shift_s"].get<std::int64_t>());
        }
    }
}

std::string RoutineRunner::next_step_text() const {
    const WallTime now = clock_.wall_now();
    std::string text;
    std::optional<WallTime> best;
    for (const auto& [name, s] : sleepers_) {
        if (!s->plan) continue;
        for (const auto& step : s->plan->steps) {
            if (step.at <= now || s->st.done.count(step.id) || (best && step.at >= *best)) continue;
            best = step.at;
            text =
                fmt::format("{} {} {}", name, step.id, local_text(s->zone, step.at).substr(11, 5));
        }
    }
    return text;
}

nlohmann::json RoutineRunner::plan_json(const std::string& sleeper) const {
    auto it = sleepers_.find(sleeper);
    if (it == sleepers_.end()) return {{"night", nullptr}, {"steps", nlohmann::json::array()}};
    const SleeperRun& s = *it->second;
    // The switches' state, for Home Assistant, whether or not there is a plan.
    nlohmann::json controls{
        {"enabled", s.enabled},
        {"paused", paused_},
        {"heating_pad",
         s.spec->heating_pad.empty() ? nlohmann::json() : nlohmann::json(s.spec->heating_pad)},
        {"bedtime_override",
         s.bedtime_override ? nlohmann::json(fmt::format("{:02}:{:02}", *s.bedtime_override / 60,
                                                         *s.bedtime_override % 60))
                            : nlohmann::json()},
        {"heat_on", !s.spec->heating_pad.empty() && actuators_.pad_on(s.spec->heating_pad)}};
    nlohmann::json switches = nlohmann::json::object();
    for (const auto& id : routine::switchable_steps(*s.spec))
        switches[id] = !s.disabled_steps.count(id);
    controls["steps_enabled"] = switches;
    controls.update(life_json(s));
    if (!s.plan) {
        controls.update({{"night", nullptr},
                         {"steps", nlohmann::json::array()},
                         {"running", false},
                         {"next", nullptr},
                         {"bedtime_local", nullptr}});
        return controls;
    }
    const WallTime now = clock_.wall_now();
    nlohmann::json steps = nlohmann::json::array();
    nlohmann::json next;
    std::optional<WallTime> first;
    for (const auto& step : s.plan->steps) {
        const bool on = step_enabled(s, step.id);
        const char* state = !s.st.done.count(step.id)  ? (on ? "pending" : "skipped")
                            : s.missed.count(step.id)  ? "missed"
                            : s.skipped.count(step.id) ? "skipped"
                                                       : "done";
        steps.push_back(
            {{"id", step.id}, {"at", format_iso8601(step.at)}, {"state", state}, {"enabled", on}});
        if (on && (!first || step.at < *first)) first = step.at;
        if (on && !s.st.done.count(step.id) && step.at > now && next.is_null())
            next = {{"id", step.id}, {"at", format_iso8601(step.at)}};
    }
    controls.update(
        {{"night", s.st.night},
         {"bedtime", format_iso8601(s.plan->bedtime)},
         {"bedtime_local", local_text(s.zone, s.plan->bedtime).substr(11, 5)},
         // So bedtimectl shows local times without the config.
         {"timezone", s.zone->name()},
         {"utc_offset",
          [&] {
              const auto off = std::chrono::duration_cast<std::chrono::minutes>(
                  s.zone->get_info(date::floor<std::chrono::seconds>(s.plan->bedtime)).offset);
              const auto m = off.count() < 0 ? -off.count() : off.count();
              return fmt::format("{}{:02}:{:02}", off.count() < 0 ? '-' : '+', m / 60, m % 60);
          }()},
         {"steps", steps},
         {"running", s.enabled && first && *first <= now && now < s.plan->bedtime},
         {"next", next}});
    return controls;
}

void RoutineRunner::persist() {
    if (!persist_) return;
    unsaved_all_ = true;
    // Built when the (possibly deferred) save runs: it writes the latest state.
    state_.save_soon([this](nlohmann::json& doc) { update_state_document(doc); });
}

void RoutineRunner::persist(SleeperRun& s) {
    if (!persist_) return;
    mark_unsaved(s);
    state_.save_soon([this](nlohmann::json& doc) { update_state_document(doc); });
}

void RoutineRunner::mark_unsaved(const SleeperRun& s) {
    if (persist_ && !unsaved_all_) unsaved_.insert(s.name);
}

void RoutineRunner::update_state_document(nlohmann::json& doc) {
    auto night = [](const SleeperRun& s) {
        return nlohmann::json{
            {"night", s.st.night},
            {"done", std::vector<std::string>(s.st.done.begin(), s.st.done.end())},
            // Of those, the ones done without acting: the plan says so after a restart too.
            {"missed", std::vector<std::string>(s.missed.begin(), s.missed.end())},
            {"skipped", std::vector<std::string>(s.skipped.begin(), s.skipped.end())},
            {"heats", s.st.heats_tonight},
            {"manual_off", s.st.manual_off_tonight}};
    };
    auto controls = [](const SleeperRun& s) {
        nlohmann::json c = {
            {"enabled", s.enabled},
            {"disabled_steps",
             std::vector<std::string>(s.disabled_steps.begin(), s.disabled_steps.end())},
            {"bedtime",
             s.bedtime_override ? nlohmann::json(*s.bedtime_override) : nlohmann::json()}};
        if (!s.started_night.empty())
            c.update({{"started_night", s.started_night},
                      {"start_shift_s",
                       std::chrono::duration_cast<std::chrono::seconds>(s.start_shift).count()}});
        return c;
    };
    const bool whole = unsaved_all_ || !doc["sleepers"].is_object() ||
                       !doc["controls"].is_object() || !doc["life"].is_object();
    if (whole) {
        // Rebuilt from scratch: drops what a sleeper no longer in the config left behind.
        doc["sleepers"] = nlohmann::json::object();
        doc["controls"] = nlohmann::json::object();
        doc["life"] = nlohmann::json::object();
    }
    auto update = [&](const SleeperRun& s) {
        doc["sleepers"][s.name] = night(s);
        doc["controls"][s.name] = controls(s);
        doc["life"][s.name] = life_json_state(s);
        if (whole) return;
        // Only these are serialised again (state_file.hpp).
        for (const char* section : {"sleepers", "controls", "life"}) state_.changed(section, s.name);
    };
    if (whole)
        for (const auto& [name, s] : sleepers_) update(*s);
    else
        for (const auto& name : unsaved_)
            if (auto it = sleepers_.find(name); it != sleepers_.end()) update(*it->second);
    unsaved_all_ = false;
    unsaved_.clear();
}

}  // namespace bedtimed
