// The explicit list of every integration (MPD's output/Registry.cxx). Adding
// an integration = a folder, a library in CMakeLists.txt, and one line here.
#include "esphome/esphome.hpp"
#include "generic/generic.hpp"
#include "gotify/gotify.hpp"
#include "ha_app/ha_app.hpp"
#include "log_notifier/log_notifier.hpp"
#include "mqtt_notifier/mqtt_notifier.hpp"
#include "ntfy/ntfy.hpp"
#include "shelly_gen2/shelly_gen2.hpp"
#include "tasmota/tasmota.hpp"
#include "webhook/webhook.hpp"
#include "zigbee2mqtt/zigbee2mqtt.hpp"

namespace bedtimed::integrations {

const std::vector<const DeviceIntegration*>& device_integrations() {
    static const std::vector<const DeviceIntegration*> list{
        &kZigbee2Mqtt, &kTasmota, &kShellyGen2, &kEsphome, &kGeneric,
    };
    return list;
}

const DeviceIntegration* find_device_integration(std::string_view name) {
    for (const auto* integration : device_integrations())
        if (integration->name == name) return integration;
    return nullptr;
}

const std::vector<const NotifierIntegration*>& notifier_integrations() {
    static const std::vector<const NotifierIntegration*> list{
        &kLogNotifier,    &kMqttNotifier,  &kNtfyNotifier,
        &kGotifyNotifier, &kHaAppNotifier, &kWebhookNotifier,
    };
    return list;
}

const NotifierIntegration* find_notifier_integration(std::string_view name) {
    for (const auto* integration : notifier_integrations())
        if (integration->name == name) return integration;
    return nullptr;
}

}  // namespace bedtimed::integrations

namespace bedtimed::integrations {

std::string_view device_cap_name(DeviceCap cap) {
    switch (cap) {
        case DeviceCap::verified:
            return "verified";
        case DeviceCap::unverified:
            return "unverified";
        case DeviceCap::none:
            return "none";
    }
    return "none";
}

}  // namespace bedtimed::integrations
