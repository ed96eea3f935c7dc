// The log notifier (`type: log`): writes each reminder to the daemon's log as
// "<sleeper>: <title>: <message>" (": <message>" left out when the message is
// empty), at info level, or warn when the reminder is urgent. No options.
#pragma once

#include "notifier.hpp"

namespace bedtimed::integrations {
extern const NotifierIntegration kLogNotifier;
}
