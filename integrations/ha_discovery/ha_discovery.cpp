#include "ha_discovery.hpp"

#include <cctype>

#include "experiment.hpp"
#include "ha_discovery_life.hpp"
#include "steps.hpp"

namespace bedtimed::integrations::ha_discovery {

using nlohmann::json;

namespace {

// One entity before it is placed in a device payload or on its own topic.
struct Entity {
    std::string device;  // "" = the hub, else the sleeper
    std::string platform;
    std::string uid;
    json config;
};

std::string title_case(std::string_view id) {
    std::string out(id);
    for (auto& c : out)
        if (c == '_') c = ' ';
    if (!out.empty()) out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
    return out;
}

class Builder {
public:
    Builder(const config::Config& cfg, std::string node)
        : cfg_(cfg), node_(std::move(node)), base_(cfg.mqtt.base_topic) {}

    std::vector<Entity> entities() {
        hub();
        for (const auto& s : cfg_.sleepers) sleeper(s);
        return std::move(out_);
    }

private:
    // `object` names the entity within its device; unique_id and entity id follow from it.
    json& add(const std::string& device, const std::string& platform, const std::string& object,
              std::string name) {
        const std::string uid = node_ + (device.empty() ? "" : "_" + device) + "_" + object;
        out_.push_back(Entity{device, platform, uid,
                              json{{"name", std::move(name)},
                                   {"unique_id", uid},
                                   {"default_entity_id", platform + "." + uid}}});
        return out_.back().config;
    }

    void hub() {
        auto& failures = add("", "sensor", "notify_failures", "Notification failures");
        failures.update({{"state_topic", base_ + "/counters"},
                         {"value_template", "{{ value_json.notify_failures }}"},
                         {"state_class", "total_increasing"},
                         {"entity_category", "diagnostic"},
                         {"icon", "mdi:bell-alert"}});
        auto& rejected = add("", "sensor", "commands_rejected", "Commands rejected");
        rejected.update({{"state_topic", base_ + "/counters"},
                         {"value_template", "{{ value_json.commands_rejected }}"},
                         {"state_class", "total_increasing"},
                         {"entity_category", "diagnostic"},
                         {"icon", "mdi:message-alert"}});
        auto& heat_off = add("", "button", "all_heat_off", "All heat off");
        heat_off.update({{"command_topic", base_ + "/cmd/heat_off"},
                         {"payload_press", "PRESS"},
                         {"icon", "mdi:radiator-off"}});
        // Crash-loop safe mode (daemon/app/safe_mode.hpp): shown, and ended by a person.
        auto& safe = add("", "binary_sensor", "safe_mode", "Safe mode");
        safe.update({{"state_topic", base_ + "/safe_mode"},
                     {"value_template", "{{ 'ON' if value_json.active else 'OFF' }}"},
                     {"device_class", "problem"},
                     {"entity_category", "diagnostic"}});
        auto& resume = add("", "button", "resume", "Resume after safe mode");
        resume.update({{"command_topic", base_ + "/cmd/resume"},
                       {"payload_press", "{}"},
                       {"entity_category", "config"},
                       {"icon", "mdi:play-circle"}});
    }

    void sleeper(const config::SleeperSpec& s) {
        const std::string plan = base_ + "/" + s.name + "/plan",
                          stats = base_ + "/" + s.name + "/stats";
        sensors(s.name, plan, stats);
        if (!s.heating_pad.empty()) heating_pad(s.name, s.heating_pad, plan);
        auto& notice = add(s.name, "binary_sensor", "notice", "Worth discussing with a doctor");
        notice.update({{"state_topic", stats},
                       {"value_template", "{{ 'ON' if value_json.notice else 'OFF' }}"},
                       {"device_class", "problem"}});
        switches(s, plan);
        controls(s, plan, stats);
        detail::life_entities(
            s, base_, plan,
            [&](const std::string& platform, const std::string& object, std::string name) -> json& {
                return add(s.name, platform, object, std::move(name));
            });
    }

