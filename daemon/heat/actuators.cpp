// The Actuators' core: construction, the one way into the heat governor,
// commands and their confirmation, start, reconnect and stop (actuators.hpp).
#include "actuators.hpp"

#include <fmt/format.h>

#include <set>

#include "actuator_parts.hpp"
#include "options.hpp"

namespace bedtimed {

using integrations::DeviceCap;
using integrations::DeviceCommand;
using namespace actuator_parts;

Actuators::Actuators(Clock& clock, Bus& bus, Counters& counters, const config::Config& cfg,
                     Options options)
    : clock_(clock), bus_(bus), counters_(counters), options_(std::move(options)),
      log_(logger("actuators")), state_(options_.state_path) {
    std::string known;
    for (const auto* integ : integrations::device_integrations())
        known += (known.empty() ? "" : ", ") + std::string(integ->name);
    for (const auto& spec : cfg.actuators) {
        const auto* integ = integrations::find_device_integration(spec.integration);
        integrations::OptionReader reader(spec.options, cfg.path, spec.line, spec.column,
                                          "actuator '" + spec.name + "'");
        if (!integ)
            reader.fail_entry("unknown integration '" + spec.integration + "' (" + known + ")");
        if (spec.kind == config::ActuatorSpec::Kind::heating_pad) {
            if (!integ->make_switch)
                reader.fail_entry(spec.integration + " cannot drive a heating pad");
            auto pad = std::make_unique<Pad>();
            pad->spec = &spec;
            pad->device = integ->make_switch(spec, reader);
            pad->facts = pad->device->initial_facts();
            pad->deadline_timer = clock_.make_timer();
            pad->confirm_timer = clock_.make_timer();
            pad->power_timer = clock_.make_timer();
            pads_[spec.name] = std::move(pad);
        } else {
            if (!integ->make_position) reader.fail_entry(spec.integration + " cannot drive a bed");
            auto bed = std::make_unique<Bed>();
            bed->spec = &spec;
            bed->device = integ->make_position(spec, reader);
            bed->confirm_timer = clock_.make_timer();
            beds_[spec.name] = std::move(bed);
        }
        for (const auto& w : reader.unread_warnings()) log_->warn("{}", w);
    }
}

Actuators::~Actuators() {
    // Before the members go: the pending save reads them, and a successor
    // (a reload) reads the file.
    state_.flush();
    // Handlers capture this object: take them out of the bus with it.
    for (const auto& [topic, handlers] : listeners_) bus_.unsubscribe(topic);
}

// Said once what it is about is on disk (state_file.hpp).
void Actuators::note(const std::string& actuator, const std::string& what) {
    state_.after_saved([this, actuator, what] {
        log_->info("{}: {}", actuator, what);
        if (journal_) journal_(actuator, what);
    });
}

void Actuators::changed(const Pad& pad) {
    state_.after_saved([this, name = pad.spec->name] {
        if (pad_changed_) pad_changed_(name);
    });
}

void Actuators::send(const std::vector<DeviceCommand>& cmds) {
    for (const auto& c : cmds) {
        ++counters_.device_commands;
        bus_.publish(c.topic, c.payload, c.qos, c.retain);
    }
}

heat::Limits Actuators::limits_of(const Pad& pad) const {
    // Nothing answers in simulate or from a plug without state reports.
    const bool reports = options_.expect_confirmation && !pad.device->state_topics().empty();
    return heat::Limits{pad.spec->max_on, pad.spec->min_off, pad.facts.cap != DeviceCap::none,
                        reports};
}

heat::Verdict Actuators::govern(Pad& pad, const heat::Event& event) {
    const heat::PadState before = pad.gov;
    heat::Verdict v = heat::decide(pad.gov, limits_of(pad), event, clock_.steady_now());
    pad.gov = v.next;
    if (v.command) command_pad(pad, *v.command);
    if (v.refused) ++counters_.heat_refused;
    if (v.safety_off) ++counters_.heat_safety_offs;
    if (v.command && v.command->on && !before.on) ++counters_.heat_sessions;
    if (v.manual_off) ++counters_.manual_offs;
    arm_deadline(pad);
    const auto& a = before;
    const auto& b = pad.gov;
    // On disk before anything is said about it: a kill -9 right after the log
    // line must still find the session (and its period) on restart.
    if (a.on != b.on || a.on_since != b.on_since || a.off_at != b.off_at ||
        a.manual_off_tonight != b.manual_off_tonight || a.cool_until != b.cool_until ||
        a.origin != b.origin || a.last_off_at != b.last_off_at)
        persist(pad);
    // A hand's OFF never waits for the window: it must hold after any crash.
    if (b.manual_off_tonight && !a.manual_off_tonight) state_.flush();
    if (!v.reason.empty()) note(pad.spec->name, v.reason);
    // A hand at the plug: the routine must hear of it (a Release by_hand came
    // from the routine itself).
    if (v.manual_off &&
        (std::holds_alternative<heat::Report>(event) ||
         std::holds_alternative<heat::ConfirmTimeout>(event)) &&
        manual_off_)
        manual_off_(pad.spec->name);
    if (std::holds_alternative<heat::Report>(event) && !a.on && b.on &&
        b.origin == heat::Origin::outside && hand_change_)
        hand_change_(pad.spec->name, "switched on");
    if (a.on != b.on || a.off_at != b.off_at || a.manual_off_tonight != b.manual_off_tonight)
        changed(pad);
    // A pad test that something else ended (sleep, a release, a reconnect);
    // the plug's report and the 15 s deadline end it in their own handlers.
    if (pad.testing && a.on && !b.on && !std::holds_alternative<heat::Tick>(event) &&
        !std::holds_alternative<heat::Report>(event))
        finish_pad_test(pad, "INCONCLUSIVE: interrupted (" + v.reason + ")", false);
    return v;
}

void Actuators::arm_deadline(Pad& pad) {
    const auto deadline = heat::next_deadline(pad.gov);
    if (!deadline) {
        pad.deadline_timer->cancel();
        return;
    }
    const auto wait = std::max<Duration>(*deadline - clock_.steady_now(), Duration::zero());
    Pad* p = &pad;
    pad.deadline_timer->arm(wait, [this, p] {
        govern(*p, heat::Tick{});
        if (p->testing && !p->gov.on)
            finish_pad_test(
                *p,
                p->test_saw_on
                    ? "FAILED: the plug was still on after 15 s; it ignores its own cap. "
                      "bedtimed switched it off and keeps it on its own timer only"
                    : "INCONCLUSIVE: the plug never reported ON",
                false);
    });
}

void Actuators::start() {
    const auto persisted = options_.state_path.empty() ? nlohmann::json::object() : state_.load();
    for (auto& [name, pad] : pads_) {
        Pad* p = pad.get();
        const auto states = p->device->state_topics();
        std::set<std::string> topics(states.begin(), states.end());
        for (const auto& t : p->device->fact_topics()) topics.insert(t);
        for (const auto& topic : topics) {
            const bool is_state = std::find(states.begin(), states.end(), topic) != states.end();
            listen(topic,
                   [this, p, is_state](const Message& m) { on_pad_message(*p, m, is_state); });
        }
        restore(*p, persisted.contains("pads") && persisted["pads"].contains(name)
                        ? persisted["pads"][name]
                        : nlohmann::json::object());
        if (p->facts.cap == DeviceCap::none)
            log_->warn("{}: no device cap ({}): heat stops on bedtimed's own timer only", name,
                       p->facts.cap_note.empty() ? p->spec->integration + " cannot be told one"
                                                 : p->facts.cap_note);
        // Fail safe: whatever happened before, heat starts off. Unconfirmed
        // until the plug says OFF: a retained or late "ON" from before the
        // start is an old state (the OFF is sent again), never a hand's ON.
        govern(*p, heat::Started{});
    }
    for (auto& [name, bed] : beds_) {
        Bed* b = bed.get();
        for (const auto& topic : b->device->state_topics())
            listen(topic, [this, b](const Message& m) {
                b->last_seen = clock_.wall_now();
                if (auto pos = b->device->parse_position(m.topic, m.payload))
                    on_bed_position(*b, *pos);
                else ++counters_.device_reports_ignored;
            });
    }
    persist();
}

void Actuators::on_connected() {
    for (auto& [name, pad] : pads_) {
        send(pad->device->prepare_with(pad->spec->max_on, pad->facts));
        send(pad->device->read_cap());
        // Every pad off after a reconnect, whatever was running; a session of
        // bedtimed's own then continues in its same period, for what is left.
        const bool was_testing = pad->testing;
        const auto v = govern(*pad, heat::Reconnected{});
        if (v.granted.count() > 0 && !was_testing)
            heat_on(name, v.granted, "re-asserted after the reconnect", true);
    }
}

void Actuators::shutdown_keeping_sessions() noexcept {
    try {
        for (auto& [name, pad] : pads_) {
            pad->deadline_timer->cancel();
            pad->confirm_timer->cancel();
            pad->power_timer->cancel();
            send(pad->device->turn_off());
        }
        for (auto& [name, bed] : beds_) bed->confirm_timer->cancel();
    } catch (const std::exception& e) {
        log_->error("shutdown: {}", e.what());
    }
}

void Actuators::shutdown() noexcept {
    try {
        for (auto& [name, pad] : pads_) {
            pad->deadline_timer->cancel();
            pad->confirm_timer->cancel();
            pad->power_timer->cancel();
            pad->gov.on = false;
            pad->gov.origin = heat::Origin::none;
            send(pad->device->turn_off());
        }
        for (auto& [name, bed] : beds_) {
            bed->confirm_timer->cancel();
            send(bed->device->stop());
        }
        persist();
        state_.flush();
    } catch (const std::exception& e) {
        log_->error("shutdown: {}", e.what());
    }
}

std::chrono::seconds Actuators::heat_on(const std::string& name, std::chrono::seconds duration,
                                        const std::string& reason, bool resume) {
    auto it = pads_.find(name);
    if (it == pads_.end()) return 0s;
    if (it->second->testing || safe_mode_) {
        note(name, safe_mode_
                       ? "heat refused: safe mode (bedtimed restarted too often); resume it first"
                       : "heat refused: the pad test is running");
        ++counters_.heat_refused;
        return 0s;
    }
    heat::Request r;
    r.wanted = duration;
    r.reason = reason;
    r.resume = resume;
    return govern(*it->second, r).granted;
}

void Actuators::heat_off(const std::string& name, const std::string& reason, bool by_hand) {
    auto it = pads_.find(name);
    if (it == pads_.end()) return;
    govern(*it->second, heat::Release{reason, by_hand});
}

void Actuators::set_safe_mode(bool on) {
    safe_mode_ = on;
    if (!on) return;
    for (auto& [name, pad] : pads_)
        if (pad->gov.on) govern(*pad, heat::Release{"safe mode", false});
}

void Actuators::set_asleep(const std::string& name, bool asleep, const std::string& reason) {
    auto it = pads_.find(name);
    if (it == pads_.end() || it->second->gov.asleep == asleep) return;
    govern(*it->second, heat::SleepChanged{asleep, reason});
}

void Actuators::new_night(const std::string& name) {
    auto it = pads_.find(name);
    if (it == pads_.end() || !it->second->gov.manual_off_tonight) return;
    govern(*it->second, heat::NewNight{});
}

bool Actuators::pad_on(const std::string& name) const {
    auto it = pads_.find(name);
    return it != pads_.end() && it->second->gov.on;
}

std::vector<std::string> Actuators::pad_names() const {
    std::vector<std::string> names;
    for (const auto& [name, pad] : pads_) names.push_back(name);
    return names;
}

void Actuators::command_pad(Pad& pad, const heat::Command& cmd) {
    pad.last_command = cmd;
    if (cmd.on) {
        pad.max_power_on = 0;
        pad.off_sent_at.reset();
        send(pad.device->turn_on_with(cmd.device_cap, pad.facts));
    } else {
        pad.off_sent_at = clock_.steady_now();
        send(pad.device->turn_off());
    }
    pad.power_timer->cancel();
    expect_pad(pad);
}

void Actuators::expect_pad(Pad& pad) {
    if (pad.gov.confirmed()) return;  // nothing awaited (limits_of: nothing answers)
    Pad* p = &pad;
    pad.confirm_timer->arm(pad.spec->confirm_timeout,
                           [this, p] { confirm_timeout(*p, /*retry=*/true); });
}

void Actuators::confirm_timeout(Pad& pad, bool retry) {
    const auto v = govern(pad, heat::ConfirmTimeout{retry});
    Pad* p = &pad;
    if (v.resend) {
        log_->info("{}: no confirmation yet; sending again", pad.spec->name);
        const auto& c = pad.last_command;
        send(c.on ? pad.device->turn_on_with(c.device_cap, pad.facts) : pad.device->turn_off());
        pad.confirm_timer->arm(pad.spec->confirm_timeout,
                               [this, p] { confirm_timeout(*p, /*retry=*/false); });
    } else if (v.unconfirmed) {
        pad.unanswered = true;
        ++counters_.device_unconfirmed;
        log_->warn("{} did not confirm {} after a retry", pad.spec->name,
                   pad.last_command.on ? "ON" : "OFF");
    }
}

void Actuators::listen(const std::string& topic, MessageHandler handler) {
    auto& handlers = listeners_[topic];
    handlers.push_back(std::move(handler));
    if (handlers.size() > 1) return;
    bus_.subscribe(topic, 1, [this, topic](const Message& m) {
        for (const auto& h : listeners_[topic]) h(m);
    });
}

}  // namespace bedtimed
