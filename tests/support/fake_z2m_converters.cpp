// The stand-in bridge's toZigbee side (fake_z2m.hpp): which converter takes
// which key for each plug model, and how each model's on/off converter
// applies a `set` payload, as Zigbee2MQTT's own converters do (tuya
// on_off_countdown, tz.on_off with on_time, Lumi's power_outage_memory).
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "fake_z2m.hpp"

namespace bedtimed::test {

namespace {

using Json = nlohmann::ordered_json;

// The keys of the toZigbee converters each definition has (besides the
// generic read/write/command ones, which the tests do not use).
bool has_converter(FakeZ2m::Model m, const std::string& key) {
    switch (m) {
        case FakeZ2m::Model::ikea_tradfri_outlet:
            return key == "state" || key == "on_time" || key == "off_wait_time" ||
                   key == "power_on_behavior";
        case FakeZ2m::Model::tuya_ts011f_plug_1:
            return key == "state" || key == "countdown" || key == "power_on_behavior" ||
                   key == "power_outage_memory";
        case FakeZ2m::Model::aqara_sp_euc01:
            return key == "state" || key == "on_time" || key == "off_wait_time" ||
                   key == "power_outage_memory";
    }
    return false;
}

// JavaScript truthiness, as the Lumi converter applies it to power_outage_memory.
bool js_truthy(const Json& v) {
    if (v.is_null()) return false;
    if (v.is_boolean()) return v.get<bool>();
    if (v.is_number()) {
        const double d = v.get<double>();
        return d != 0.0 && !std::isnan(d);
    }
    if (v.is_string()) return !v.get_ref<const std::string&>().empty();
    return true;  // objects and arrays
}

std::string upper(std::string s) {
    for (auto& c : s) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    return s;
}

}  // namespace

// Z2M's loop: each key goes to the first converter that has it; a key without
// one is logged and skipped. The on/off converter takes the timer keys with
// the state (apply_*_state). Returns whether a setting changed.
bool FakeZ2m::apply_settings(const std::string& name, Plug& plug, const Json& msg) {
    bool changed = false;
    for (const auto& [key, value] : msg.items()) {
        if (!has_converter(plug.model, key)) {
            error_log("No converter available for '" + key + "' on '" + name + "': (" +
                      value.dump() + ")");
            continue;
        }
        if (key != "power_on_behavior" && key != "power_outage_memory") continue;
        if (plug.model == Model::aqara_sp_euc01) {
            plug.restore = js_truthy(value);  // the string "off" ENABLES restore
        } else {
            const std::string v = value.is_string() ? value.get<std::string>() : std::string();
            if (v == "off") {
                plug.restore = false;
            } else if (v == "on" || v == "previous" || v == "toggle" || v == "restore") {
                plug.restore = true;
            } else {
                error_log("Publish 'set' '" + key + "' to '" + name + "' failed: 'Error: Value '" +
                          value.dump() + "' is not allowed'");
                continue;
            }
        }
        plug.power_on_setting_key = key;
        plug.power_on_setting_json = value.dump();
        changed = true;
    }
    return changed;
}

// on_off_countdown: on/off/toggle (which cancels a running countdown), then
// onWithTimedOff(N s), the firmware's countdown: a TOGGLE after N s.
// nullopt: refused; else whether the state or the countdown changed.
std::optional<bool> FakeZ2m::apply_tuya_state(const std::string& name, Plug& plug,
                                              const Json& msg) {
    const auto state_it = msg.find("state");
    const auto countdown_it = msg.find("countdown");
    std::optional<long long> countdown;
    if (countdown_it != msg.end()) {
        const auto& v = *countdown_it;
        if (!v.is_number() || v.get<double>() < 0 || v.get<double>() > 43200) {
            error_log("Publish 'set' '" +
                      std::string(state_it != msg.end() ? "state" : "countdown") + "' to '" + name +
                      "' failed: 'Error: countdown must be 0..43200, got " + v.dump() + "'");
            return std::nullopt;
        }
        countdown = std::llround(v.get<double>());
    }
    bool changed = false;
    if (state_it != msg.end() && state_it->is_string()) {
        const std::string s = upper(state_it->get<std::string>());
        plug.timer_end.reset();
        plug.countdown = 0;
        if (s == "ON") plug.on = true;
        else if (s == "OFF") plug.on = false;
        else if (s == "TOGGLE") plug.on = !plug.on;
        changed = true;
    }
    if (countdown) {
        plug.countdown = *countdown;
        if (*countdown > 0) {
            plug.timer_end = Clock::now() + std::chrono::seconds(*countdown);
            plug.timer_action = TimerAction::toggle;
        } else {
            plug.timer_end.reset();
        }
        changed = true;
    }
    return changed;
}

// tz.on_off: OnWithTimedOff when on_time is given (no optimistic state: the
// state comes from the plug's own report, `report_delay` later), else
// on/off/toggle. nullopt: refused; else whether the state changed.
std::optional<bool> FakeZ2m::apply_on_off_state(const std::string& name, Plug& plug,
                                                const Json& msg, Clock::duration& report_delay) {
    const auto state_it = msg.find("state");
    const auto on_time_it = msg.find("on_time");
    if (state_it == msg.end() || !state_it->is_string()) return false;
    const std::string s = upper(state_it->get<std::string>());
    if (s == "ON" && on_time_it != msg.end()) {
        if (!on_time_it->is_number()) {
            error_log("Publish 'set' 'state' to '" + name +
                      "' failed: 'TypeError: on_time is not a number'");
            return std::nullopt;
        }
        const long long tenths = std::llround(on_time_it->get<double>() * 10.0);
        if (tenths < 0 || tenths > 65535) {
            error_log(
                "Publish 'set' 'state' to '" + name +
                "' failed: 'RangeError [ERR_OUT_OF_RANGE]: The value of \"value\" is out of range. "
                "It must be >= 0 and <= 65535. Received " +
                std::to_string(tenths) + "'");
            return std::nullopt;
        }
        plug.on = true;
        if (plug.model == Model::ikea_tradfri_outlet && tenths != 0 && tenths != 0xFFFF) {
            // OnTime = max(OnTime, new): a resend lengthens, never shortens.
            const auto end = Clock::now() + std::chrono::milliseconds(100 * tenths);
            if (!plug.timer_end || end > *plug.timer_end) plug.timer_end = end;
            plug.timer_action = TimerAction::off;
        }
        // Aqara: accepted and sent, but the firmware keeps no timer.
        report_delay = std::chrono::milliseconds(50);
        return true;
    }
    if (s == "ON") {
        plug.on = true;
    } else if (s == "OFF") {
        plug.on = false;
        plug.timer_end.reset();  // Off sets OnTime to 0
    } else if (s == "TOGGLE") {
        plug.on = !plug.on;
        if (!plug.on) plug.timer_end.reset();
    } else {
        return false;
    }
    return true;
}

}  // namespace bedtimed::test
