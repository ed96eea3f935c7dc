// Home Assistant discovery payloads checked against HA's own rules (see
// docs; see docs/home-assistant.md): the discovery topic regex,
// the strict device/origin/root schemas, required keys per platform, unique
// ids, device_class / state_class / unit combinations from
// homeassistant/components/sensor/const.py, default_entity_id instead of the
// deprecated object_id, and removals of what left the config.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <regex>
#include <set>

#include "ha_discovery/ha_discovery.hpp"
#include "loader.hpp"
#include "mqtt_topic.hpp"

namespace bedtimed::integrations::ha_discovery {
namespace {

using nlohmann::json;

std::string household(const std::string& ha_block, bool with_second_sleeper = true,
                      bool with_stretch = true) {
    std::string y = R"(
mqtt: {client_id: bedtimed, base_topic: bedtimed}
sensors:
  - {name: alex_home, topic: ha/alex, type: enum, options: [home, not_home]}
actuators:
  - {name: pad, kind: heating_pad, integration: zigbee2mqtt, device: pad, max_on: 30m}
sleepers:
  - name: alex
    timezone: Europe/Berlin
    bedtime: "22:30"
    heating_pad: pad
    profiles: {guest: {heat: false}, travel: {reminders: false}}
    away: {presence_sensor: alex_home}
    routine:
      prewarm: {minutes: 15}
)";
    if (!with_stretch) y += "      stretch: {enabled: false}\n";
    if (with_second_sleeper)
        y += R"(
  - name: sam
    timezone: Europe/Berlin
    bedtime: "23:00"
)";
    return y + ha_block;
}

config::Config load(const std::string& yaml) { return config::parse_config(yaml, "test.yaml"); }

// The discovery topic as HA's TOPIC_MATCHER (discovery.py) reads it.
const std::regex kTopicMatcher(
    R"(^homeassistant/(\w+)/(?:([a-zA-Z0-9_-]+)/)?([a-zA-Z0-9_-]+)/config$)");

const std::set<std::string> kEntityPlatforms{"sensor", "binary_sensor", "switch", "button",
                                             "select", "text",          "event",  "number"};

// Keys the strict schemas allow (schemas.py MQTT_ENTITY_DEVICE_INFO_SCHEMA,
// MQTT_ORIGIN_INFO_SCHEMA, DEVICE_DISCOVERY_SCHEMA with SHARED_OPTIONS).
const std::set<std::string> kDeviceKeys{"identifiers", "connections",    "manufacturer",
                                        "model",       "model_id",       "name",
                                        "hw_version",  "serial_number",  "sw_version",
                                        "via_device",  "suggested_area", "configuration_url"};
const std::set<std::string> kOriginKeys{"name", "sw_version", "support_url"};
const std::set<std::string> kDeviceRootKeys{"device",
                                            "origin",
                                            "components",
                                            "availability_topic",
                                            "availability",
                                            "availability_mode",
                                            "availability_template",
                                            "payload_available",
                                            "payload_not_available",
                                            "state_topic",
                                            "command_topic",
                                            "qos",
                                            "encoding",
                                            "message_expiry_interval"};

// sensor/const.py: the state classes a device class allows (absent = any),
// and the units it allows (absent = any unit). enum/timestamp: neither.
const std::map<std::string, std::set<std::string>> kDeviceClassStateClasses{
    {"enum", {}}, {"timestamp", {}}, {"date", {}}};
const std::map<std::string, std::set<std::string>> kDeviceClassUnits{
    {"enum", {}}, {"timestamp", {}}, {"date", {}}};
const std::set<std::string> kStateClasses{"measurement", "measurement_angle", "total",
                                          "total_increasing"};
const std::set<std::string> kBinarySensorClasses{"running",   "heat",   "problem",
                                                 "occupancy", "safety", "battery"};

// Required keys per platform (the platform DISCOVERY_SCHEMA's vol.Required
// plus check_unique_id), beyond name/unique_id.
std::vector<std::string> required_for(const std::string& platform) {
    if (platform == "sensor" || platform == "binary_sensor") return {"state_topic"};
    if (platform == "switch" || platform == "button" || platform == "text" || platform == "number")
        return {"command_topic"};
    if (platform == "select") return {"command_topic", "options"};
    if (platform == "event") return {"state_topic", "event_types"};
    return {};
}

