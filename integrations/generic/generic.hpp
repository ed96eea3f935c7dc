// Generic: any plug or bed that takes fixed MQTT payloads, described entirely
// by options. Payloads are templates ({{ name }} placeholders, `| json` filter).
//
// Switch options
//   on_topic     (required)            turn_on publishes on_payload here
//   on_payload   default "ON"          may contain {{auto_off_s}}: the cap in whole seconds
//   off_topic    default = on_topic    turn_off publishes off_payload here
//   off_payload  default "OFF"
//   state_topic  optional; a topic filter (wildcards allowed). Without it the device never
//   confirms. state_json   optional dotted path into a JSON state payload (e.g. "relay.0.state")
//   state_on / state_off   default "ON" / "OFF": the state value as text; a JSON
//                true/false maps to on/off directly
//   auto_off     true if on_payload makes the device enforce the cap itself;
//                default: true iff on_payload contains {{auto_off_s}}
//   prepare() sends nothing.
// Position options
//   position_topic        (required)
//   position_payload      default "{{position}}": the target as a whole percent 0..100
//   stop_topic            optional; without it stop() sends nothing
//   stop_payload          default "STOP"
//   position_state_topic  optional topic filter; position_json optional dotted path.
//                         The state is a number in percent 0..100.
#pragma once

#include "device.hpp"

namespace bedtimed::integrations {
extern const DeviceIntegration kGeneric;
}