    // What the cramp log and the plan say: counts, the tier, the next step.
    void sensors(const std::string& n, const std::string& plan, const std::string& stats) {
        auto& tonight = add(n, "sensor", "cramps_tonight", "Cramps tonight");
        tonight.update({{"state_topic", stats},
                        {"value_template", "{{ value_json.tonight }}"},
                        {"state_class", "total_increasing"},
                        {"unit_of_measurement", "cramps"},
                        {"icon", "mdi:counter"}});
        auto& week = add(n, "sensor", "cramps_7_days", "Cramps in the last 7 days");
        week.update({{"state_topic", stats},
                     {"value_template", "{{ value_json.last_7_days }}"},
                     {"state_class", "measurement"},
                     {"unit_of_measurement", "cramps"},
                     {"icon", "mdi:calendar-week"}});
        auto& rate = add(n, "sensor", "weekly_rate_28_days", "Weekly rate (28 days)");
        rate.update({{"state_topic", stats},
                     {"value_template", "{{ value_json.rate_28d_per_week }}"},
                     {"state_class", "measurement"},
                     {"unit_of_measurement", "cramps/week"},
                     {"suggested_display_precision", 1},
                     {"icon", "mdi:chart-line"}});
        auto& tier = add(n, "sensor", "tier", "Evening tier");
        tier.update({{"state_topic", stats},
                     {"value_template", "{{ value_json.tier }}"},
                     {"device_class", "enum"},
                     {"options", {"calm", "moderate", "frequent"}}});
        auto& next = add(n, "sensor", "next_step", "Next step");
        next.update({{"state_topic", plan},
                     {"value_template", "{{ value_json.next.id if value_json.next else 'none' }}"},
                     {"icon", "mdi:playlist-play"}});
        auto& next_at = add(n, "sensor", "next_step_at", "Next step at");
        next_at.update({{"state_topic", plan},
                        {"value_template", "{{ value_json.next.at if value_json.next else None }}"},
                        {"device_class", "timestamp"}});
        auto& last = add(n, "sensor", "last_episode", "Last cramp");
        last.update({{"state_topic", stats},
                     {"value_template",
                      "{{ value_json.last_episode if value_json.last_episode else None }}"},
                     {"device_class", "timestamp"}});

        auto& running = add(n, "binary_sensor", "routine_running", "Routine running");
        running.update({{"state_topic", plan},
                        {"value_template", "{{ 'ON' if value_json.running else 'OFF' }}"},
                        {"device_class", "running"}});
    }

    // The pad's state, what its plug's own off-timer is known to do, its test.
    void heating_pad(const std::string& n, const std::string& pad_name, const std::string& plan) {
        auto& heat = add(n, "binary_sensor", "heating_pad", "Heating pad");
        heat.update({{"state_topic", plan},
                     {"value_template", "{{ 'ON' if value_json.heat_on else 'OFF' }}"},
                     {"device_class", "heat"}});
        // What the plug's own off-timer is known to do (daemon/heat/actuators.hpp).
        const std::string pad = base_ + "/pads/" + pad_name;
        auto& cap = add(n, "sensor", "pad_device_cap", "Heating pad's own cap");
        cap.update({{"state_topic", pad},
                    {"value_template", "{{ value_json.cap }}"},
                    {"json_attributes_topic", pad},
                    {"device_class", "enum"},
                    {"options", {"verified", "unverified", "none"}},
                    {"entity_category", "diagnostic"},
                    {"icon", "mdi:timer-off-outline"}});
        auto& test = add(n, "button", "pad_test", "Test the heating pad's own cap");
        test.update({{"command_topic", base_ + "/cmd/pad_test"},
                     {"payload_press", json{{"pad", pad_name}}.dump()},
                     {"entity_category", "diagnostic"},
                     {"icon", "mdi:timer-check-outline"}});
    }

    // The routine's switch and one per switchable step (daemon/routine/steps.hpp).
    void switches(const config::SleeperSpec& s, const std::string& plan) {
        const std::string& n = s.name;
        auto& enabled = add(n, "switch", "routine_enabled", "Routine");
        enabled.update({{"command_topic", base_ + "/cmd/routine"},
                        {"payload_on", json{{"sleeper", n}, {"enabled", true}}.dump()},
                        {"payload_off", json{{"sleeper", n}, {"enabled", false}}.dump()},
                        {"state_topic", plan},
                        {"value_template", "{{ 'ON' if value_json.enabled else 'OFF' }}"},
                        {"state_on", "ON"},
                        {"state_off", "OFF"},
                        {"entity_category", "config"},
                        {"icon", "mdi:bed-clock"}});
        for (const auto& step : routine::switchable_steps(s)) {
            auto& sw = add(n, "switch", "step_" + step, "Step: " + title_case(step));
            sw.update(
                {{"command_topic", base_ + "/cmd/step"},
                 {"payload_on", json{{"sleeper", n}, {"step", step}, {"enabled", true}}.dump()},
                 {"payload_off", json{{"sleeper", n}, {"step", step}, {"enabled", false}}.dump()},
                 {"state_topic", plan},
                 {"value_template",
                  "{{ 'ON' if value_json.steps_enabled['" + step + "'] else 'OFF' }}"},
                 {"state_on", "ON"},
                 {"state_off", "OFF"},
                 {"entity_category", "config"}});
        }
    }

