// The pads' device truth: state and fact reports, power checks, the pad test
// and <base>/pads/<pad> (see actuators.hpp).
#include "actuators.hpp"

#include <fmt/format.h>

#include <cmath>

#include "actuator_parts.hpp"
#include "ingest.hpp"

namespace bedtimed {

using integrations::DeviceCap;
using namespace actuator_parts;

void Actuators::on_pad_message(Pad& pad, const Message& m, bool is_state) {
    bool used = false;
    if (auto facts = pad.device->learn(m.topic, m.payload, pad.facts)) {
        learn(pad, *facts);
        used = true;
    }
    if (!is_state) return;
    pad.last_seen = clock_.wall_now();
    if (auto watts = pad.device->parse_power(m.topic, m.payload);
        watts && std::isfinite(*watts) && *watts >= 0 && *watts <= kMaxPlausibleWatts) {
        on_power(pad, *watts);
        used = true;
    }
    if (auto on = pad.device->parse_state(m.topic, m.payload)) {
        used = true;
        pad.unanswered = false;
        const bool was_confirmed = pad.gov.confirmed();
        govern(pad, heat::Report{*on});
        if (pad.gov.confirmed()) {
            pad.confirm_timer->cancel();
        } else if (!pad.confirm_timer->armed()) {
            // A report after the plug stopped answering (the retry is long
            // past): judge it once more, without another resend.
            Pad* p = &pad;
            pad.confirm_timer->arm(pad.spec->confirm_timeout,
                                   [this, p] { confirm_timeout(*p, /*retry=*/false); });
        }
        if (pad.gov.confirmed() && !was_confirmed && pad.gov.on) arm_power_check(pad);
        if (pad.testing) {
            if (*on) pad.test_saw_on = true;
            else if (pad.test_saw_on && !pad.gov.on)
                finish_pad_test(pad,
                                fmt::format("PASSED: the plug switched itself off after {} s",
                                            std::chrono::duration_cast<std::chrono::seconds>(
                                                clock_.steady_now() - pad.test_started)
                                                .count()),
                                true);
        }
    }
    if (!used) ++counters_.device_reports_ignored;
}

// An ON just confirmed on a plug that reports power: within the window the
// pad must draw at least min_power_w, else it is unplugged or switched off.
void Actuators::arm_power_check(Pad& pad) {
    if (!pad.facts.reports_power || pad.spec->min_power_w <= 0) return;
    Pad* p = &pad;
    pad.power_timer->arm(kPowerWindow, [this, p] {
        if (!p->gov.on || p->max_power_on >= p->spec->min_power_w) return;
        ++counters_.pad_no_power;
        log_->warn(
            "{}: ON but drawing {:.1f} W at most in {} s: the pad is unplugged or its own switch "
            "is off",
            p->spec->name, p->max_power_on, kPowerWindow.count());
        note(p->spec->name, "ON but not drawing power (pad unplugged, or its own switch off)");
    });
}

void Actuators::learn(Pad& pad, const integrations::SwitchFacts& facts) {
    const integrations::SwitchFacts old = pad.facts;
    pad.facts = facts;
    // A pad test holds for the cap method it proved, until the device changes.
    if (pad.facts.cap == DeviceCap::unverified && pad.test_result.is_object() &&
        pad.test_result.value("verified", false) &&
        pad.test_result.value("method", "") == pad.facts.cap_method)
        pad.facts.cap = DeviceCap::verified;
    // The plug's stay-off-after-a-power-cut setting, as this plug takes it:
    // learned after the connect's prepare(), so sent again now.
    if ((pad.facts.power_on_key != old.power_on_key ||
         pad.facts.power_on_value_json != old.power_on_value_json) &&
        bus_.connected()) {
        send(pad.device->prepare_with(pad.spec->max_on, pad.facts));
        if (pad.facts.power_on_key.empty() && !pad.facts.cap_method.empty())
            log_->warn("{}: this plug cannot be told to stay off after a power cut",
                       pad.spec->name);
    }
    if (pad.facts.cap == old.cap && pad.facts.cap_method == old.cap_method) {
        if (!(pad.facts == old)) changed(pad);
        return;
    }
    const std::string what =
        fmt::format("device cap {} ({}{}{})", integrations::device_cap_name(pad.facts.cap),
                    pad.facts.cap_method.empty() ? "configured" : pad.facts.cap_method,
                    pad.facts.cap_note.empty() ? "" : ": ", pad.facts.cap_note);
    if (pad.facts.cap == DeviceCap::none) {
        if (old.cap != DeviceCap::none) ++counters_.device_cap_failed;
        // The plug was not told a cap it takes: an early OFF can only be a
        // hand (the governor forgets the plug's timer when the limits say so).
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
            "{} is OFF but still draws {:.0f} W: the plug did not switch off. Switch the pad off "
            "at its own "
            "switch or unplug it.",
            pad.spec->name, watts);
        log_->error("{}", msg);
        if (!pad.alert_at || now - *pad.alert_at >= kAlertRepeat) {
            pad.alert_at = now;
            if (journal_)
                journal_(pad.spec->name, "OFF but still drawing power: urgent notice sent");
            if (alert_) alert_(pad.spec->name, msg);
        }
        if (!pad.off_repeated_at || now - *pad.off_repeated_at >= kOffDrawingRepeat) {
            pad.off_repeated_at = now;
            send(pad.device->turn_off());
        }
    }
    changed(pad);
}