void expect_valid_entity(const std::string& platform, const json& e, std::set<std::string>& uids) {
    SCOPED_TRACE(platform + " " + e.dump());
    ASSERT_TRUE(kEntityPlatforms.count(platform)) << platform;
    for (const auto& key : required_for(platform))
        EXPECT_TRUE(e.contains(key)) << "missing " << key;
    ASSERT_TRUE(e.contains("unique_id"));
    EXPECT_TRUE(uids.insert(e["unique_id"].get<std::string>()).second) << "duplicate unique_id";
    ASSERT_TRUE(e.contains("default_entity_id"));
    EXPECT_EQ(e["default_entity_id"], platform + "." + e["unique_id"].get<std::string>());
    EXPECT_FALSE(e.contains("object_id")) << "object_id is deprecated since HA 2025.10";
    EXPECT_TRUE(e.contains("name"));
    for (auto it = e.begin(); it != e.end(); ++it) {
        const auto& key = it.key();
        if (key.size() >= 5 && key.ends_with("topic")) {
            const auto topic = it.value().get<std::string>();
            EXPECT_TRUE(bedtimed::is_valid_publish_topic(topic)) << key << " " << topic;
            EXPECT_EQ(topic.find("//"), std::string::npos) << "empty level in " << topic;
            EXPECT_NE(topic.back(), '/');
        }
    }
    if (e.contains("entity_category")) {
        const auto c = e["entity_category"].get<std::string>();
        EXPECT_TRUE(c == "config" || c == "diagnostic") << c;
        EXPECT_FALSE((platform == "sensor" || platform == "binary_sensor") && c == "config")
            << "sensors cannot be config";
    }
    if (platform == "sensor") {
        const std::string dc = e.value("device_class", "");
        const std::string sc = e.value("state_class", "");
        const bool has_unit = e.contains("unit_of_measurement");
        EXPECT_TRUE(sc.empty() || kStateClasses.count(sc)) << sc;
        if (dc == "enum") {
            ASSERT_TRUE(e.contains("options"));
            EXPECT_FALSE(e["options"].empty());
        } else {
            EXPECT_FALSE(e.contains("options")) << "options only with device_class enum";
        }
        if (kDeviceClassStateClasses.count(dc)) {
            EXPECT_TRUE(sc.empty()) << dc << " takes no state_class";
            EXPECT_FALSE(has_unit) << dc << " takes no unit";
        }
        EXPECT_TRUE(dc.empty() || kDeviceClassUnits.count(dc)) << "unchecked device_class " << dc;
    }
    if (platform == "binary_sensor" && e.contains("device_class")) {
        EXPECT_TRUE(kBinarySensorClasses.count(e["device_class"].get<std::string>()));
    }
    if (platform == "select") {
        std::set<std::string> options;
        for (const auto& o : e["options"]) EXPECT_TRUE(options.insert(o.get<std::string>()).second);
    }
    if (platform == "text") {
        EXPECT_LT(e.value("min", 0), e.value("max", 255));
        EXPECT_LE(e.value("max", 255), 255);
        std::regex pattern(e["pattern"].get<std::string>());
        EXPECT_TRUE(std::regex_match("22:30", pattern));
        EXPECT_FALSE(std::regex_match("24:00", pattern));
        EXPECT_FALSE(std::regex_match("7:30", pattern));
    }
    if (platform == "event") {
        EXPECT_FALSE(e["event_types"].empty());
    }
    if (platform == "switch") {
        EXPECT_NE(e.value("payload_on", "ON"), e.value("payload_off", "OFF"));
    }
    if (platform == "number") {  // number.py: min < max, step >= 0.001, mode auto/box/slider
        EXPECT_LT(e.value("min", 0.0), e.value("max", 100.0));
        EXPECT_GE(e.value("step", 1.0), 0.001);
        const std::string mode = e.value("mode", "auto");
        EXPECT_TRUE(mode == "auto" || mode == "box" || mode == "slider") << mode;
    }
}

