#include "actuators.hpp"

#include <fmt/format.h>

#include <cmath>
#include <set>

#include "ingest.hpp"
#include "options.hpp"

namespace bedtimed {

using integrations::DeviceCap;
using integrations::DeviceCommand;
using namespace std::chrono_literals;

namespace {
// Power checks. Pads cycle their element, so "drawing" is the maximum over a
// window, and the window is long enough for plugs polled every 60 s.
constexpr auto kPowerWindow = 90s;
constexpr double kOffDrawingWatts = 2.0;
constexpr auto kOffDrawingRepeat = 60s;  // the OFF is repeated at most this often
constexpr auto kAlertRepeat = 30min;     // and the urgent notice at most this often
// No plug switches more than 16 A at 250 V: a larger reading is garbage.
constexpr double kMaxPlausibleWatts = 4000.0;
// The pad test: the plug is told to switch itself off after 5 s; bedtimed's
// own OFF comes only at 15 s.
constexpr auto kTestDeviceCap = 5s;
constexpr auto kTestSession = 15s;

std::int64_t epoch_s(WallTime t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}
WallTime from_epoch(std::int64_t s) { return WallTime{std::chrono::seconds(s)}; }
const char* origin_name(heat::Origin o) {
    switch (o) {
        case heat::Origin::bedtimed: return "bedtimed";
        case heat::Origin::outside: return "outside";
        case heat::Origin::none: break;
    }
    return "none";
}
}  // namespace

struct Actuators::Pad {
    const config::ActuatorSpec* spec;
    std::unique_ptr<integrations::SwitchDevice> device;
    heat::PadState gov;               // the governor's state; only govern() changes it
    integrations::SwitchFacts facts;  // what the plug can really do, as learned
    heat::Command last_command;
    std::unique_ptr<Timer> deadline_timer;  // the governor's next deadline
    std::unique_ptr<Timer> confirm_timer;
    std::unique_ptr<Timer> power_timer;
    int attempts = 0;
    // Power (plugs that report it).
    std::optional<double> power_w;
    double max_power_on = 0;  // the most drawn since the last ON was confirmed
    std::optional<SteadyTime> off_sent_at;
    std::optional<SteadyTime> off_repeated_at;
    std::optional<SteadyTime> alert_at;
    // The pad test.
    bool testing = false;
    bool test_saw_on = false;
    SteadyTime test_started{};
    std::function<void(const std::string&)> test_done;
    nlohmann::json test_result;  // {"result","verified","method","at"}; null = never tested
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
    std::string known;
    for (const auto* integ : integrations::device_integrations())
        known += (known.empty() ? "" : ", ") + std::string(integ->name);
    for (const auto& spec : cfg.actuators) {
        const auto* integ = integrations::find_device_integration(spec.integration);
        integrations::OptionReader reader(spec.options, cfg.path, spec.line, spec.column,
                                          "actuator '" + spec.name + "'");
        if (!integ) reader.fail_entry("unknown integration '" + spec.integration + "' (" + known + ")");
        if (spec.kind == config::ActuatorSpec::Kind::heating_pad) {
            if (!integ->make_switch) reader.fail_entry(spec.integration + " cannot drive a heating pad");
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
    // Handlers capture this object: take them out of the bus with it.
    for (const auto& [topic, handlers] : listeners_) bus_.unsubscribe(topic);
}

void Actuators::note(const std::string& actuator, const std::string& what) {
    log_->info("{}: {}", actuator, what);
    if (journal_) journal_(actuator, what);
}

void Actuators::changed(const Pad& pad) {
    if (pad_changed_) pad_changed_(pad.spec->name);
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
    return heat::Limits{pad.spec->max_on, pad.spec->min_off, pad.facts.cap != DeviceCap::none, reports};
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
        a.manual_off_tonight != b.manual_off_tonight || a.cool_until != b.cool_until || a.origin != b.origin ||
        a.last_off_at != b.last_off_at)
        persist();
    if (!v.reason.empty()) note(pad.spec->name, v.reason);
    // A hand at the plug: the routine must hear of it (a Release by_hand came
    // from the routine itself).
    if (v.manual_off && (std::holds_alternative<heat::Report>(event) || std::holds_alternative<heat::ConfirmTimeout>(event)) &&
        manual_off_)
        manual_off_(pad.spec->name);
    if (a.on != b.on || a.off_at != b.off_at || a.manual_off_tonight != b.manual_off_tonight) changed(pad);
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
            finish_pad_test(*p,
                            p->test_saw_on ? "FAILED: the plug was still on after 15 s; it ignores its own cap. "
                                             "bedtimed switched it off and keeps it on its own timer only"
                                           : "INCONCLUSIVE: the plug never reported ON",
                            false);
    });
}

