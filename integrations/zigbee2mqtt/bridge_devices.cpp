// Zigbee2MQTT's retained bridge/devices, read for one plug: its cap method
// (on_time, Tuya countdown or none) and how it is told to stay off after a
// power cut (bridge_devices.hpp).
#include "bridge_devices.hpp"

#include <vector>

#include "codec_util.hpp"

namespace bedtimed::integrations::z2m {

std::string string_member(const nlohmann::json& j, std::string_view key) {
    const auto* v = detail::member(j, key);
    return v != nullptr && v->is_string() ? v->get<std::string>() : std::string();
}

bool starts_with(std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix;
}

namespace {

// Every expose and feature of a bridge/devices definition, depth first.
void flatten(const nlohmann::json& exposes, std::vector<const nlohmann::json*>& out) {
    if (!exposes.is_array()) return;
    for (const auto& e : exposes) {
        if (!e.is_object()) continue;
        out.push_back(&e);
        if (const auto* f = detail::member(e, "features")) flatten(*f, out);
    }
}

bool named(const nlohmann::json& expose, std::string_view name) {
    for (const char* k : {"name", "property"}) {
        const auto* v = detail::member(expose, k);
        if (v != nullptr && v->is_string() && v->get_ref<const std::string&>() == name) return true;
    }
    return false;
}

// The exposes of one bridge/devices entry, flattened, found by name.
struct Exposes {
    std::vector<const nlohmann::json*> all;
    const nlohmann::json* find(std::string_view name) const {
        for (const auto* e : all)
            if (named(*e, name)) return e;
        return nullptr;
    }
};

// The cap method, from the configured mode and what the plug exposes.
void learn_cap(SwitchFacts& f, const SwitchFacts& known, const Exposes& exposes, CapMode mode,
               const std::string& manufacturer) {
    const bool tuya = starts_with(manufacturer, "_TZ") || starts_with(manufacturer, "_TYZB");
    bool countdown = false;
    if (const auto* c = exposes.find("countdown")) {
        const auto* access = detail::member(*c, "access");
        countdown =
            access != nullptr && access->is_number_integer() && (access->get<long long>() & 2) != 0;
    }
    switch (mode) {
        case CapMode::automatic:
            if (countdown) {
                f.cap_method = "countdown";
                f.cap_note = "countdown exposed in bridge/devices";
            } else if (tuya) {
                f.cap_method = "none";
                f.cap_note = "Tuya firmware (" + manufacturer +
                             ") without countdown: on_time would be a x10 delayed toggle";
            } else {
                f.cap_method = "on_time";
                f.cap_note = "on_time (ZCL OnWithTimedOff), not proven yet";
            }
            break;
        case CapMode::on_time:
            if (tuya) {
                f.cap_method = "none";
                f.cap_note = "cap: on_time refused for Tuya firmware (" + manufacturer +
                             "): on_time would be a x10 delayed toggle";
            } else {
                f.cap_method = "on_time";
                f.cap_note = "cap: on_time in the config";
            }
            break;
        case CapMode::countdown:
            f.cap_method = "countdown";
            f.cap_note = countdown ? "cap: countdown in the config (exposed)"
                                   : "cap: countdown in the config (not exposed in bridge/devices)";
            break;
        case CapMode::none:
            f.cap_method = "none";
            f.cap_note = "cap: none in the config";
            break;
    }
    f.cap = f.cap_method == "none" ? DeviceCap::none : DeviceCap::unverified;
    // What was proven at run time outlives a re-publication of bridge/devices.
    if (known.cap_method == f.cap_method && known.cap == DeviceCap::verified) {
        f.cap = known.cap;
        f.cap_note = known.cap_note;
    }
    if (known.cap == DeviceCap::none && starts_with(known.cap_note, kRuntimeEvidence)) {
        f.cap_method = known.cap_method;
        f.cap = known.cap;
        f.cap_note = known.cap_note;
    }
}

// How this plug is told to stay off after a power cut, if it can be.
void learn_power_on(SwitchFacts& f, const Exposes& exposes) {
    f.power_on_key.clear();
    f.power_on_value_json.clear();
    if (exposes.find("power_on_behavior") != nullptr) {
        f.power_on_key = "power_on_behavior";
        f.power_on_value_json = "\"off\"";
    } else if (const auto* pom = exposes.find("power_outage_memory")) {
        const std::string type = string_member(*pom, "type");
        if (type == "binary") {
            // Lumi: the JSON boolean false; the string "off" is truthy and ENABLES restore.
            const auto* off = detail::member(*pom, "value_off");
            f.power_on_key = "power_outage_memory";
            f.power_on_value_json =
                off != nullptr && (off->is_boolean() || off->is_string()) ? off->dump() : "false";
        } else if (type == "enum") {
            f.power_on_key = "power_outage_memory";
            f.power_on_value_json = "\"off\"";
        }
    }
}

}  // namespace

std::optional<SwitchFacts> learn_from_bridge_devices(std::string_view payload,
                                                     const std::string& device, CapMode mode,
                                                     const SwitchFacts& known) {
    const auto list = nlohmann::json::parse(payload.begin(), payload.end(), nullptr, false);
    if (list.is_discarded() || !list.is_array()) return std::nullopt;
    const nlohmann::json* entry = nullptr;
    for (const auto& e : list)
        if (e.is_object() && string_member(e, "friendly_name") == device) {
            entry = &e;
            break;
        }
    if (entry == nullptr) return std::nullopt;

    Exposes exposes;
    if (const auto* def = detail::member(*entry, "definition"))
        if (const auto* ex = detail::member(*def, "exposes")) flatten(*ex, exposes.all);
    SwitchFacts f = known;
    learn_cap(f, known, exposes, mode, string_member(*entry, "manufacturer"));
    learn_power_on(f, exposes);
    f.reports_power = exposes.find("power") != nullptr;
    return f;
}

}  // namespace bedtimed::integrations::z2m