    // Buttons, the tier override, the bedtime and the cramp event.
    void controls(const config::SleeperSpec& s, const std::string& plan, const std::string& stats) {
        const std::string& n = s.name;
        const json who{{"sleeper", n}};
        auto& log = add(n, "button", "log_cramp", "Log a cramp now");
        log.update({{"command_topic", base_ + "/cmd/log"},
                    {"payload_press", who.dump()},
                    {"icon", "mdi:note-plus"}});
        auto& start = add(n, "button", "start_routine", "Start the routine now");
        start.update({{"command_topic", base_ + "/cmd/start_routine"},
                      {"payload_press", who.dump()},
                      {"icon", "mdi:play"}});

        auto& tier_select = add(n, "select", "tier_override", "Tier override");
        tier_select.update({{"command_topic", base_ + "/cmd/tier"},
                            // tojson quotes the option, so the result is always one JSON object.
                            {"command_template", "{\"sleeper\": " + json(n).dump() +
                                                     ", \"tier\": {{ value | tojson }}}"},
                            {"options", {"auto", "calm", "moderate", "frequent"}},
                            {"state_topic", stats},
                            {"value_template", "{{ value_json.tier_override }}"},
                            {"entity_category", "config"}});

        auto& bedtime = add(n, "text", "bedtime", "Bedtime");
        bedtime.update({{"command_topic", base_ + "/cmd/bedtime"},
                        {"command_template", "{\"sleeper\": " + json(n).dump() +
                                                 ", \"bedtime\": {{ value | tojson }}}"},
                        {"pattern", "^([01][0-9]|2[0-3]):[0-5][0-9]$"},
                        {"min", 0},  // HA requires min < max; the pattern fixes the length
                        {"max", 5},
                        {"mode", "text"},
                        {"state_topic", plan},
                        {"value_template", "{{ value_json.bedtime_local }}"},
                        {"entity_category", "config"},
                        {"icon", "mdi:clock-outline"}});

        checkin_and_experiment(s, stats);

        auto& episode = add(n, "event", "cramp", "Cramp");
        episode.update({{"state_topic", base_ + "/" + n + "/episode"},
                        {"event_types", {"cramp"}},
                        {"icon", "mdi:foot-print"}});
    }

    // The morning check-in's answers, and an experiment (docs/experiments.md):
    // the select starts one on a step the sleeper's config has on, for the
    // weeks the number says, or stops it ("none"); both read the stats topic.
    void checkin_and_experiment(const config::SleeperSpec& s, const std::string& stats) {
        const std::string& n = s.name;
        const std::string who = "\"sleeper\": " + json(n).dump();
        for (const auto& [answer, label] :
             {std::pair{"none", "Check-in: no cramps"}, std::pair{"one", "Check-in: 1 cramp"},
              std::pair{"two_or_more", "Check-in: 2 or more"}}) {
            auto& b = add(n, "button", std::string("checkin_") + answer, label);
            b.update({{"command_topic", base_ + "/cmd/checkin"},
                      {"payload_press", "{" + who + ", \"answer\": \"" + answer +
                                            "\", \"channel\": \"home_assistant\"}"},
                      {"icon", "mdi:weather-sunset-up"}});
        }
        // What can be withheld: cramplog::experiment_steps() that are on in the config.
        json options = json::array({"none"});
        for (const auto& step : cramplog::experiment_steps())
            if (cramplog::step_configured(s, step.id)) options.push_back(std::string(step.id));
        // A start without "weeks" takes the number's weeks (CrampLog::experiment_weeks).
        auto& x = add(n, "select", "experiment", "Experiment");
        x.update({{"command_topic", base_ + "/cmd/experiment"},
                  {"command_template", "{% if value == 'none' %}{" + who +
                                           ", \"action\": \"stop\"}{% else %}{" + who +
                                           ", \"action\": \"start\", \"step\": {{ value | "
                                           "tojson }}}{% endif %}"},
                  {"options", std::move(options)},
                  {"state_topic", stats},
                  {"value_template",
                   "{{ value_json.experiment.step if value_json.experiment else 'none' }}"},
                  {"entity_category", "config"},
                  {"icon", "mdi:flask-outline"}});
        // The running experiment's length, else the next start's; a change
        // while one runs is refused (the length is fixed at the start).
        auto& weeks = add(n, "number", "experiment_weeks", "Experiment weeks");
        weeks.update({{"command_topic", base_ + "/cmd/experiment"},
                      {"command_template",
                       "{" + who + ", \"action\": \"weeks\", \"weeks\": {{ value | int }}}"},
                      {"min", 1},
                      {"max", 52},
                      {"step", 1},
                      {"mode", "box"},
                      {"unit_of_measurement", "weeks"},
                      {"state_topic", stats},
                      {"value_template", "{{ value_json.experiment_weeks }}"},
                      {"entity_category", "config"},
                      {"icon", "mdi:calendar-range"}});
        auto& done = add(n, "sensor", "experiment_nights_done", "Experiment nights done");
        done.update({{"state_topic", stats},
                     {"value_template",
                      "{{ value_json.experiment.nights_done if value_json.experiment else 0 }}"},
                     {"icon", "mdi:flask-outline"}});
        auto& estimate = add(n, "sensor", "experiment_rate_ratio", "Experiment rate ratio");
        estimate.update(
            {{"state_topic", stats},
             {"value_template",
              "{{ value_json.experiment.rate_ratio.estimate if value_json.experiment and "
              "value_json.experiment.rate_ratio else None }}"},
             {"json_attributes_topic", stats},
             {"json_attributes_template", "{{ (value_json.experiment or {}) | tojson }}"},
             {"icon", "mdi:scale-balance"}});
    }

