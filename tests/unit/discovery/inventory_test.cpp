// Announcements → inventory, one ecosystem at a time, from the recorded
// payloads (tests/data/setup/announcements.json), then all of them together.
#include <gtest/gtest.h>

#include <algorithm>

#include "announcement_recording.hpp"
#include "inventory.hpp"

namespace bedtimed::discovery {
namespace {

using test::recorded_announcements;

const Device& must_find(const Inventory& inv, const std::string& id, Role role) {
    const Device* d = inv.find(id, role);
    if (d == nullptr) {
        std::string all;
        for (const auto& x : inv.devices) all += " " + x.id + "/" + role_name(x.role);
        throw std::runtime_error(id + " (" + role_name(role) + ") not in:" + all);
    }
    return *d;
}

std::string option(const Device& d, const std::string& key) {
    for (const auto& [k, v] : d.options)
        if (k == key) return v;
    return "<absent>";
}

bool noted(const Device& d, const std::string& text) {
    return std::any_of(d.notes.begin(), d.notes.end(),
                       [&](const std::string& n) { return n.find(text) != std::string::npos; });
}

TEST(SetupZigbee2mqtt, PlugsWithTheirRealCapabilities) {
    const auto inv = read_announcements(recorded_announcements("zigbee2mqtt"));
    const Device& tuya = must_find(inv, "heating_pad_left", Role::heating_pad);
    EXPECT_EQ(tuya.integration, "zigbee2mqtt");
    EXPECT_EQ(option(tuya, "device"), "heating_pad_left");
    EXPECT_EQ(option(tuya, "base_topic"), "zigbee2mqtt");
    EXPECT_TRUE(noted(tuya, "cap: countdown")) << tuya.notes.front();
    EXPECT_TRUE(tuya.reports_power);
    const Device& ikea = must_find(inv, "heating_pad_right", Role::heating_pad);
    EXPECT_TRUE(noted(ikea, "cap: on_time")) << ikea.notes.front();
    EXPECT_TRUE(noted(ikea, "power_on_behavior"));
    EXPECT_TRUE(ikea.reports_power);
    EXPECT_EQ(inv.with(Role::heating_pad).size(), 2u);  // not the coordinator, not the sensors
}

TEST(SetupZigbee2mqtt, SensorsAndTheButton) {
    const auto inv = read_announcements(recorded_announcements("zigbee2mqtt"));
    const Device& t = must_find(inv, "bedroom_sensor", Role::temperature);
    EXPECT_EQ(t.topic, "zigbee2mqtt/bedroom_sensor");
    EXPECT_EQ(t.json_path, "temperature");
    EXPECT_EQ(t.unit, "°C");
    const Device& o = must_find(inv, "bed_motion_left", Role::occupancy);
    EXPECT_EQ(o.json_path, "occupancy");
    EXPECT_EQ(o.type, "bool");
    const Device& b = must_find(inv, "bedside_button", Role::button);
    EXPECT_EQ(b.topic, "zigbee2mqtt/bedside_button");
    EXPECT_EQ(b.json_path, "action");
    EXPECT_EQ(b.values.front(), "single");
    EXPECT_EQ(b.values.size(), 6u);
    // The HA configs Zigbee2MQTT also publishes are the same devices: not listed twice.
    EXPECT_EQ(inv.with(Role::button).size(), 1u);
    EXPECT_EQ(inv.with(Role::temperature).size(), 1u);  // device_temperature is not a room's
}

TEST(SetupZigbee2mqtt, AnyBaseTopicAndBadPayloads) {
    auto z = recorded_announcements("zigbee2mqtt");
    z.front().topic = "zigbee-upstairs/bridge/devices";
    const auto inv = read_announcements({z.front(), {"other/bridge/devices", "{not json", true}});
    EXPECT_EQ(option(must_find(inv, "heating_pad_left", Role::heating_pad), "base_topic"),
              "zigbee-upstairs");
    ASSERT_EQ(inv.skipped.size(), 1u);
    EXPECT_NE(inv.skipped[0].find("other/bridge/devices"), std::string::npos);
}

TEST(SetupTasmota, RelayWithEnergyAndATemperatureSensor) {
    const auto inv = read_announcements(recorded_announcements("tasmota"));
    const Device& relay = must_find(inv, "tasmota_a1b2c3", Role::heating_pad);
    EXPECT_EQ(relay.name, "Pad Guest");
    EXPECT_EQ(relay.integration, "tasmota");
    EXPECT_EQ(option(relay, "topic"), "tasmota_A1B2C3");
    EXPECT_EQ(option(relay, "relay"), "1");
    EXPECT_TRUE(relay.reports_power);
    EXPECT_TRUE(noted(relay, "PulseTime1"));
    const Device& t = must_find(inv, "tasmota_C4D5E6_AM2301", Role::temperature);
    EXPECT_EQ(t.topic, "tele/tasmota_C4D5E6/SENSOR");
    EXPECT_EQ(t.json_path, "AM2301.Temperature");
    EXPECT_EQ(inv.with(Role::heating_pad).size(), 1u);  // the climate node has no relay
}

TEST(SetupTasmota, AnotherFullTopicIsSkippedWithAReason) {
    auto t = recorded_announcements("tasmota");
    auto cfg = nlohmann::json::parse(t[0].payload);
    cfg["ft"] = "%topic%/%prefix%/";
    t[0].payload = cfg.dump();
    const auto inv = read_announcements(t);
    EXPECT_TRUE(inv.with(Role::heating_pad).empty());
    ASSERT_FALSE(inv.skipped.empty());
    EXPECT_NE(inv.skipped[0].find("FullTopic"), std::string::npos);
}

TEST(SetupShelly, Gen1AnnounceGen2StatusAndAnRpcAnswer) {
    const auto recorded = recorded_announcements("shelly");
    const auto inv = read_announcements(recorded);
    const Device& gen1 = must_find(inv, "shellyplug_s_c8c9a3", Role::heating_pad);
    EXPECT_EQ(gen1.integration, "generic");
    EXPECT_EQ(option(gen1, "on_topic"), "shellies/shellyplug-s-C8C9A3/relay/0/command");
    EXPECT_TRUE(noted(gen1, "cap: none"));
    const Device& plug = must_find(inv, "shellyplusplugs-e465b8a1b2c3", Role::heating_pad);
    EXPECT_EQ(plug.integration, "shelly_gen2");
    EXPECT_EQ(option(plug, "prefix"), "shellyplusplugs-e465b8a1b2c3");
    EXPECT_EQ(option(plug, "id"), "0");
    EXPECT_TRUE(plug.reports_power);
    const Device& cover = must_find(inv, "shellyplus2pm-c4d8d5a1b2c3", Role::bed);
    EXPECT_EQ(cover.integration, "shelly_gen2");
}

TEST(SetupShelly, OnlineWithoutStatusIsAskedOnce) {
    std::vector<Announcement> retained;
    for (const auto& m : recorded_announcements("shelly"))
        if (m.retained) retained.push_back(m);
    EXPECT_EQ(shelly_gen2_to_ask(retained), std::vector<std::string>{"shellyplus2pm-c4d8d5a1b2c3"});
    const auto inv = read_announcements(retained);
    EXPECT_EQ(inv.find("shellyplus2pm-c4d8d5a1b2c3", Role::bed), nullptr);
    ASSERT_FALSE(inv.skipped.empty());
    EXPECT_NE(inv.skipped.back().find("Generic status update"), std::string::npos);
    const auto request = nlohmann::json::parse(shelly_status_request(1, kShellyRpcSource));
    EXPECT_EQ(request["method"], "Shelly.GetStatus");
    EXPECT_EQ(request["src"], "bedtimectl-setup");
}

TEST(SetupEsphome, CoversAndOccupancyFromItsDiscoveryConfigs) {
    const auto inv = read_announcements(recorded_announcements("esphome"));
    ASSERT_EQ(inv.with(Role::bed).size(), 2u);
    const Device& left = *inv.with(Role::bed).front();
    EXPECT_EQ(left.ecosystem, "esphome");
    EXPECT_EQ(left.integration, "esphome");
    EXPECT_EQ(option(left, "node"), "bedroom-bed");
    EXPECT_EQ(option(left, "object_id"), "left_legs");
    ASSERT_EQ(inv.with(Role::occupancy).size(), 2u);
    const Device& occ = *inv.with(Role::occupancy).front();
    EXPECT_EQ(occ.topic, "bedroom-bed/binary_sensor/bed_left_occupied/state");
    EXPECT_TRUE(occ.json_path.empty());
    EXPECT_EQ(occ.true_values, std::vector<std::string>{"ON"});
    EXPECT_TRUE(inv.with(Role::temperature).empty());  // the Wi-Fi signal is not a temperature
}

TEST(SetupHomeAssistant, SomeoneElsesSleepAndActivitySensors) {
    const auto inv = read_announcements(recorded_announcements("home_assistant"));
    ASSERT_EQ(inv.with(Role::sleep).size(), 1u);
    const Device& sleep = *inv.with(Role::sleep).front();
    EXPECT_EQ(sleep.type, "enum");
    EXPECT_EQ(sleep.topic, "sleepbridge/alex/stage");
    EXPECT_EQ(sleep.values.size(), 4u);
    ASSERT_EQ(inv.with(Role::activity).size(), 1u);
    EXPECT_EQ(inv.with(Role::activity).front()->topic, "sleepbridge/alex/steps");
}

TEST(SetupHomeAssistant, TemplatesItCannotReadAreLeftOut) {
    const nlohmann::json cfg{{"device_class", "temperature"},
                             {"state_topic", "x/y"},
                             {"value_template", "{{ value_json.t | float * 2 }}"}};
    const auto inv = read_announcements({{"homeassistant/sensor/x/t/config", cfg.dump(), true}});
    EXPECT_TRUE(inv.with(Role::temperature).empty());
    const nlohmann::json ok{{"dev_cla", "temperature"},
                            {"~", "house/room"},
                            {"stat_t", "~/state"},
                            {"val_tpl", "{{ value_json.temp }}"}};
    const auto inv2 = read_announcements({{"homeassistant/sensor/room/t/config", ok.dump(), true}});
    ASSERT_EQ(inv2.with(Role::temperature).size(), 1u);
    EXPECT_EQ(inv2.with(Role::temperature).front()->topic, "house/room/state");
    EXPECT_EQ(inv2.with(Role::temperature).front()->json_path, "temp");
}

TEST(SetupInventory, EverythingTogetherHasUniqueValidIds) {
    const auto inv = read_announcements(recorded_announcements());
    std::vector<std::string> ids;
    for (const auto& d : inv.devices) {
        ids.push_back(d.id);
        EXPECT_EQ(config_name(d.id), d.id);
    }
    std::sort(ids.begin(), ids.end());
    EXPECT_EQ(std::adjacent_find(ids.begin(), ids.end()), ids.end());
    EXPECT_EQ(inv.with(Role::heating_pad).size(), 5u);
    EXPECT_GE(inv.devices.size(), 13u);
}

}  // namespace
}  // namespace bedtimed::discovery
