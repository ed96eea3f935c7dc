// The webhook notifier (`type: webhook`): posts each reminder as JSON to any
// URL (Node-RED, n8n, a Home Assistant webhook trigger, a script):
//
//   POST <url>
//   Content-Type: application/json
//   <headers from the config>
//   {"sleeper":"alex","step":"stretch","title":"…","message":"…","urgent":false,
//    "at":"2026-11-26T22:00:00Z"}      (the same payload as `type: mqtt`)
//
// Options: url (required; a user:password@ in it becomes Basic auth and is
// never logged), headers (a map of header name to a value, or to {file: path}
// to read the value from a file, e.g. a token), ca_file. Sending, retries and
// counting: http/outbox.hpp.
#pragma once

#include "notifier.hpp"

namespace bedtimed::integrations {
extern const NotifierIntegration kWebhookNotifier;
}
