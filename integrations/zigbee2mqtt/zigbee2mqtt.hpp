// Zigbee2MQTT: smart plugs (heating pads) and covers (beds) behind a Z2M bridge.
// Facts behind the choices: docs/routines.md, "What the plug's own cap really does", and
// tests/support/fake_z2m.hpp (what Z2M and each firmware really do).
//
// Topics and payloads (Z2M docs "MQTT topics and messages"):
//   command  <base_topic>/<device>/set
//     switch on, by cap method (SwitchFacts::cap_method; configured default until learned):
//       on_time    {"state":"ON","on_time":<cap s>}   integer, at most 6553 (ZCL tenths in a
//       uint16;
//                  {"state":"ON","on_time":<cap s>,"off_wait_time":0}   never 6553.5 = "no timer")
//       countdown  {"state":"ON","countdown":<cap s>} integer, at most 43200 (Tuya
//       on_off_countdown) none       {"state":"ON"}                     (also whenever facts.cap ==
//       none)
//     switch off  {"state":"OFF"}
//     prepare     {"<power_on_key>":<value>} as learned: {"power_on_behavior":"off"},
//                 {"power_outage_memory":false} (Lumi: a boolean; "off" ENABLES restore),
//                 {"power_outage_memory":"off"} (Tuya enum); nothing for a plug learned to have
//                 no such setting; {"power_on_behavior":"off"} before learning.
//                 Nothing at all with power_on_behavior: keep.
//     cover       {"position":<0..100>}  /  {"state":"STOP"}
//   state    <base_topic>/<device>   JSON: "state" "ON"/"OFF" and "power" (W) (switch), "position"
//   (cover) facts    <base_topic>/bridge/devices (retained JSON array): the entry whose
//   friendly_name is
//              <device> gives the cap method, the power-on key and whether "power" is reported:
//              auto: an expose "countdown" with SET access -> countdown; else manufacturer _TZ* /
//              _TYZB* (Tuya firmware, where on_time is a x10 delayed toggle) -> none; else on_time.
//              A forced cap is kept, except on_time on Tuya firmware -> none.
//            <base_topic>/bridge/logging: {"level":"error","message":"No converter available for
//              'on_time' on '<device>': (N)"} (or 'countdown'), or "Publish 'set' 'state' to
//              '<device>' failed: ..." -> cap none; that run-time evidence outlives later
//              re-publications of bridge/devices.
//
// Options:
//   device             friendly name (required; may contain '/')
//   base_topic         default "zigbee2mqtt"
//   cap                auto (default) / on_time / countdown / none: how the plug is told to
//                      switch itself off
//   on_time            the old boolean: true = cap auto, false = cap none (not with cap)
//   off_wait_time      false (default) / true: add "off_wait_time":0 to on_time (some firmware
//   needs it) power_on_behavior  off (default) / keep (send nothing)
//
// Threads: any (the codec is const and stateless). The factory throws
// config::ConfigError at the offending option; nothing else throws apart from std::bad_alloc.
#pragma once

#include "device.hpp"

namespace bedtimed::integrations {
extern const DeviceIntegration kZigbee2Mqtt;
}