void expect_device_block(const json& dev, const json& origin) {
    for (auto it = dev.begin(); it != dev.end(); ++it)
        EXPECT_TRUE(kDeviceKeys.count(it.key())) << it.key();
    EXPECT_TRUE(dev.contains("identifiers"));
    EXPECT_TRUE(dev.contains("name"));
    for (auto it = origin.begin(); it != origin.end(); ++it)
        EXPECT_TRUE(kOriginKeys.count(it.key())) << it.key();
    EXPECT_EQ(origin["name"], "bedtimed");
    EXPECT_EQ(origin["sw_version"], "9.9.9");
    EXPECT_EQ(origin["support_url"].get<std::string>().rfind("https://", 0), 0u);
}

std::map<std::string, json> configs_of(const Discovery& d) {
    std::map<std::string, json> out;
    for (const auto& m : d.messages)
        if (!m.payload.empty()) out[m.topic] = json::parse(m.payload);
    return out;
}

TEST(HaDiscovery, DevicePayloadsFollowHomeAssistantsRules) {
    const auto cfg = load(household("home_assistant: {}\n"));
    const auto d = build(cfg, "9.9.9", {});
    const auto configs = configs_of(d);
    ASSERT_EQ(configs.size(), 3u) << "a hub and one device per sleeper";
    std::set<std::string> uids;
    std::set<std::string> identifiers;
    std::map<std::string, int> platforms;
    for (const auto& [topic, p] : configs) {
        SCOPED_TRACE(topic);
        std::smatch m;
        ASSERT_TRUE(std::regex_match(topic, m, kTopicMatcher));
        EXPECT_EQ(m[1], "device");
        EXPECT_TRUE(bedtimed::is_valid_publish_topic(topic));
        for (auto it = p.begin(); it != p.end(); ++it)
            EXPECT_TRUE(kDeviceRootKeys.count(it.key())) << it.key();
        expect_device_block(p["device"], p["origin"]);
        identifiers.insert(p["device"]["identifiers"][0].get<std::string>());
        EXPECT_EQ(p["availability_topic"], "bedtimed/status");
        ASSERT_FALSE(p["components"].empty());
        for (auto it = p["components"].begin(); it != p["components"].end(); ++it) {
            const auto& e = it.value();
            EXPECT_EQ(it.key(), e["unique_id"]) << "component key = unique_id";
            ASSERT_TRUE(e.contains("platform"));
            ++platforms[e["platform"].get<std::string>()];
            expect_valid_entity(e["platform"], e, uids);
        }
    }
    EXPECT_EQ(identifiers, (std::set<std::string>{"bedtimed", "bedtimed_alex", "bedtimed_sam"}));
    const auto& alex = configs.at("homeassistant/device/bedtimed_alex/config");
    EXPECT_EQ(alex["device"]["via_device"], "bedtimed");
    // The entities the issue asks for, for alex (with a pad) and sam (without).
    for (const char* uid :
         {"bedtimed_alex_cramps_tonight", "bedtimed_alex_cramps_7_days",
          "bedtimed_alex_weekly_rate_28_days", "bedtimed_alex_tier", "bedtimed_alex_next_step",
          "bedtimed_alex_next_step_at", "bedtimed_alex_last_episode",
          "bedtimed_alex_routine_running", "bedtimed_alex_heating_pad", "bedtimed_alex_notice",
          "bedtimed_alex_routine_enabled", "bedtimed_alex_step_prewarm",
          "bedtimed_alex_step_stretch", "bedtimed_alex_log_cramp", "bedtimed_alex_start_routine",
          "bedtimed_alex_tier_override", "bedtimed_alex_bedtime", "bedtimed_alex_cramp",
          "bedtimed_alex_checkin_none", "bedtimed_alex_checkin_two_or_more",
          "bedtimed_alex_experiment", "bedtimed_alex_experiment_nights_done",
          // The nights that follow life (docs/life.md).
          "bedtimed_alex_profile", "bedtimed_alex_away", "bedtimed_alex_hand_off",
          "bedtimed_alex_hand_back"})
        EXPECT_TRUE(alex["components"].contains(uid)) << uid;
    EXPECT_FALSE(configs.at("homeassistant/device/bedtimed_sam/config")["components"].contains(
        "bedtimed_sam_heating_pad"));
    const auto& hub = configs.at("homeassistant/device/bedtimed/config")["components"];
    EXPECT_EQ(hub["bedtimed_notify_failures"]["value_template"],
              "{{ value_json.notify_failures }}");
    EXPECT_EQ(hub["bedtimed_all_heat_off"]["command_topic"], "bedtimed/cmd/heat_off");
    EXPECT_EQ(platforms["select"], 5)
        << "two tier overrides, two experiments (one per sleeper) and alex's profile";
    EXPECT_EQ(alex["components"]["bedtimed_alex_profile"]["options"],
              json({"normal", "guest", "travel"}));
    EXPECT_FALSE(configs.at("homeassistant/device/bedtimed_sam/config")["components"].contains(
        "bedtimed_sam_profile"))
        << "no profiles, no select";
    EXPECT_EQ(platforms["text"], 2);
    EXPECT_EQ(platforms["number"], 2) << "an experiment's weeks per sleeper";
    EXPECT_EQ(platforms["event"], 2);
    const auto& tier = alex["components"]["bedtimed_alex_tier"];
    EXPECT_EQ(tier["device_class"], "enum");
    EXPECT_EQ(tier["options"], json({"calm", "moderate", "frequent"}));
    EXPECT_EQ(alex["components"]["bedtimed_alex_last_episode"]["device_class"], "timestamp");
    EXPECT_EQ(alex["components"]["bedtimed_alex_next_step_at"]["device_class"], "timestamp");
    // The remembered set matches what went out.
    EXPECT_EQ(d.published.size(), 3u);
    EXPECT_EQ(d.published.at("homeassistant/device/bedtimed_alex/config").size(),
              alex["components"].size());
}

