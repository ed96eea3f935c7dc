// The ntfy notifier (`type: ntfy`): publishes each reminder to an ntfy topic
// with ntfy's JSON publishing (docs.ntfy.sh/publish, "Publish as JSON"):
//
//   POST <url path>   (the server root, e.g. https://ntfy.sh/)
//   Authorization: Bearer <token>          (token_file or token_credential), or
//   Authorization: Basic base64(user:pw)   (user + password_file or password_credential), or none
//   Content-Type: application/json
//   {"topic":"bedtime-alex","sequence_id":"bedtimed-alex-stretch","title":"…","message":"…","priority":3,
//    "tags":["zzz"],"click":"https://…","actions":[{"action":"view","label":"…","url":"…"}]}
//
// Options: url (required), topic (required; "{sleeper}" allowed; after it is
// filled in: 1-64 of A-Z a-z 0-9 _ -), token_file | user + password_file,
// priority (1-5 or min/low/default/high/max; default 3; urgent reminders are
// sent at 5), tags (list or "a,b"), click (URL), actions (at most 3 maps:
// action view|http|broadcast, label, url, method, body, headers, clear;
// "{sleeper}" and "{step}" are filled in in label, url and body), ca_file,
// ack_url (optional): adds "Done" and
// "Snooze N min" as `http` actions that POST {"action":"BEDTIMED_DONE:<sleeper>:<step>"}
// (or BEDTIMED_SNOOZE:…) with Content-Type: application/json to that URL, meant
// for a Home Assistant webhook that forwards it to MQTT (README, "Done and
// Snooze"); urgent reminders and twice-snoozed ones get no Snooze. With
// ack_url at most one of `actions` fits.
// Done clears the reminder on every phone: PUT <url>/<topic>/<sequence_id>/clear
// (ntfy 2.16 and later; sequence_id is the same for each send of a step, so
// a repeat replaces the copy rather than adding one).
// Sending, retries and counting: http/outbox.hpp.
#pragma once

#include "notifier.hpp"

namespace bedtimed::integrations {
extern const NotifierIntegration kNtfyNotifier;
}
