// Zigbee2MQTT: smart plugs (heating pads) and covers (beds) behind a Z2M bridge.
//
// Topics and payloads (Z2M docs "MQTT topics and messages"):
//   command  <base_topic>/<device>/set
//     switch on   {"state":"ON","on_time":<cap s>}            (ZCL OnWithTimedOff: the plug
//                 {"state":"ON","on_time":<cap s>,"off_wait_time":0}   turns itself off)
//                 {"state":"ON"}                               when on_time is false
//     switch off  {"state":"OFF"}
//     prepare     {"power_on_behavior":"off"}                  unless power_on_behavior: keep
//     cover       {"position":<0..100>}  /  {"state":"STOP"}
//   state    <base_topic>/<device>   JSON: "state" "ON"/"OFF" (switch), "position" (cover)
//
// Options:
//   device             friendly name (required; may contain '/')
//   base_topic         default "zigbee2mqtt"
//   on_time            true (default) / false: whether the plug supports OnWithTimedOff
//   off_wait_time      false (default) / true: add "off_wait_time":0 (some firmware needs it)
//   power_on_behavior  off (default) / keep (send nothing)
#pragma once

#include "device.hpp"

namespace bedtimed::integrations {
extern const DeviceIntegration kZigbee2Mqtt;
}