TEST(HaDiscovery, CommandPayloadsAreWhatTheCommandParserAccepts) {
    const auto cfg = load(household("home_assistant: {}\n"));
    const auto configs = configs_of(build(cfg, "9.9.9", {}));
    const auto& c = configs.at("homeassistant/device/bedtimed_alex/config")["components"];
    EXPECT_EQ(json::parse(c["bedtimed_alex_routine_enabled"]["payload_off"].get<std::string>()),
              json({{"sleeper", "alex"}, {"enabled", false}}));
    EXPECT_EQ(json::parse(c["bedtimed_alex_step_stretch"]["payload_on"].get<std::string>()),
              json({{"sleeper", "alex"}, {"step", "stretch"}, {"enabled", true}}));
    EXPECT_EQ(json::parse(c["bedtimed_alex_log_cramp"]["payload_press"].get<std::string>()),
              json({{"sleeper", "alex"}}));
    // What HA renders from the command templates (tojson of "calm" is "calm" quoted).
    std::string tier = c["bedtimed_alex_tier_override"]["command_template"];
    tier.replace(tier.find("{{ value | tojson }}"), 20, "\"calm\"");
    EXPECT_EQ(json::parse(tier), json({{"sleeper", "alex"}, {"tier", "calm"}}));
    std::string profile = c["bedtimed_alex_profile"]["command_template"];
    profile.replace(profile.find("{{ value | tojson }}"), 20, "\"guest\"");
    EXPECT_EQ(json::parse(profile), json({{"sleeper", "alex"}, {"profile", "guest"}}));
    EXPECT_EQ(json::parse(c["bedtimed_alex_hand_back"]["payload_press"].get<std::string>()),
              json({{"sleeper", "alex"}}));
    std::string bedtime = c["bedtimed_alex_bedtime"]["command_template"];
    bedtime.replace(bedtime.find("{{ value | tojson }}"), 20, "\"22:45\"");
    EXPECT_EQ(json::parse(bedtime), json({{"sleeper", "alex"}, {"bedtime", "22:45"}}));
    // The experiment's select: a step starts (for the number's weeks), "none" stops.
    const std::string x = c["bedtimed_alex_experiment"]["command_template"];
    const std::string start =
        x.substr(x.find("{% else %}") + 10, x.find("{% endif %}") - x.find("{% else %}") - 10);
    std::string started = start;
    started.replace(started.find("{{ value | tojson }}"), 20, "\"stretch\"");
    EXPECT_EQ(json::parse(started),
              json({{"sleeper", "alex"}, {"action", "start"}, {"step", "stretch"}}));
    const std::string stop = x.substr(x.find("%}") + 2, x.find("{% else %}") - x.find("%}") - 2);
    EXPECT_EQ(json::parse(stop), json({{"sleeper", "alex"}, {"action", "stop"}}));
    std::string weeks = c["bedtimed_alex_experiment_weeks"]["command_template"];
    weeks.replace(weeks.find("{{ value | int }}"), 17, "8");
    EXPECT_EQ(json::parse(weeks), json({{"sleeper", "alex"}, {"action", "weeks"}, {"weeks", 8}}));
}

