#include "actuators.hpp"

#include <fmt/format.h>

#include <cmath>

#include "options.hpp"

namespace bedtimed {

using integrations::DeviceCommand;

namespace {
// A plug's own auto-off is set a little past our timer, so our "off" (and its
// confirmation) comes first and the plug only acts when bedtimed is gone.
constexpr auto kDeviceMargin = std::chrono::seconds(60);
// An "off" report this close to the planned end is the plug's own timer, not a hand.
constexpr auto kEndTolerance = std::chrono::seconds(90);

std::int64_t epoch_s(WallTime t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}
}  // namespace

struct Actuators::Pad {
    const config::ActuatorSpec* spec;
    std::unique_ptr<integrations::SwitchDevice> device;
    bool desired_on = false;
    bool confirmed = false;     // the device reported the desired state
    bool unsolicited = false;   // on by someone else; capped by us
    std::optional<WallTime> off_at;
    std::unique_ptr<Timer> off_timer;
    std::unique_ptr<Timer> confirm_timer;
    int attempts = 0;
    std::chrono::seconds last_auto_off{0};
};

struct Actuators::Bed {
    const config::ActuatorSpec* spec;
    std::unique_ptr<integrations::PositionDevice> device;
    std::optional<double> target;
    std::optional<double> reported;
    std::optional<SteadyTime> last_move;
    std::unique_ptr<Timer> confirm_timer;
    int attempts = 0;
};

Actuators::Actuators(Clock& clock, Bus& bus, Counters& counters, const config::Config& cfg,
                     Options options)
    : clock_(clock), bus_(bus), counters_(counters), options_(std::move(options)),
      log_(logger("actuators")), state_(options_.state_path) {
    for (const auto& spec : cfg.actuators) {
        const auto* integ = integrations::find_device_integration(spec.integration);
        integrations::OptionReader reader(spec.options, cfg.path, spec.line, spec.column,
                                          "actuator '" + spec.name + "'");
        if (!integ)
            reader.fail_entry("unknown integration '" + spec.integration +
                              "' (zigbee2mqtt, tasmota, shelly_gen2, esphome, generic)");
        if (spec.kind == config::ActuatorSpec::Kind::heating_pad) {
            if (!integ->make_switch) reader.fail_entry(spec.integration + " cannot drive a heating pad");
            auto pad = std::make_unique<Pad>();
            pad->spec = &spec;
            pad->device = integ->make_switch(spec, reader);
            pad->off_timer = clock_.make_timer();
            pad->confirm_timer = clock_.make_timer();
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
    // Handlers capture this object: take them out of the bus with it.
    for (const auto& [topic, handlers] : listeners_) bus_.unsubscribe(topic);
}

void Actuators::note(const std::string& actuator, const std::string& what) {
    log_->info("{}: {}", actuator, what);
    if (journal_) journal_(actuator, what);
}

void Actuators::send(const std::vector<DeviceCommand>& cmds) {
    for (const auto& c : cmds) {
        ++counters_.device_commands;
        bus_.publish(c.topic, c.payload, c.qos, c.retain);
    }
}

void Actuators::start() {
    const auto persisted = options_.state_path.empty() ? nlohmann::json::object() : state_.load();
    const WallTime now = clock_.wall_now();
    for (auto& [name, pad] : pads_) {
        Pad* p = pad.get();
        for (const auto& topic : p->device->state_topics())
            listen(topic, [this, p](const Message& m) {
                if (auto on = p->device->parse_state(m.topic, m.payload)) on_pad_state(*p, *on);
                else ++counters_.device_reports_ignored;
            });
        if (persisted.contains("pads") && persisted["pads"].contains(name)) {
            const auto& entry = persisted["pads"][name];
            if (entry.contains("off_at") && entry["off_at"].is_number_integer()) {
                const WallTime off_at{std::chrono::seconds(entry["off_at"].get<std::int64_t>())};
                if (off_at > now) {
                    interrupted_[name] = off_at;
                    note(name, fmt::format("was on with {} s left when bedtimed stopped",
                                           std::chrono::duration_cast<std::chrono::seconds>(off_at - now).count()));
                } else {
                    note(name, "its session ran out while bedtimed was stopped");
                }
            }
        }
        // Fail safe: whatever happened before, heat starts off.
        p->desired_on = false;
        command_pad(*p, false, std::chrono::seconds(0));
    }
    for (auto& [name, bed] : beds_) {
        Bed* b = bed.get();
        for (const auto& topic : b->device->state_topics())
            listen(topic, [this, b](const Message& m) {
                if (auto pos = b->device->parse_position(m.topic, m.payload)) on_bed_position(*b, *pos);
                else ++counters_.device_reports_ignored;
            });
    }
    persist();
}

void Actuators::on_connected() {
    for (auto& [name, pad] : pads_) {
        send(pad->device->prepare(pad->spec->max_on));
        // Re-assert: off, or on with the time that is left (never extended).
        if (pad->desired_on && pad->off_at && *pad->off_at > clock_.wall_now()) {
            const auto left = std::chrono::duration_cast<std::chrono::seconds>(*pad->off_at - clock_.wall_now());
            command_pad(*pad, true, std::min(left + kDeviceMargin, pad->spec->max_on));
        } else {
            command_pad(*pad, false, std::chrono::seconds(0));
        }
    }
}

void Actuators::shutdown_keeping_sessions() noexcept {
    try {
        for (auto& [name, pad] : pads_) {
            pad->off_timer->cancel();
            pad->confirm_timer->cancel();
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
            pad->off_timer->cancel();
            pad->confirm_timer->cancel();
            pad->desired_on = false;
            pad->off_at.reset();
            send(pad->device->turn_off());
        }
        for (auto& [name, bed] : beds_) {
            bed->confirm_timer->cancel();
            send(bed->device->stop());
        }
        persist();
    } catch (const std::exception& e) {
        log_->error("shutdown: {}", e.what());
    }
}

std::chrono::seconds Actuators::heat_on(const std::string& name, std::chrono::seconds duration,
                                        const std::string& reason) {
    auto it = pads_.find(name);
    if (it == pads_.end() || duration.count() <= 0) return std::chrono::seconds(0);
    Pad& pad = *it->second;
    const auto granted = std::min(duration, pad.spec->max_on);
    pad.desired_on = true;
    pad.unsolicited = false;
    pad.off_at = clock_.wall_now() + granted;
    ++counters_.heat_sessions;
    // The daemon's own cap: a steady-clock timer, immune to wall-clock steps.
    pad.off_timer->arm(granted, [this, &pad] {
        ++counters_.heat_safety_offs;
        heat_off(pad.spec->name, "session over");
    });
    command_pad(pad, true, std::min(granted + kDeviceMargin, pad.spec->max_on));
    persist();
    note(name, fmt::format("ON for {} s ({}{})", granted.count(), reason,
                           granted < duration ? "; clamped to the cap" : ""));
    return granted;
}

void Actuators::heat_off(const std::string& name, const std::string& reason) {
    auto it = pads_.find(name);
    if (it == pads_.end()) return;
    Pad& pad = *it->second;
    const bool was_on = pad.desired_on || pad.unsolicited;
    pad.desired_on = false;
    pad.unsolicited = false;
    pad.off_at.reset();
    pad.off_timer->cancel();
    command_pad(pad, false, std::chrono::seconds(0));
    persist();
    if (was_on) note(name, "OFF (" + reason + ")");
}

bool Actuators::move_bed(const std::string& name, const std::string& preset, const std::string& reason) {
    auto it = beds_.find(name);
    if (it == beds_.end()) return false;
    Bed& bed = *it->second;
    auto p = bed.spec->presets.find(preset);
    if (p == bed.spec->presets.end()) return false;
    // Rate limit, enforced here too, whatever the caller decided.
    if (bed.last_move && clock_.steady_now() - *bed.last_move < bed.spec->min_move_interval) {
        note(name, "move to " + preset + " refused: rate limit");
        return false;
    }
    bed.last_move = clock_.steady_now();
    bed.target = p->second;
    bed.attempts = 0;
    ++counters_.bed_moves;
    send(bed.device->move_to(p->second));
    note(name, fmt::format("to {} ({}%): {}", preset, p->second, reason));
    if (options_.expect_confirmation && !bed.device->state_topics().empty()) {
        Bed* b = &bed;
        bed.confirm_timer->arm(bed.spec->confirm_timeout, [this, b] {
            if (!b->target) return;
            log_->info("{}: no position report yet; sending again", b->spec->name);
            send(b->device->move_to(*b->target));
            b->confirm_timer->arm(b->spec->confirm_timeout, [this, b] {
                if (!b->target) return;
                ++counters_.device_unconfirmed;
                log_->warn("{} did not report position {}% after a retry", b->spec->name, *b->target);
                b->target.reset();
            });
        });
    }
    return true;
}

bool Actuators::pad_on(const std::string& name) const {
    auto it = pads_.find(name);
    return it != pads_.end() && it->second->desired_on;
}

void Actuators::command_pad(Pad& pad, bool on, std::chrono::seconds device_auto_off) {
    pad.confirmed = false;
    pad.attempts = 0;
    pad.last_auto_off = device_auto_off;
    send(on ? pad.device->turn_on(device_auto_off) : pad.device->turn_off());
    expect_pad(pad);
}

void Actuators::expect_pad(Pad& pad) {
    if (!options_.expect_confirmation || pad.device->state_topics().empty()) {
        pad.confirmed = true;
        return;
    }
    Pad* p = &pad;
    pad.confirm_timer->arm(pad.spec->confirm_timeout, [this, p] {
        if (p->confirmed) return;
        if (++p->attempts < 2) {
            log_->info("{}: no confirmation yet; sending again", p->spec->name);
            send(p->desired_on ? p->device->turn_on(p->last_auto_off) : p->device->turn_off());
            p->confirm_timer->arm(p->spec->confirm_timeout, [this, p] {
                if (p->confirmed) return;
                ++counters_.device_unconfirmed;
                log_->warn("{} did not confirm {} after a retry", p->spec->name, p->desired_on ? "ON" : "OFF");
            });
        }
    });
}

void Actuators::on_pad_state(Pad& pad, bool on) {
    const WallTime now = clock_.wall_now();
    if (on == pad.desired_on) {
        pad.confirmed = true;
        pad.confirm_timer->cancel();
        return;
    }
    if (!on && pad.desired_on) {
        // Our ON is not confirmed yet: this is an old state, not a hand.
        if (!pad.confirmed) return;
        if (pad.off_at && *pad.off_at - now <= kEndTolerance) return;  // the plug's own timer
        pad.desired_on = false;
        pad.off_at.reset();
        pad.off_timer->cancel();
        pad.confirm_timer->cancel();
        ++counters_.manual_offs;
        persist();
        note(pad.spec->name, "switched off by hand: no more routine heat tonight");
        if (manual_off_) manual_off_(pad.spec->name);
        return;
    }
    if (on && !pad.desired_on && !pad.unsolicited && pad.confirmed) {
        // On without us: heat still has a hard limit.
        pad.unsolicited = true;
        note(pad.spec->name, fmt::format("turned on outside bedtimed: it will be switched off after its {} min cap",
                                         pad.spec->max_on.count() / 60));
        pad.off_timer->arm(pad.spec->max_on, [this, &pad] {
            ++counters_.heat_safety_offs;
            heat_off(pad.spec->name, "cap reached for a pad turned on outside bedtimed");
        });
    }
}

void Actuators::on_bed_position(Bed& bed, double position) {
    bed.reported = position;
    if (bed.target && std::fabs(*bed.target - position) <= 2.0) {
        bed.target.reset();
        bed.confirm_timer->cancel();
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

void Actuators::persist() {
    if (options_.state_path.empty()) return;
    nlohmann::json doc = state_.load();
    nlohmann::json pads = nlohmann::json::object();
    for (const auto& [name, pad] : pads_)
        if (pad->desired_on && pad->off_at) pads[name] = {{"off_at", epoch_s(*pad->off_at)}};
    doc["pads"] = pads;
    state_.save(doc);
}

}  // namespace bedtimed