void Actuators::start() {
    const auto persisted = options_.state_path.empty() ? nlohmann::json::object() : state_.load();
    const WallTime now = clock_.wall_now();
    const SteadyTime steady = clock_.steady_now();
    auto to_steady = [&](WallTime t) { return steady + std::chrono::duration_cast<Duration>(t - now); };
    for (auto& [name, pad] : pads_) {
        Pad* p = pad.get();
        const auto states = p->device->state_topics();
        std::set<std::string> topics(states.begin(), states.end());
        for (const auto& t : p->device->fact_topics()) topics.insert(t);
        for (const auto& topic : topics) {
            const bool is_state = std::find(states.begin(), states.end(), topic) != states.end();
            listen(topic, [this, p, is_state](const Message& m) { on_pad_message(*p, m, is_state); });
        }
        const nlohmann::json entry = persisted.contains("pads") && persisted["pads"].contains(name)
                                         ? persisted["pads"][name]
                                         : nlohmann::json::object();
        if (entry.contains("off_at") && entry["off_at"].is_number_integer()) {
            const WallTime off_at = from_epoch(entry["off_at"].get<std::int64_t>());
            // Older state files have no start: count from the earliest it could have been.
            const WallTime since = entry.contains("on_since") && entry["on_since"].is_number_integer()
                                       ? from_epoch(entry["on_since"].get<std::int64_t>())
                                       : off_at - p->spec->max_on;
            if (off_at > now && since + p->spec->max_on > now) {
                interrupted_[name] = std::min(off_at, since + p->spec->max_on);
                p->gov.interrupted_since = to_steady(since);
                note(name, fmt::format("was on with {} s left when bedtimed stopped",
                                       std::chrono::duration_cast<std::chrono::seconds>(interrupted_[name] - now).count()));
            } else {
                note(name, "its session ran out while bedtimed was stopped");
            }
        }
        p->gov.manual_off_tonight = entry.value("manual_off", false);
        if (entry.contains("last_off_at") && entry["last_off_at"].is_number_integer() &&
            entry.contains("period_used_s") && entry["period_used_s"].is_number_integer()) {
            p->gov.last_off_at = to_steady(from_epoch(entry["last_off_at"].get<std::int64_t>()));
            p->gov.period_used = std::chrono::seconds(entry["period_used_s"].get<std::int64_t>());
        }
        if (entry.contains("cool_until") && entry["cool_until"].is_number_integer()) {
            const WallTime until = from_epoch(entry["cool_until"].get<std::int64_t>());
            if (until > now) p->gov.cool_until = to_steady(until);
        }
        if (entry.contains("test") && entry["test"].is_object()) p->test_result = entry["test"];
        if (p->facts.cap == DeviceCap::none)
            log_->warn("{}: no device cap ({}): heat stops on bedtimed's own timer only", name,
                       p->facts.cap_note.empty() ? p->spec->integration + " cannot be told one" : p->facts.cap_note);
        // Fail safe: whatever happened before, heat starts off. Unconfirmed
        // until the plug says OFF: a retained or late "ON" from before the
        // start is an old state (the OFF is sent again), never a hand's ON.
        govern(*p, heat::Started{});
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
        send(pad->device->prepare_with(pad->spec->max_on, pad->facts));
        send(pad->device->read_cap());
        // Every pad off after a reconnect, whatever was running; a session of
        // bedtimed's own then continues in its same period, for what is left.
        const bool was_testing = pad->testing;
        const auto v = govern(*pad, heat::Reconnected{});
        if (v.granted.count() > 0 && !was_testing) heat_on(name, v.granted, "re-asserted after the reconnect", true);
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
    } catch (const std::exception& e) {
        log_->error("shutdown: {}", e.what());
    }
}