// The select offers what the sleeper's config has on: alex has a pad (the
// pre-warm) and the default reminders; sam no pad; with the stretch off, no stretch.
TEST(HaDiscovery, TheExperimentSelectOffersTheStepsConfiguredForEachSleeper) {
    const auto cfg = load(household("home_assistant: {}\n"));
    const auto configs = configs_of(build(cfg, "9.9.9", {}));
    const auto& alex = configs.at("homeassistant/device/bedtimed_alex/config")["components"];
    const auto& sam = configs.at("homeassistant/device/bedtimed_sam/config")["components"];
    EXPECT_EQ(alex["bedtimed_alex_experiment"]["options"],
              json({"none", "prewarm", "stretch", "hydration"}));
    EXPECT_EQ(sam["bedtimed_sam_experiment"]["options"], json({"none", "stretch", "hydration"}));
    EXPECT_EQ(alex["bedtimed_alex_experiment"]["value_template"],
              "{{ value_json.experiment.step if value_json.experiment else 'none' }}");
    EXPECT_EQ(alex["bedtimed_alex_experiment_weeks"]["state_topic"], "bedtimed/alex/stats");
    EXPECT_EQ(alex["bedtimed_alex_experiment_weeks"]["value_template"],
              "{{ value_json.experiment_weeks }}");
    const auto no_stretch = load(household("home_assistant: {}\n", false, false));
    const auto c2 = configs_of(build(no_stretch, "9.9.9", {}));
    EXPECT_EQ(
        c2.at("homeassistant/device/bedtimed_alex/config")["components"]["bedtimed_alex_experiment"]
                                                          ["options"],
        json({"none", "prewarm", "hydration"}));
}

TEST(HaDiscovery, EntityModeUsesOneTopicPerEntityWithDeviceAndOrigin) {
    const auto cfg = load(household("home_assistant: {mode: entity}\n"));
    const auto configs = configs_of(build(cfg, "9.9.9", {}));
    ASSERT_GT(configs.size(), 30u);
    std::set<std::string> uids;
    for (const auto& [topic, e] : configs) {
        SCOPED_TRACE(topic);
        std::smatch m;
        ASSERT_TRUE(std::regex_match(topic, m, kTopicMatcher));
        EXPECT_EQ(m[2], "bedtimed") << "node id";
        EXPECT_EQ(m[3], e["unique_id"]) << "object id = unique_id";
        EXPECT_FALSE(e.contains("platform"));
        expect_device_block(e["device"], e["origin"]);
        EXPECT_EQ(e["availability_topic"], "bedtimed/status");
        expect_valid_entity(m[1], e, uids);
    }
    EXPECT_TRUE(configs.count("homeassistant/select/bedtimed/bedtimed_alex_tier_override/config"));
}

TEST(HaDiscovery, PrefixAndNodeIdAreConfigurable) {
    const auto cfg =
        load(household("home_assistant: {discovery_prefix: ha, node_id: night-box}\n"));
    const auto configs = configs_of(build(cfg, "1", {}));
    EXPECT_TRUE(configs.count("ha/device/night-box_alex/config"));
    EXPECT_EQ(configs.at("ha/device/night-box/config")["device"]["identifiers"][0], "night-box");
}

