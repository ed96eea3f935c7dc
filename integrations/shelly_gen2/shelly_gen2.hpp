// Shelly Gen2/Gen3 (Plus, Pro, ...): Switch and Cover components over the MQTT
// RPC channel (enable_rpc) with status notifications (status_ntf / rpc_ntf).
//
// Commands: JSON-RPC frames published to <prefix>/rpc (replies go to <src>/rpc,
// which bedtimed does not need):
//   turn_on(cap)
//   {"id":1,"src":"<src>","method":"Switch.Set","params":{"id":<id>,"on":true,"toggle_after":<cap
//   s>}} turn_off      {"id":1,"src":"<src>","method":"Switch.Set","params":{"id":<id>,"on":false}}
//   prepare(cap)  {"id":2,"src":"<src>","method":"Switch.SetConfig","params":{"id":<id>,
//                  "config":{"initial_state":"off","auto_off":true,"auto_off_delay":<cap s>}}}
//   move_to
//   {"id":3,"src":"<src>","method":"Cover.GoToPosition","params":{"id":<id>,"pos":<0..100>}} stop
//   {"id":4,"src":"<src>","method":"Cover.Stop","params":{"id":<id>}} read_cap
//   {"id":5,"src":"<src>/<prefix>","method":"Switch.GetConfig","params":{"id":<id>}}
// The request id is fixed per method (codecs are stateless; bedtimed ignores the
// replies except Switch.GetConfig's).
// Device truth: the GetConfig reply arrives on <src>/<prefix>/rpc (fact_topics(); one
// topic per device even when several share `src`):
//   {"id":5,"src":"<device>","dst":"<src>/<prefix>","result":{"id":<id>,"auto_off":true,
//    "auto_off_delay":1800.0,...}}  -> cap verified if auto_off and delay > 0, else none
//   (cap_method "auto_off"). With facts.cap == none, turn_on_with sends no toggle_after.
// Power: "apower" (W) in the switch status (status topic or NotifyStatus) -> parse_power.
// State:
//   <prefix>/status/switch:<id>  JSON "output" (bool)
//   <prefix>/status/cover:<id>   JSON "current_pos" (null while uncalibrated)
//   <prefix>/events/rpc          NotifyStatus / NotifyFullStatus: params."switch:<id>".output,
//                                params."cover:<id>".current_pos
//
// Options: prefix (the device's MQTT topic_prefix, required), id (component id, default 0),
// src (reply prefix, default "bedtimed").
//
// Threads: any (const, stateless). The factory throws config::ConfigError at the
// offending option; nothing else throws apart from std::bad_alloc.
#pragma once

#include "device.hpp"

namespace bedtimed::integrations {
extern const DeviceIntegration kShellyGen2;
}
