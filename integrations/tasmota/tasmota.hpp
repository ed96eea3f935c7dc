// Tasmota: relays (heating pads) and shutters (beds), default FullTopic
// %prefix%/%topic%/. <r> is the relay/shutter number (option `relay`).
//
// Switch
//   turn_on(cap)  cmnd/<topic>/PulseTime<r>  <pulse(cap)>   then   cmnd/<topic>/POWER<r>  ON
//   turn_off      cmnd/<topic>/POWER<r>  OFF
//   prepare(cap)  cmnd/<topic>/PulseTime<r>  <pulse(cap)>
//                 cmnd/<topic>/PowerOnState  0               unless power_on_state: keep
//     pulse(cap): cap >= 12 s -> cap + 100 (seconds + 100, at most 64900 = 18 h);
//                 cap < 12 s  -> cap * 10 (tenths of a second, 1..111)
//     PulseTime runs on the device: the relay drops even if bedtimed or the
//     network dies. It is re-sent with every turn_on so the device cap is the
//     session's, not just the actuator's max_on.
//   state  stat/<topic>/POWER<r> (and stat/<topic>/POWER for relay 1): ON/OFF
//          stat/<topic>/RESULT, tele/<topic>/STATE: JSON "POWER<r>" (or "POWER" for relay 1)
//   power  tele/<topic>/SENSOR {"ENERGY":{"Power":45}} (W; an array per relay on multi-relay
//          meters) -> parse_power; parse_state ignores it
//   device truth  read_cap: cmnd/<topic>/PulseTime<r> with an empty payload (a query);
//          learn on stat/<topic>/RESULT {"PulseTime<r>":{"Set":1900,"Remaining":0}} (Tasmota >= 9)
//          or {"PulseTime<r>":1900}: Set > 0 -> cap verified, 0 -> none (cap_method "pulse_time").
//          Both topics are state topics, so fact_topics() is empty. With facts.cap == none,
//          turn_on_with sends POWER<r> ON only.
// Shutter
//   move_to  cmnd/<topic>/ShutterPosition<r>  <0..100>
//   stop     cmnd/<topic>/ShutterStop<r>      (empty payload)
//   state    stat/<topic>/RESULT, stat/<topic>/SHUTTER<r>, tele/<topic>/SENSOR:
//            JSON {"Shutter<r>":{"Position":N}}; SHUTTER<r> also as a plain number
//
// Options: topic (required), relay (1..8, default 1), prefix_cmnd/prefix_stat/prefix_tele
// (defaults cmnd/stat/tele), power_on_state (0 default / keep = send nothing).
//
// Threads: any (const, stateless). The factory throws config::ConfigError at the
// offending option; nothing else throws apart from std::bad_alloc.
#pragma once

#include "device.hpp"

namespace bedtimed::integrations {
extern const DeviceIntegration kTasmota;
}
