#include "routine_runner.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "local_time.hpp"
#include "options.hpp"
#include "runner_sleeper.hpp"

namespace bedtimed {

using RoutineDecision = routine::Decision;

namespace {

// A step's decision may change with this sensor's reading (steps.hpp).
bool reads_sensor(const config::SleeperSpec& spec, const std::string& sensor) {
    return std::any_of(routine::kSteps.begin(), routine::kSteps.end(),
                       [&](const routine::StepRow& row) { return row.sensor(spec) == sensor; });
}

}  // namespace

RoutineRunner::RoutineRunner(Clock& clock, Bus& bus, Counters& counters, const config::Config& cfg,
                             const SensorTable& sensors, Actuators& actuators,
                             std::string state_path, boost::asio::io_context* io, bool read_secrets)
    : clock_(clock), counters_(counters), cfg_(cfg), sensors_(sensors), actuators_(actuators),
      log_(logger("routine")), state_(state_path),
      persist_(!state_path.empty()), notifier_ctx_{bus, clock,     logger("notify"),
                                                   io,  &counters, read_secrets} {
    for (const auto& spec : cfg.notifiers) {
        integrations::OptionReader reader(spec.options, cfg.path, spec.line, spec.column,
                                          "notifier '" + spec.name + "'");
        const auto* integ = integrations::find_notifier_integration(spec.type);
        if (!integ)
            reader.fail_entry("unknown notifier type '" + spec.type +
                              "' (log, mqtt, ntfy, gotify, ha_app, webhook)");
        notifiers_[spec.name] = integ->create(spec, reader, notifier_ctx_);
        for (const auto& w : reader.unread_warnings()) log_->warn("{}", w);
    }
    for (const auto& spec : cfg.sleepers) {
        auto s = std::make_unique<SleeperRun>();
        s->view(spec);
        s->spec = &spec;
        s->timer = clock_.make_timer();
        watch_sensors(*s);
        sleepers_[spec.name] = std::move(s);
    }
    actuators_.on_alert([this](const std::string& pad, const std::string& message) {
        for (auto& [name, s] : sleepers_)
            if (s->spec->heating_pad == pad)
                notify(integrations::Reminder{name, "pad_alert", "Heating pad did not switch off",
                                              message, true, clock_.wall_now()});
    });
    actuators_.on_manual_off([this](const std::string& pad) {
        for (auto& [name, s] : sleepers_)
            if (s->spec->heating_pad == pad) {
                s->st.manual_off_tonight = true;
                say(name, "pad switched off by hand: no more routine heat tonight");
            }
        persist();
        state_.flush();  // a hand's OFF never waits for the window
    });
    actuators_.on_hand_change([this](const std::string& device, const std::string& what) {
        on_hand_change(device, what);
    });
}

RoutineRunner::~RoutineRunner() {
    state_.flush();  // before the members the pending save reads
    actuators_.on_hand_change(nullptr);
    actuators_.on_manual_off(nullptr);
    actuators_.on_alert(nullptr);
}

void RoutineRunner::say(const std::string& sleeper, const std::string& text) {
    // A decision held back by a stale or missing reading is worth a warning:
    // a sensor has probably stopped reporting.
    if (text.find("stale or missing") != std::string::npos) log_->warn("{}: {}", sleeper, text);
    else log_->info("{}: {}", sleeper, text);
    if (timeline_) timeline_(sleeper, text);
}

routine::Inputs RoutineRunner::inputs(const SleeperRun& s) const {
    return routine::Inputs{cfg_,
                           sensors_,
                           s.zone,
                           clock_.wall_now(),
                           clock_.steady_now(),
                           actuators_.pad_on(s.spec->heating_pad)};
}

void RoutineRunner::start() {
    const auto doc = persist_ ? state_.load() : nlohmann::json::object();
    const WallTime now = clock_.wall_now();
    load_controls(doc);
    load_life(doc);
    for (auto& [name, s] : sleepers_) {
        roll_night(*s, now);
        // Steps already run tonight stay run across a restart.
        if (doc.contains("sleepers") && doc["sleepers"].contains(name)) {
            const auto& j = doc["sleepers"][name];
            if (j.value("night", "") == s->st.night) {
                for (const auto& id : j.value("done", std::vector<std::string>{}))
                    s->st.done.insert(id);
                for (const auto& id : j.value("missed", std::vector<std::string>{}))
                    if (s->st.done.count(id)) s->missed.insert(id);
                for (const auto& id : j.value("skipped", std::vector<std::string>{}))
                    if (s->st.done.count(id)) s->skipped.insert(id);
                s->st.heats_tonight = j.value("heats", 0);
                s->st.manual_off_tonight = j.value("manual_off", false);
            }
        }
        // The governor holds a hand's OFF too; roll_night() just cleared it as a new night.
        if (s->st.manual_off_tonight && !s->spec->heating_pad.empty())
            actuators_.heat_off(s->spec->heating_pad, "switched off by hand earlier tonight", true);
    }
    // Honour the time left of a heat session a restart interrupted; never more.
    for (const auto& [pad, off_at] : actuators_.interrupted_sessions()) {
        for (auto& [name, s] : sleepers_) {
            if (s->spec->heating_pad != pad) continue;
            const auto in = inputs(*s);
            const auto sleep = routine::sleep_state(*s->spec, s->st, in);
            if (s->st.manual_off_tonight || sleep.asleep || off_at <= now) {
                say(name, "not resuming the interrupted heat session");
                continue;
            }
            const auto left = std::chrono::duration_cast<std::chrono::seconds>(off_at - now);
            const auto granted =
                actuators_.heat_on(pad, left, "resuming the session a restart interrupted", true);
            if (granted.count() > 0)
                say(name, fmt::format("resumed the interrupted heat session: {} s left",
                                      granted.count()));
            else say(name, "not resuming the interrupted heat session");
        }
    }
    for (auto& [name, s] : sleepers_) evaluate(*s);
    persist();
}

void RoutineRunner::roll_night(SleeperRun& s, WallTime now) {
    // Every path that changes a sleeper rolls its night first: what it
    // changes without a save of its own rides along with the next one.
    mark_unsaved(s);
    s.spec = &shape_life(s, evening_ ? evening_(s.name, now) : *s.configured, now);
    watch_sensors(s);
    const config::SleeperSpec* planned = s.spec;
    if (s.bedtime_override) {
        s.with_bedtime = *s.spec;
        for (auto& day : s.with_bedtime.bedtime)
            if (day) day = *s.bedtime_override;
        planned = &s.with_bedtime;
    }
    const date::local_days today = local_day(s.zone, now);
    auto& cache = s.plan_cache;
    if (!cache || cache->spec != s.spec || cache->revision != s.spec->revision ||
        cache->bedtime_override != s.bedtime_override || cache->today != today || !cache->plan ||
        cache->plan->ends() <= now) {
        cache = SleeperRun::PlanCache{s.spec, s.spec->revision, s.bedtime_override, today,
                                      routine::current_plan(*planned, s.zone, now),
                                      ++s.plans_made};
    }
    // The usual call (evaluate() runs on every reading): tonight's plan is
    // already the one in use, and no house bedtime or start shift can move
    // it; everything below would find nothing to change.
    const bool as_cached = !s.configured->bedtime_from;  // no house bedtime to apply
    const bool shifts = !s.started_night.empty() && s.started_night == s.st.night;
    if (cache->plan && s.plan && s.plan_as_cached == cache->generation && as_cached && !shifts &&
        s.named_night == cache->plan->night && s.named_night_text == s.st.night)
        return;
    auto plan = cache->plan;
    house_bedtime(s, plan, now);
    if (plan && s.named_night != plan->night) {
        s.named_night = plan->night;
        s.named_night_text = routine::plan_night_text(plan->night);
    }
    const std::string night = plan ? s.named_night_text : "";
    const bool shifted = plan && !s.started_night.empty() && s.started_night == night;
    if (shifted) {
        plan->bedtime += s.start_shift;
        for (auto& step : plan->steps) step.at += s.start_shift;
    }
    const std::optional<std::uint64_t> generation =
        as_cached && !shifted && plan ? std::optional(cache->generation) : std::nullopt;
    // The same evening re-planned (a profile's bedtime moved it past
    // midnight): the steps already done stay done.
    if (plan && s.plan && night != s.st.night && now < s.plan->ends() &&
        plan->bedtime - s.plan->bedtime < std::chrono::hours(12) &&
        s.plan->bedtime - plan->bedtime < std::chrono::hours(12)) {
        say(s.name, "night of " + s.st.night + " re-planned as the night of " + night +
                        "; steps already done stay done");
        s.st.night = night;
    }
    if (night == s.st.night && plan) {
        // Same night; the adapted evening may have moved steps that are still to come.
        const bool moved =
            !s.plan || s.plan->steps.size() != plan->steps.size() ||
            !std::equal(plan->steps.begin(), plan->steps.end(), s.plan->steps.begin(),
                        [](const routine::Step& a, const routine::Step& b) {
                            return a.id == b.id && a.at == b.at;
                        });
        s.plan = std::move(plan);
        s.plan_as_cached = generation;
        if (moved && plan_changed_) plan_changed_(s.name);
        return;
    }
    s.plan = std::move(plan);
    s.plan_as_cached = generation;
    s.skipped.clear();
    s.missed.clear();
    s.st.night = night;
    s.st.done.clear();
    s.st.heats_tonight = 0;
    s.st.manual_off_tonight = false;
    if (!s.spec->heating_pad.empty()) actuators_.new_night(s.spec->heating_pad);
    if (!s.plan) return;
    std::string steps;
    for (const auto& step : s.plan->steps)
        steps += fmt::format("{}{} {}", steps.empty() ? "" : ", ",
                             local_text(s.zone, step.at).substr(11, 5), step.id);
    say(s.spec->name,
        fmt::format("night of {}: bedtime {}; {}", night, local_text(s.zone, s.plan->bedtime),
                    steps.empty() ? "no timed steps" : steps));
    if (plan_changed_) plan_changed_(s.name);
}

void RoutineRunner::evaluate(SleeperRun& s) {
    const WallTime now = clock_.wall_now();
    roll_night(s, now);
    report_sleep(s);
    bool changed = false;
    if (s.plan && !paused_) {
        for (const auto& step : s.plan->steps) {
            if (step.at > now || s.st.done.count(step.id)) continue;
            // Switched off: left pending, so switching it back on in time still runs it.
            if (!step_enabled(s, step.id)) continue;
            if (now - step.at > kGrace && !step.row->open_until_bedtime) {
                s.st.done.insert(step.id);
                s.missed.insert(step.id);
                changed = true;
                say(s.spec->name,
                    fmt::format(
                        "{} missed: due at {}, {} min ago", step.id,
                        local_text(s.zone, step.at).substr(11, 5),
                        std::chrono::duration_cast<std::chrono::minutes>(now - step.at).count()));
                continue;
            }
            const RoutineDecision d = routine::decide_step(*s.spec, step, *s.plan, s.st, inputs(s));
            // An open step (the active-day check) is looked at again until
            // bedtime: a reading that crosses the threshold later still counts.
            if (step.row->open_until_bedtime && d.actions.empty() && now < s.plan->bedtime)
                continue;
            s.st.done.insert(step.id);
            changed = true;
            if (d.actions.empty()) s.skipped.insert(step.id);
            else if (step_ran_) step_ran_(s.name, s.st.night, step.id, now);
            apply(s, d);
        }
    }
    if (changed) persist(s);
    // Also for what time alone changes (running, heat on); the publisher
    // sends only what differs from the last message.
    if (plan_changed_) plan_changed_(s.name);
    arm(s);
}

void RoutineRunner::report_sleep(SleeperRun& s) {
    // The governor switches off any pad that is on, however it came on, the
    // moment this says asleep; evaluate() runs on every sleep or occupancy
    // reading and every minute while the pad is on.
    if (s.spec->heating_pad.empty()) return;
    const auto sleep = routine::sleep_state(*s.spec, s.st, inputs(s));
    actuators_.set_asleep(s.spec->heating_pad, sleep.asleep, sleep.reason);
}

void RoutineRunner::changed(SleeperRun& s) {
    persist(s);
    evaluate(s);
}

void RoutineRunner::arm(SleeperRun& s) {
    const WallTime now = clock_.wall_now();
    // Re-evaluate at least every 5 minutes (wall-clock steps, staleness), every
    // minute while heat is on (sleep onset), and at the next step.
    Duration wait = std::chrono::minutes(5);
    if (actuators_.pad_on(s.spec->heating_pad)) wait = std::chrono::minutes(1);
    if (s.plan) {
        for (const auto& step : s.plan->steps)
            if (!s.st.done.count(step.id) && step.at > now)
                wait = std::min<Duration>(wait, step.at - now);
        const WallTime rollover = s.plan->ends();
        if (rollover > now) wait = std::min<Duration>(wait, rollover - now);
    }
    wait = std::max<Duration>(wait, std::chrono::seconds(1));
    SleeperRun* sp = &s;
    s.timer->arm(wait, [this, sp] { evaluate(*sp); });
}

void RoutineRunner::apply(SleeperRun& s, const RoutineDecision& d, bool from_episode) {
    if (!d.reason.empty()) say(s.spec->name, d.reason);
    const WallTime now = clock_.wall_now();
    for (const auto& action : d.actions) {
        if (const auto* n = std::get_if<routine::Notify>(&action)) {
            notify(integrations::Reminder{s.spec->name, n->step, n->title, n->message, n->urgent,
                                          now});
            ++counters_.reminders_sent;
        } else if (const auto* h = std::get_if<routine::HeatOn>(&action)) {
            if (left_alone(s, s.spec->heating_pad, now)) {
                say(s.spec->name, "no heat from the routine: the pad is left alone (hand-off)");
                continue;
            }
            if (actuators_.heat_on(s.spec->heating_pad, h->duration, d.reason).count() > 0 &&
                from_episode)
                ++s.st.heats_tonight;
        } else if (const auto* m = std::get_if<routine::MoveBed>(&action)) {
            if (left_alone(s, s.spec->bed, now)) {
                say(s.spec->name, "bed stays: it is left alone (hand-off)");
                continue;
            }
            if (actuators_.move_bed(s.spec->bed, m->preset, d.reason)) s.st.last_bed_move = now;
        }
    }
}

void RoutineRunner::on_episode(const Episode& e, const std::string& sleeper) {
    auto it = sleepers_.find(sleeper);
    if (it == sleepers_.end()) return;
    SleeperRun& s = *it->second;
    const WallTime now = clock_.wall_now();
    roll_night(s, now);
    report_sleep(s);
    const RoutineDecision d =
        routine::decide_episode(*s.spec, s.plan ? &*s.plan : nullptr, s.st, inputs(s), e);
    // An episode means the sleeper is awake.
    s.st.last_episode = now;
    apply(s, d, true);
    persist(s);
    if (plan_changed_) plan_changed_(s.name);
    arm(s);
}

void RoutineRunner::on_sensor(const std::string& name) {
    const auto readers = readers_.find(name);
    if (readers == readers_.end()) return;
    auto it = sensors_.find(name);
    // A copy: evaluate() may re-file a sleeper whose evening changed.
    const std::vector<std::string> names(readers->second.begin(), readers->second.end());
    for (const auto& sleeper : names) {
        const auto found = sleepers_.find(sleeper);
        if (found == sleepers_.end()) continue;
        SleeperRun* s = found->second.get();
        const auto& spec = *s->spec;
        if (spec.occupancy_sensor == name && it != sensors_.end()) {
            if (const auto* b = std::get_if<bool>(&it->second.value); b && s->st.in_bed != *b) {
                const bool first = !s->st.in_bed.has_value();
                const RoutineDecision d = routine::decide_occupancy(spec, s->st, *b, inputs(*s));
                // Into bed, or just out of it (not the first "not in bed" after start-up).
                if (*b || s->st.in_bed.value_or(false)) s->life.last_bed_use = clock_.wall_now();
                s->st.in_bed = *b;
                if (*b) s->st.in_bed_since = clock_.wall_now();
                // The first reading after start-up is a state, not a movement.
                if (!first) {
                    const auto moved_before = s->st.last_bed_move;
                    apply(*s, d);
                    // The elevation's routine run: the bed raised on getting
                    // into bed (an experiment's "ran as assigned", experiment.hpp).
                    if (*b && s->st.last_bed_move != moved_before && step_ran_ &&
                        !s->st.night.empty())
                        step_ran_(s->name, s->st.night, "elevation", clock_.wall_now());
                }
            }
        }
        if (life_on_sensor(*s, name) || spec.occupancy_sensor == name ||
            spec.sleep_sensor == name || reads_sensor(spec, name))
            evaluate(*s);
    }
}

void RoutineRunner::watch_sensors(SleeperRun& s) {
    // What on_sensor() reads: the evening's occupancy, sleep and step
    // sensors, and the configured life's (house bedtime, presence). Called
    // on every roll_night(), so the usual "nothing changed" allocates nothing.
    std::array<std::string_view, 4 + routine::kSteps.size()> names{};
    std::size_t count = 0;
    auto add = [&](std::string_view sensor) {
        if (!sensor.empty() &&
            std::find(names.begin(), names.begin() + count, sensor) == names.begin() + count)
            names[count++] = sensor;
    };
    add(s.spec->occupancy_sensor);
    add(s.spec->sleep_sensor);
    for (const auto& row : routine::kSteps) add(row.sensor(*s.spec));
    if (s.configured->bedtime_from) add(s.configured->bedtime_from->sensor);
    if (s.configured->away) add(s.configured->away->presence_sensor);
    if (std::equal(names.begin(), names.begin() + count, s.watched.begin(), s.watched.end()))
        return;
    std::vector<std::string> watched(names.begin(), names.begin() + count);
    for (const auto& sensor : s.watched)
        if (auto it = readers_.find(sensor); it != readers_.end()) {
            it->second.erase(s.name);
            if (it->second.empty()) readers_.erase(it);
        }
    for (const auto& sensor : watched) readers_[sensor].insert(s.name);
    s.watched = std::move(watched);
}

void RoutineRunner::reevaluate() {
    for (auto& [name, s] : sleepers_) evaluate(*s);
}

int RoutineRunner::notify(const integrations::Reminder& r) {
    return outgoing_ ? outgoing_(r) : send_now(r);
}

std::optional<WallTime> RoutineRunner::bedtime_of(const std::string& sleeper) const {
    auto it = sleepers_.find(sleeper);
    if (it == sleepers_.end() || !it->second->plan) return std::nullopt;
    return it->second->plan->bedtime;
}

int RoutineRunner::send_now(const integrations::Reminder& r) {
    auto it = sleepers_.find(r.sleeper);
    if (it == sleepers_.end()) return 0;
    int sent = 0;
    for (const auto& name : it->second->spec->notifiers) {
        notifiers_.at(name)->notify(r);
        ++sent;
    }
    return sent;
}

std::vector<std::string> RoutineRunner::all_heat_off(const std::string& reason) {
    std::vector<std::string> pads;
    for (auto& [name, s] : sleepers_) {
        if (s->spec->heating_pad.empty()) continue;
        actuators_.heat_off(s->spec->heating_pad, reason, true);
        s->st.manual_off_tonight = true;
        pads.push_back(s->spec->heating_pad);
        say(name, "all heat off (" + reason + "): no more routine heat tonight");
    }
    persist();
    state_.flush();  // as a hand's OFF: never waits for the window
    if (plan_changed_)
        for (const auto& [name, s] : sleepers_) plan_changed_(name);
    return pads;
}

std::string RoutineRunner::night_of(const std::string& sleeper) const {
    auto it = sleepers_.find(sleeper);
    return it == sleepers_.end() ? std::string() : it->second->st.night;
}

std::vector<std::string> RoutineRunner::sleeper_names() const {
    std::vector<std::string> names;
    for (const auto& [name, s] : sleepers_) names.push_back(name);
    return names;
}

}  // namespace bedtimed