    const config::Config& cfg_;
    std::string node_;
    std::string base_;
    std::vector<Entity> out_;
};

json origin(const config::Config& cfg, std::string_view version) {
    return {{"name", "bedtimed"},
            {"sw_version", std::string(version)},
            {"support_url", cfg.home_assistant.support_url}};
}

json device(const std::string& node, const std::string& sleeper, std::string_view version) {
    json d{{"manufacturer", "bedtimed"}, {"sw_version", std::string(version)}};
    if (sleeper.empty()) {
        d["identifiers"] = {node};
        d["name"] = "bedtimed";
        d["model"] = "bedtimed hub";
    } else {
        d["identifiers"] = {node + "_" + sleeper};
        d["name"] = "bedtimed " + sleeper;
        d["model"] = "Evening routine and cramp log";
        d["via_device"] = node;
    }
    return d;
}

}  // namespace

std::string node_id(const config::Config& cfg) {
    if (!cfg.home_assistant.node_id.empty()) return cfg.home_assistant.node_id;
    std::string id = cfg.mqtt.client_id;
    for (auto& c : id)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) c = '_';
    return id;
}

Discovery build(const config::Config& cfg, std::string_view version, const Published& before) {
    Discovery d;
    const auto& ha = cfg.home_assistant;
    std::map<std::string, json> payloads;  // topic -> config, in topic order
    if (ha.discovery) {
        const std::string node = node_id(cfg);
        const std::string availability = cfg.mqtt.base_topic + "/status";
        auto entities = Builder(cfg, node).entities();
        if (ha.mode == config::HomeAssistantSettings::Mode::device) {
            for (auto& e : entities) {
                const std::string topic = ha.prefix + "/device/" + node +
                                          (e.device.empty() ? "" : "_" + e.device) + "/config";
                auto& p = payloads[topic];
                if (p.is_null()) {
                    p = {{"device", device(node, e.device, version)},
                         {"origin", origin(cfg, version)},
                         {"availability_topic", availability},
                         {"qos", 1},
                         {"components", json::object()}};
                }
                e.config["platform"] = e.platform;
                d.published[topic][e.uid] = e.platform;
                p["components"][e.uid] = std::move(e.config);
            }
        } else {
            for (auto& e : entities) {
                const std::string topic =
                    ha.prefix + "/" + e.platform + "/" + node + "/" + e.uid + "/config";
                e.config["device"] = device(node, e.device, version);
                e.config["origin"] = origin(cfg, version);
                e.config["availability_topic"] = availability;
                e.config["qos"] = 1;
                d.published[topic][e.uid] = e.platform;
                payloads[topic] = std::move(e.config);
            }
        }
    }
    // Removals: whole topics gone, then components gone from a device that stays
    // (HA's rule: announce the key with only its platform, then without it).
    for (const auto& [topic, components] : before)
        if (!d.published.count(topic)) d.messages.push_back({topic, ""});
    for (const auto& [topic, components] : before) {
        auto now = d.published.find(topic);
        if (now == d.published.end() || ha.mode != config::HomeAssistantSettings::Mode::device)
            continue;
        json stubbed = payloads[topic];
        bool any = false;
        for (const auto& [uid, platform] : components)
            if (!now->second.count(uid)) {
                stubbed["components"][uid] = {{"platform", platform}};
                any = true;
            }
        if (any) d.messages.push_back({topic, stubbed.dump()});
    }
    for (const auto& [topic, payload] : payloads) d.messages.push_back({topic, payload.dump()});
    return d;
}

json published_to_json(const Published& p) {
    json j = json::object();
    for (const auto& [topic, components] : p) j[topic] = components;
    return j;
}

Published published_from_json(const json& j) {
    Published p;
    if (!j.is_object()) return p;
    for (auto it = j.begin(); it != j.end(); ++it) {
        if (!it.value().is_object()) continue;
        auto& components = p[it.key()];
        for (auto c = it.value().begin(); c != it.value().end(); ++c)
            if (c.value().is_string()) components[c.key()] = c.value().get<std::string>();
    }
    return p;
}

}  // namespace bedtimed::integrations::ha_discovery
