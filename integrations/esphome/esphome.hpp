// ESPHome with the native MQTT client (mqtt: in the node's YAML), default topics
// <topic_prefix>/<component type>/<object id>/...
//
// Switch
//   turn_on / turn_off  <node>/switch/<object_id>/command  ON / OFF
//   prepare             nothing: ESPHome has no runtime auto-off or power-on setting over
//                       MQTT. Put `restore_mode: ALWAYS_OFF` on the switch in the node's YAML
//                       (and, for a device-side cap, an `on_turn_on` delay + switch.turn_off).
//   state               <node>/switch/<object_id>/state  ON / OFF
//   supports_device_auto_off() is false: bedtimed's own timer is the cap.
// Cover
//   move_to  <node>/cover/<object_id>/position/command  <0..100>
//   stop     <node>/cover/<object_id>/command           STOP
//   state    <node>/cover/<object_id>/position/state    number 0..100
//
// Options: node (the node's MQTT topic_prefix, required), object_id (the component's
// object id, required; not `name`, which is the actuator's own key).
#pragma once

#include "device.hpp"

namespace bedtimed::integrations {
extern const DeviceIntegration kEsphome;
}