TEST(HaDiscovery, ARemovedSleeperIsClearedAndARemovedStepIsStubbedThenDropped) {
    const auto before = build(load(household("home_assistant: {}\n")), "1", {}).published;
    const auto after = build(load(household("home_assistant: {}\n", false, false)), "1", before);
    ASSERT_GE(after.messages.size(), 4u);
    // First: sam's whole device topic cleared.
    EXPECT_EQ(after.messages[0].topic, "homeassistant/device/bedtimed_sam/config");
    EXPECT_EQ(after.messages[0].payload, "");
    // Then alex's device with the stretch switch as platform only (HA's removal), then without it.
    EXPECT_EQ(after.messages[1].topic, "homeassistant/device/bedtimed_alex/config");
    const auto stub = json::parse(after.messages[1].payload);
    EXPECT_EQ(stub["components"]["bedtimed_alex_step_stretch"], json({{"platform", "switch"}}));
    std::map<std::string, json> final_payloads;
    for (const auto& m : after.messages)
        final_payloads[m.topic] = m.payload.empty() ? json() : json::parse(m.payload);
    EXPECT_FALSE(final_payloads["homeassistant/device/bedtimed_alex/config"]["components"].contains(
        "bedtimed_alex_step_stretch"));
    EXPECT_TRUE(final_payloads["homeassistant/device/bedtimed_sam/config"].is_null());
    EXPECT_FALSE(after.published.count("homeassistant/device/bedtimed_sam/config"));
}

TEST(HaDiscovery, EntityModeRemovesTheTopicsOfARemovedStep) {
    const auto before =
        build(load(household("home_assistant: {mode: entity}\n")), "1", {}).published;
    const auto after =
        build(load(household("home_assistant: {mode: entity}\n", true, false)), "1", before);
    ASSERT_FALSE(after.messages.empty());
    EXPECT_EQ(after.messages[0].topic,
              "homeassistant/switch/bedtimed/bedtimed_alex_step_stretch/config");
    EXPECT_EQ(after.messages[0].payload, "");
    EXPECT_EQ(after.messages[1].payload.empty(), false) << "only one removal";
}

TEST(HaDiscovery, SwitchingDiscoveryOffRemovesEverythingAndSwitchingModesMovesTopics) {
    const auto before = build(load(household("home_assistant: {}\n")), "1", {}).published;
    const auto off = build(load(household("home_assistant: {discovery: false}\n")), "1", before);
    EXPECT_EQ(off.messages.size(), 3u);
    for (const auto& m : off.messages) EXPECT_EQ(m.payload, "");
    EXPECT_TRUE(off.published.empty());
    const auto entity = build(load(household("home_assistant: {mode: entity}\n")), "1", before);
    for (int i = 0; i < 3; ++i) EXPECT_EQ(entity.messages[static_cast<std::size_t>(i)].payload, "");
    EXPECT_FALSE(entity.messages[3].payload.empty());
}

TEST(HaDiscovery, WithoutTheBlockNothingIsAnnounced) {
    const auto d = build(load(household("")), "1", {});
    EXPECT_TRUE(d.messages.empty());
    EXPECT_TRUE(d.published.empty());
}

TEST(HaDiscovery, PublishedRoundTripsThroughJsonAndToleratesJunk) {
    const auto before = build(load(household("home_assistant: {}\n")), "1", {}).published;
    EXPECT_EQ(published_from_json(published_to_json(before)), before);
    EXPECT_TRUE(published_from_json(json::parse(R"([1,2])")).empty());
    const auto p = published_from_json(json::parse(R"({"a/config":{"x":"sensor","y":3},"b":7})"));
    ASSERT_EQ(p.size(), 1u);
    EXPECT_EQ(p.at("a/config").size(), 1u);
}

TEST(HaDiscovery, BadOptionsAreConfigErrors) {
    for (const char* block :
         {"home_assistant: {mode: legacy}\n", "home_assistant: {discovery_prefix: \"a/#\"}\n",
          "home_assistant: {node_id: \"a b\"}\n", "home_assistant: {support_url: ftp://x}\n",
          "home_assistant: {rediscover_delay: 1h}\n"}) {
        SCOPED_TRACE(block);
        EXPECT_THROW(load(household(block)), config::ConfigError);
    }
}

}  // namespace
}  // namespace bedtimed::integrations::ha_discovery
