// Inventory + answers → a commented config (setup_config.hpp). Every value
// that came from the broker or the answers is written as a double-quoted
// YAML scalar (JSON escaping), so a friendly name with ':' or '#' stays one value.
#include "setup_config.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <set>
#include <sstream>

namespace bedtimed::ctl::setup {

namespace {

std::string q(const std::string& s) { return nlohmann::json(s).dump(); }

std::string list(const std::vector<std::string>& v) {
    std::string out = "[";
    for (const auto& s : v) out += (out.size() > 1 ? ", " : "") + q(s);
    return out + "]";
}

std::string origin(const Device& d) {
    std::string s = d.name + " (" + d.ecosystem + (d.model.empty() ? "" : ", " + d.model) + ")";
    return s;
}

// The devices the answers use, once each, in the inventory's order.
std::vector<const Device*> used(const Inventory& inv, const Answers& a, bool actuators) {
    std::set<std::string> ids;
    for (const auto& s : a.sleepers) {
        auto take = [&](const std::string& id, Role role) {
            if (!id.empty()) ids.insert(inv.find(id, role)->id);
        };
        if (actuators) {
            take(s.heating_pad, Role::heating_pad);
            take(s.bed, Role::bed);
            continue;
        }
        take(s.occupancy, Role::occupancy);
        take(s.temperature, Role::temperature);
        take(s.sleep, Role::sleep);
        take(s.activity, Role::activity);
        if (s.cramp_button) take(s.cramp_button->device, Role::button);
    }
    std::vector<const Device*> out;
    for (const auto& d : inv.devices)
        if (ids.count(d.id)) out.push_back(&d);
    return out;
}

void write_sensor(std::ostream& o, const Device& d) {
    o << "  # " << origin(d) << ": " << role_name(d.role) << "\n";
    o << "  - name: " << d.id << "\n    topic: " << q(d.topic) << "\n";
    if (!d.json_path.empty()) o << "    json: " << q(d.json_path) << "\n";
    o << "    type: " << d.type << "\n";
    if (!d.unit.empty()) o << "    unit: " << q(d.unit) << "\n";
    if (d.type == "enum") o << "    options: " << list(d.values) << "\n";
    if (!d.true_values.empty()) o << "    true_values: " << list(d.true_values) << "\n";
    if (!d.false_values.empty()) o << "    false_values: " << list(d.false_values) << "\n";
    if (d.role == Role::temperature)
        o << "    # A reading older than this counts as missing.\n    stale_after: 30m\n"
          << "    min: -30\n    max: 60\n";
    else if (d.role == Role::occupancy) o << "    stale_after: 12h\n";
    else if (d.role == Role::sleep) o << "    stale_after: 20m\n";
    else if (d.role == Role::activity) o << "    stale_after: 6h\n    min: 0\n    max: 200000\n";
}

void write_actuator(std::ostream& o, const Device& d) {
    o << "  # " << origin(d) << "\n";
    for (const auto& n : d.notes) o << "  #   " << n << "\n";
    o << "  - name: " << d.id << "\n";
    if (d.role == Role::heating_pad) {
        o << "    kind: heating_pad\n    integration: " << d.integration << "\n"
          << "    # Never more than this without a break of min_off (at most 120m).\n"
          << "    max_on: 30m\n    min_off: 30m\n";
        if (d.reports_power)
            o << "    # ON but drawing less than this is warned about.\n    min_power_w: 10\n";
        o << "    confirm_timeout: 10s\n";
    } else {
        o << "    kind: bed\n    integration: " << d.integration << "\n"
          << "    # Named positions in percent; the routine uses legs_raised and flat.\n"
          << "    presets:\n      flat: 0\n      legs_raised: 15\n    min_move_interval: 60s\n";
    }
    for (const auto& [key, value] : d.options) o << "    " << key << ": " << q(value) << "\n";
}

std::string wearable_name(const SleeperAnswers& s) { return s.name + "_wearable"; }

void write_wearables(std::ostream& o, const Answers& a) {
    bool any = false;
    for (const auto& s : a.sleepers) {
        if (s.wearable_topic.empty()) continue;
        if (!any) o << "\n# --- Wearables: where cramp episodes come from ---\nwearables:\n";
        any = true;
        o << "  # " << s.name << "'s monitor: one JSON object per episode, e.g.\n"
          << "  # {\"id\":\"e-1\",\"ts\":\"2026-11-26T02:14:00Z\",\"duration_s\":45}\n"
          << "  - name: " << wearable_name(s) << "\n    topic: " << q(s.wearable_topic) << "\n"
          << "    qos: 1\n    fields: {id: id, start: ts, duration: duration_s, muscle: muscle, "
             "side: side, severity: severity}\n";
    }
}

void write_rules(std::ostream& o, const Inventory& inv, const Answers& a,
                 const RenderSettings& settings) {
    bool any = false;
    for (const auto& s : a.sleepers) {
        if (!s.cramp_button) continue;
        const Device* b = inv.find(s.cramp_button->device, Role::button);
        if (!any)
            o << "\n# --- Rules ---\n# A bedside button: its press logs a cramp now, as "
                 "`bedtimectl log` does\n# (every press counts, an old retained one never).\n"
                 "rules:\n";
        any = true;
        const nlohmann::json payload{{"sleeper", s.name}, {"notes", "bedside button"}};
        o << "  - name: cramp_button_" << s.name << "\n"
          << "    on: {sensor: " << b->id << ", every_reading: true}\n"
          << "    when: [" << q("sensor." + b->id + " == '" + s.cramp_button->action + "'")
          << "]\n    do:\n      - publish:\n          topic: "
          << q(settings.base_topic + "/cmd/log") << "\n          payload: " << q(payload.dump())
          << "\n          qos: 1\n";
    }
}

void write_notifiers(std::ostream& o, const Answers& a, const RenderSettings& settings) {
    o << "\n# --- Notifiers: where reminders go ---\nnotifiers:\n";
    for (const auto& s : a.sleepers) {
        const auto& p = s.phone;
        if (p.type == "none") continue;
        o << "  - name: phone_" << s.name << "\n";
        if (p.type == "ntfy")
            o << "    # A token or password goes in a file or a systemd credential, never here\n"
                 "    # (token_credential: ntfy-token; docs/bedtimed.yaml.5).\n"
              << "    type: ntfy\n    url: " << q(p.url) << "\n    topic: " << q(p.topic) << "\n";
        else
            o << "    # Reminders as JSON on MQTT, for a phone bridge or an HA automation.\n"
              << "    type: mqtt\n    topic: "
              << q(p.topic.empty() ? settings.base_topic + "/notify/{sleeper}" : p.topic) << "\n";
    }
    o << "  # Every reminder in the journal too.\n  - name: journal\n    type: log\n";
}

void write_routine(std::ostream& o, const Inventory& inv, const SleeperAnswers& s) {
    o << "    # The evening, as offsets from bedtime (negative = before).\n    routine:\n"
      << "      hydration: {at: -90m}\n      stretch: {at: -20m}\n";
    if (!s.heating_pad.empty()) {
        o << "      prewarm:\n        minutes: 15\n";
        if (!s.temperature.empty())
            o << "        cold_sensor: " << inv.find(s.temperature, Role::temperature)->id
              << "\n        cold_below: 18\n        cold_minutes: 25\n";
    }
    if (!s.bed.empty() && !s.occupancy.empty())
        o << "      elevation: {raised: legs_raised, flat: flat, evening: [\"18:00\", \"03:00\"], "
             "morning_after: \"05:00\"}\n";
    else if (!s.bed.empty())
        o << "      # The legs raised on getting into bed needs an occupancy_sensor.\n";
    if (!s.activity.empty())
        o << "      active_day: {sensor: " << inv.find(s.activity, Role::activity)->id
          << ", above: 15000, after: \"17:00\", at: -45m}\n";
    if (!s.heating_pad.empty())
        o << "    # A cramp at night: the pad on for a short while, at most twice a night.\n"
          << "    on_episode: {heat: true, heat_minutes: 15, max_heats_per_night: 2}\n";
}

void write_sleeper(std::ostream& o, const Inventory& inv, const SleeperAnswers& s) {
    o << "  - name: " << s.name << "\n";
    if (!s.timezone.empty()) o << "    timezone: " << q(s.timezone) << "\n";
    o << "    bedtime: {weekdays: " << q(s.bedtime) << ", weekends: " << q(s.bedtime) << "}\n";
    if (!s.wearable_topic.empty()) o << "    wearable: " << wearable_name(s) << "\n";
    if (!s.occupancy.empty())
        o << "    occupancy_sensor: " << inv.find(s.occupancy, Role::occupancy)->id << "\n";
    if (!s.sleep.empty()) {
        const Device* d = inv.find(s.sleep, Role::sleep);
        o << "    sleep_sensor: " << d->id << "\n";
        std::vector<std::string> asleep;
        for (const auto& v : d->values)
            if (v.find("wake") == std::string::npos && v != "unknown") asleep.push_back(v);
        if (!asleep.empty()) o << "    asleep_values: " << list(asleep) << "\n";
    }
    if (!s.heating_pad.empty())
        o << "    heating_pad: " << inv.find(s.heating_pad, Role::heating_pad)->id << "\n";
    if (!s.bed.empty()) o << "    bed: " << inv.find(s.bed, Role::bed)->id << "\n";
    o << "    notify: [" << (s.phone.type == "none" ? "" : "phone_" + s.name + ", ")
      << "journal]\n";
    write_routine(o, inv, s);
}

}  // namespace

std::string render_config(const Inventory& inv, const Answers& a, const RenderSettings& settings) {
    std::ostringstream o;
    o << "# bedtimed config, written by `bedtimectl setup` from what the broker announced.\n"
         "# Every key is explained in bedtimed.yaml(5) and the annotated example\n"
         "# (/usr/share/doc/bedtimed/bedtimed.example.yaml). Check it with:\n"
         "#   bedtimed --check-config THIS_FILE\n\n"
         "# --- The broker connection ---\nmqtt:\n  uri: "
      << q(settings.broker_uri)
      << "\n  client_id: bedtimed\n"
         "  # Credentials: username, and the password from a file or a systemd credential.\n"
         "  # username: bedtimed\n  # password_credential: mqtt-password\n  base_topic: "
      << q(settings.base_topic) << "\n";
    const auto sensors = used(inv, a, false);
    if (!sensors.empty()) {
        o << "\n# --- Sensors: values bedtimed remembers ---\nsensors:\n";
        for (const auto* d : sensors) write_sensor(o, *d);
    }
    write_wearables(o, a);
    write_rules(o, inv, a, settings);
    const auto actuators = used(inv, a, true);
    if (!actuators.empty()) {
        o << "\n# --- Actuators: the devices bedtimed may switch or move ---\nactuators:\n";
        for (const auto* d : actuators) write_actuator(o, *d);
    }
    write_notifiers(o, a, settings);
    o << "\n# --- Sleepers ---\nsleepers:\n";
    for (const auto& s : a.sleepers) write_sleeper(o, inv, s);
    return o.str();
}

}  // namespace bedtimed::ctl::setup