std::chrono::seconds Actuators::heat_on(const std::string& name, std::chrono::seconds duration,
                                        const std::string& reason, bool resume) {
    auto it = pads_.find(name);
    if (it == pads_.end()) return 0s;
    if (it->second->testing || safe_mode_) {
        note(name, safe_mode_ ? "heat refused: safe mode (bedtimed restarted too often); resume it first"
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
    pad.attempts = 0;
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
    pad.confirm_timer->arm(pad.spec->confirm_timeout, [this, p] { confirm_timeout(*p, /*retry=*/true); });
}

void Actuators::confirm_timeout(Pad& pad, bool retry) {
    const auto v = govern(pad, heat::ConfirmTimeout{retry});
    Pad* p = &pad;
    if (v.resend) {
        log_->info("{}: no confirmation yet; sending again", pad.spec->name);
        const auto& c = pad.last_command;
        send(c.on ? pad.device->turn_on_with(c.device_cap, pad.facts) : pad.device->turn_off());
        pad.confirm_timer->arm(pad.spec->confirm_timeout, [this, p] { confirm_timeout(*p, /*retry=*/false); });
    } else if (v.unconfirmed) {
        ++counters_.device_unconfirmed;
        log_->warn("{} did not confirm {} after a retry", pad.spec->name, pad.last_command.on ? "ON" : "OFF");
    }
}

void Actuators::on_pad_message(Pad& pad, const Message& m, bool is_state) {
    bool used = false;
    if (auto facts = pad.device->learn(m.topic, m.payload, pad.facts)) {
        learn(pad, *facts);
        used = true;
    }
    if (!is_state) return;
    if (auto watts = pad.device->parse_power(m.topic, m.payload);
        watts && std::isfinite(*watts) && *watts >= 0 && *watts <= kMaxPlausibleWatts) {
        on_power(pad, *watts);
        used = true;
    }
    if (auto on = pad.device->parse_state(m.topic, m.payload)) {
        used = true;
        const bool was_confirmed = pad.gov.confirmed();
        govern(pad, heat::Report{*on});
        if (pad.gov.confirmed()) {
            pad.confirm_timer->cancel();
        } else if (!pad.confirm_timer->armed()) {
            // A report after the plug stopped answering (the retry is long
            // past): judge it once more, without another resend.
            Pad* p = &pad;
            pad.confirm_timer->arm(pad.spec->confirm_timeout, [this, p] { confirm_timeout(*p, /*retry=*/false); });
        }
        if (pad.gov.confirmed() && !was_confirmed && pad.gov.on && pad.facts.reports_power &&
            pad.spec->min_power_w > 0) {
            Pad* p = &pad;
            pad.power_timer->arm(kPowerWindow, [this, p] {
                if (!p->gov.on || p->max_power_on >= p->spec->min_power_w) return;
                ++counters_.pad_no_power;
                log_->warn("{}: ON but drawing {:.1f} W at most in {} s: the pad is unplugged or its own switch is off",
                           p->spec->name, p->max_power_on, kPowerWindow.count());
                note(p->spec->name, "ON but not drawing power (pad unplugged, or its own switch off)");
            });
        }
        if (pad.testing) {
            if (*on) pad.test_saw_on = true;
            else if (pad.test_saw_on && !pad.gov.on)
                finish_pad_test(pad,
                                fmt::format("PASSED: the plug switched itself off after {} s",
                                            std::chrono::duration_cast<std::chrono::seconds>(clock_.steady_now() -
                                                                                             pad.test_started)
                                                .count()),
                                true);
        }
    }
    if (!used) ++counters_.device_reports_ignored;
}

void Actuators::learn(Pad& pad, const integrations::SwitchFacts& facts) {
    const integrations::SwitchFacts old = pad.facts;
    pad.facts = facts;
    // A pad test holds for the cap method it proved, until the device changes.
    if (pad.facts.cap == DeviceCap::unverified && pad.test_result.is_object() &&
        pad.test_result.value("verified", false) && pad.test_result.value("method", "") == pad.facts.cap_method)
        pad.facts.cap = DeviceCap::verified;
    // The plug's stay-off-after-a-power-cut setting, as this plug takes it:
    // learned after the connect's prepare(), so sent again now.
    if ((pad.facts.power_on_key != old.power_on_key || pad.facts.power_on_value_json != old.power_on_value_json) &&
        bus_.connected()) {
        send(pad.device->prepare_with(pad.spec->max_on, pad.facts));
        if (pad.facts.power_on_key.empty() && !pad.facts.cap_method.empty())
            log_->warn("{}: this plug cannot be told to stay off after a power cut", pad.spec->name);
    }
    if (pad.facts.cap == old.cap && pad.facts.cap_method == old.cap_method) {
        if (!(pad.facts == old)) changed(pad);
        return;
    }
    const std::string what = fmt::format("device cap {} ({}{}{})", integrations::device_cap_name(pad.facts.cap),
                                         pad.facts.cap_method.empty() ? "configured" : pad.facts.cap_method,
                                         pad.facts.cap_note.empty() ? "" : ": ", pad.facts.cap_note);
    if (pad.facts.cap == DeviceCap::none) {
        if (old.cap != DeviceCap::none) ++counters_.device_cap_failed;
        // The plug was not told a cap it takes: an early OFF can only be a hand.
        pad.gov.device_off_at.reset();
        log_->warn("{}: {}: heat stops on bedtimed's own timer only", pad.spec->name, what);
        if (journal_) journal_(pad.spec->name, what);
    } else {
        note(pad.spec->name, what);
    }
    changed(pad);
}

void Actuators::on_power(Pad& pad, double watts) {
    const SteadyTime now = clock_.steady_now();
    pad.power_w = watts;
    if (pad.gov.on) {
        pad.max_power_on = std::max(pad.max_power_on, watts);
    } else if (pad.gov.confirmed() && pad.off_sent_at && now - *pad.off_sent_at >= kPowerWindow &&
               watts > kOffDrawingWatts) {
        ++counters_.pad_off_drawing;
        const std::string msg = fmt::format(
            "{} is OFF but still draws {:.0f} W: the plug did not switch off. Switch the pad off at its own "
            "switch or unplug it.",
            pad.spec->name, watts);
        log_->error("{}", msg);
        if (!pad.alert_at || now - *pad.alert_at >= kAlertRepeat) {
            pad.alert_at = now;
            if (journal_) journal_(pad.spec->name, "OFF but still drawing power: urgent notice sent");
            if (alert_) alert_(pad.spec->name, msg);
        }
        if (!pad.off_repeated_at || now - *pad.off_repeated_at >= kOffDrawingRepeat) {
            pad.off_repeated_at = now;
            send(pad.device->turn_off());
        }
    }
    changed(pad);
}

std::string Actuators::pad_test(const std::string& name, std::function<void(const std::string&)> done) {
    auto it = pads_.find(name);
    if (it == pads_.end()) return "no heating pad named \"" + name + "\"";
    Pad& pad = *it->second;
    if (pad.testing) return "a test of " + name + " is already running";
    if (safe_mode_) return "bedtimed is in safe mode; resume it first";
    if (pad.gov.on) return name + " is on; the test needs it off";
    if (pad.facts.cap == DeviceCap::none)
        return name + " has no device cap to test" + (pad.facts.cap_note.empty() ? "" : " (" + pad.facts.cap_note + ")");
    if (!options_.expect_confirmation || pad.device->state_topics().empty())
        return name + " does not report its state: the test could not see it switch itself off";
    heat::Request r;
    r.wanted = kTestSession;
    r.reason = "pad test: on with a 5 s device cap";
    r.device_cap = kTestDeviceCap;
    const auto v = govern(pad, r);
    if (v.refused) return v.reason;
    ++counters_.pad_tests;
    pad.testing = true;
    pad.test_saw_on = false;
    pad.test_started = clock_.steady_now();
    pad.test_done = std::move(done);
    return {};
}

void Actuators::finish_pad_test(Pad& pad, const std::string& result, bool verified) {
    pad.testing = false;
    const bool inconclusive = !verified && result.rfind("INCONCLUSIVE", 0) == 0;
    pad.test_result = {{"result", result},
                       {"verified", verified},
                       {"method", pad.facts.cap_method},
                       {"at", format_iso8601(clock_.wall_now())}};
    if (verified) {
        pad.facts.cap = DeviceCap::verified;
        pad.facts.cap_note = "pad test passed";
    } else if (!inconclusive) {
        if (pad.facts.cap != DeviceCap::none) ++counters_.device_cap_failed;
        pad.facts.cap = DeviceCap::none;
        pad.facts.cap_note = "pad test failed: the plug ignored its cap";
        log_->warn("{}: device cap none ({}): heat stops on bedtimed's own timer only", pad.spec->name,
                   pad.facts.cap_note);
    }
    note(pad.spec->name, "pad test " + result);
    persist();
    changed(pad);
    if (auto done = std::move(pad.test_done)) done(result);
}

nlohmann::json Actuators::pad_json(const std::string& name) const {
    auto it = pads_.find(name);
    if (it == pads_.end()) return nullptr;
    const Pad& p = *it->second;
    const WallTime now = clock_.wall_now();
    const SteadyTime steady = clock_.steady_now();
    auto wall = [&](SteadyTime t) { return format_iso8601(now + std::chrono::duration_cast<std::chrono::seconds>(t - steady)); };
    return {{"on", p.gov.on},
            {"origin", origin_name(p.gov.origin)},
            {"off_at", p.gov.on ? nlohmann::json(wall(p.gov.off_at)) : nlohmann::json()},
            {"max_on_s", p.spec->max_on.count()},
            {"cap", std::string(integrations::device_cap_name(p.facts.cap))},
            {"cap_method", p.facts.cap_method},
            {"cap_note", p.facts.cap_note},
            {"power_w", p.power_w ? nlohmann::json(*p.power_w) : nlohmann::json()},
            {"manual_off_tonight", p.gov.manual_off_tonight},
            {"cool_until", p.gov.cool_until ? nlohmann::json(wall(*p.gov.cool_until)) : nlohmann::json()},
            {"test", p.test_result}};
}

bool Actuators::move_bed(const std::string& name, const std::string& preset, const std::string& reason) {
    auto it = beds_.find(name);
    if (it == beds_.end()) return false;
    Bed& bed = *it->second;
    if (safe_mode_) {
        note(name, "move to " + preset + " refused: safe mode");
        return false;
    }
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
    const WallTime now = clock_.wall_now();
    const SteadyTime steady = clock_.steady_now();
    auto wall = [&](SteadyTime t) { return epoch_s(now + std::chrono::duration_cast<std::chrono::seconds>(t - steady)); };
    for (const auto& [name, pad] : pads_) {
        nlohmann::json entry = nlohmann::json::object();
        // Only bedtimed's sessions are resumed after a restart; a pad switched
        // on by other means stays off.
        if (pad->gov.on && pad->gov.origin == heat::Origin::bedtimed && !pad->testing) {
            entry["off_at"] = wall(pad->gov.off_at);
            entry["on_since"] = wall(pad->gov.on_since);
        }
        if (pad->gov.manual_off_tonight) entry["manual_off"] = true;
        if (pad->gov.last_off_at && pad->gov.period_used.count() > 0) {
            entry["last_off_at"] = wall(*pad->gov.last_off_at);
            entry["period_used_s"] = pad->gov.period_used.count();
        }
        if (pad->gov.cool_until) entry["cool_until"] = wall(*pad->gov.cool_until);
        if (pad->test_result.is_object()) entry["test"] = pad->test_result;
        if (!entry.empty()) pads[name] = entry;
    }
    doc["pads"] = pads;
    state_.save(doc);
}

}  // namespace bedtimed
