// The Gotify notifier (`type: gotify`): posts each reminder as a Gotify
// message (gotify.net API, "POST /message"):
//
//   POST <url path>/message
//   X-Gotify-Key: <app token>          (token_file)
//   Content-Type: application/json
//   {"title":"…","message":"…","priority":5,
//    "extras":{"client::notification":{"click":{"url":"…"}}}}   (extras only with click)
//
// Options: url (required, the server's base URL), token_file (required: an
// application token), priority (0-10, default 5; urgent reminders are sent at
// least at 8, which the Android app shows as a heads-up notification), click
// (URL), ca_file. Sending, retries and counting: http/outbox.hpp.
#pragma once

#include "notifier.hpp"

namespace bedtimed::integrations {
extern const NotifierIntegration kGotifyNotifier;
}