std::string Actuators::pad_test(const std::string& name,
                                std::function<void(const std::string&)> done) {
    auto it = pads_.find(name);
    if (it == pads_.end()) return "no heating pad named \"" + name + "\"";
    Pad& pad = *it->second;
    if (pad.testing) return "a test of " + name + " is already running";
    if (safe_mode_) return "bedtimed is in safe mode; resume it first";
    if (pad.gov.on) return name + " is on; the test needs it off";
    if (pad.facts.cap == DeviceCap::none)
        return name + " has no device cap to test" +
               (pad.facts.cap_note.empty() ? "" : " (" + pad.facts.cap_note + ")");
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
        log_->warn("{}: device cap none ({}): heat stops on bedtimed's own timer only",
                   pad.spec->name, pad.facts.cap_note);
    }
    note(pad.spec->name, "pad test " + result);
    persist(pad);
    changed(pad);
    if (auto done = std::move(pad.test_done)) done(result);
}

nlohmann::json Actuators::pad_json(const std::string& name) const {
    auto it = pads_.find(name);
    if (it == pads_.end()) return nullptr;
    const Pad& p = *it->second;
    const ClockPair clocks(clock_);
    auto wall = [&](SteadyTime t) { return format_iso8601(clocks.wall(t)); };
    return {{"on", p.gov.on},
            {"origin", origin_name(p.gov.origin)},
            {"off_at", p.gov.on ? nlohmann::json(wall(p.gov.off_at)) : nlohmann::json()},
            {"max_on_s", p.spec->max_on.count()},
            {"cap", std::string(integrations::device_cap_name(p.facts.cap))},
            {"cap_method", p.facts.cap_method},
            {"cap_note", p.facts.cap_note},
            {"power_w", p.power_w ? nlohmann::json(*p.power_w) : nlohmann::json()},
            {"manual_off_tonight", p.gov.manual_off_tonight},
            {"cool_until",
             p.gov.cool_until ? nlohmann::json(wall(*p.gov.cool_until)) : nlohmann::json()},
            {"test", p.test_result}};
}

nlohmann::json Actuators::devices_json() const {
    nlohmann::json out = nlohmann::json::array();
    auto seen = [](const std::optional<WallTime>& t) {
        return t ? nlohmann::json(format_iso8601(*t)) : nlohmann::json();
    };
    for (const auto& [name, p] : pads_) {
        const bool reports = options_.expect_confirmation && !p->device->state_topics().empty();
        out.push_back({{"name", name},
                       {"kind", "heating_pad"},
                       {"integration", p->spec->integration},
                       {"reports", reports},
                       {"last_seen", seen(p->last_seen)},
                       {"stale", reports && (!p->last_seen || p->unanswered)},
                       {"confirmed", p->gov.confirmed()},
                       {"power_w", p->power_w ? nlohmann::json(*p->power_w) : nlohmann::json()},
                       {"position", nullptr}});
    }
    for (const auto& [name, b] : beds_) {
        const bool reports = options_.expect_confirmation && !b->device->state_topics().empty();
        out.push_back(
            {{"name", name},
             {"kind", "bed"},
             {"integration", b->spec->integration},
             {"reports", reports},
             {"last_seen", seen(b->last_seen)},
             {"stale", reports && (!b->last_seen || b->unanswered)},
             {"confirmed", !b->target.has_value()},
             {"power_w", nullptr},
             {"position", b->reported ? nlohmann::json(*b->reported) : nlohmann::json()}});
    }
    return out;
}

}  // namespace bedtimed
