// The registry: every integration the config can name is found by that name.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "device.hpp"
#include "esphome/esphome.hpp"
#include "generic/generic.hpp"
#include "gotify/gotify.hpp"
#include "ha_app/ha_app.hpp"
#include "log_notifier/log_notifier.hpp"
#include "mqtt_notifier/mqtt_notifier.hpp"
#include "notifier.hpp"
#include "ntfy/ntfy.hpp"
#include "shelly_gen2/shelly_gen2.hpp"
#include "tasmota/tasmota.hpp"
#include "webhook/webhook.hpp"
#include "zigbee2mqtt/zigbee2mqtt.hpp"

using namespace bedtimed::integrations;

TEST(IntegrationRegistry, EveryDeviceIntegrationIsFound) {
    EXPECT_EQ(find_device_integration("zigbee2mqtt"), &kZigbee2Mqtt);
    EXPECT_EQ(find_device_integration("tasmota"), &kTasmota);
    EXPECT_EQ(find_device_integration("shelly_gen2"), &kShellyGen2);
    EXPECT_EQ(find_device_integration("esphome"), &kEsphome);
    EXPECT_EQ(find_device_integration("generic"), &kGeneric);
    EXPECT_EQ(device_integrations().size(), 5u);
    std::set<std::string_view> names;
    for (const auto* d : device_integrations()) {
        EXPECT_NE(d->make_switch, nullptr) << d->name;
        EXPECT_NE(d->make_position, nullptr) << d->name;
        EXPECT_EQ(find_device_integration(d->name), d);
        names.insert(d->name);
    }
    EXPECT_EQ(names.size(), device_integrations().size());  // no duplicate names
}

TEST(IntegrationRegistry, EveryNotifierIntegrationIsFound) {
    EXPECT_EQ(find_notifier_integration("log"), &kLogNotifier);
    EXPECT_EQ(find_notifier_integration("mqtt"), &kMqttNotifier);
    EXPECT_EQ(find_notifier_integration("ntfy"), &kNtfyNotifier);
    EXPECT_EQ(find_notifier_integration("gotify"), &kGotifyNotifier);
    EXPECT_EQ(find_notifier_integration("ha_app"), &kHaAppNotifier);
    EXPECT_EQ(find_notifier_integration("webhook"), &kWebhookNotifier);
    EXPECT_EQ(notifier_integrations().size(), 6u);
    for (const auto* n : notifier_integrations()) {
        EXPECT_NE(n->create, nullptr) << n->name;
        EXPECT_EQ(find_notifier_integration(n->name), n);
    }
}

TEST(IntegrationRegistry, UnknownNamesAreNull) {
    EXPECT_EQ(find_device_integration("hue"), nullptr);
    EXPECT_EQ(find_device_integration(""), nullptr);
    EXPECT_EQ(find_device_integration("Tasmota"), nullptr);
    EXPECT_EQ(find_device_integration("log"), nullptr);
    EXPECT_EQ(find_notifier_integration("pushover"), nullptr);
    EXPECT_EQ(find_notifier_integration("tasmota"), nullptr);
}
