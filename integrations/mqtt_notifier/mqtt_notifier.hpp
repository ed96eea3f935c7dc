// The MQTT notifier (`type: mqtt`): publishes each reminder as JSON, for a
// phone bridge, Node-RED or Home Assistant to pick up.
//
//   topic    <topic> with every "{sleeper}" replaced by the sleeper's name
//   payload  {"sleeper":"…","step":"…","title":"…","message":"…","urgent":false,
//             "at":"2026-11-26T22:00:00Z"}     (at: the reminder's time, ISO-8601 UTC;
//                                              the clock's time if the reminder has none)
//
// Options: topic (required; "{sleeper}" allowed), qos (0..2, default 1),
// retain (default false).
#pragma once

#include "notifier.hpp"

namespace bedtimed::integrations {
extern const NotifierIntegration kMqttNotifier;
}
