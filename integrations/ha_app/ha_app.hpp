// The Home Assistant companion app notifier (`type: ha_app`): calls a notify
// service through Home Assistant's REST API (developers.home-assistant.io,
// "POST /api/services/<domain>/<service>"; companion.home-assistant.io,
// "Actionable notifications"):
//
//   POST <url path>/api/services/notify/<service>
//   Authorization: Bearer <long-lived access token>     (token_file)
//   Content-Type: application/json
//   {"message":"…","title":"…","data":{"tag":"bedtimed-alex-stretch","actions":[
//      {"action":"BEDTIMED_DONE:alex:stretch","title":"Done"},
//      {"action":"BEDTIMED_SNOOZE:alex:stretch","title":"Snooze 10 min"}]}}
//
// Action ids: BEDTIMED_DONE:<sleeper>:<step> and BEDTIMED_SNOOZE:<sleeper>:<step>
// (sleeper and step names never contain ':'). A tap fires the Home Assistant
// event `mobile_app_notification_action` with `action` set to the id; a small
// Home Assistant automation publishes it to `<base>/cmd/ack` or `<base>/cmd/snooze`
// (README, "Done and Snooze"). "Snooze N min" follows the reminder's `snooze`
// and is left out once it is zero (snoozed twice). Urgent notices carry only
// "Done": a warning is not something to postpone; they are also sent with
// Android `priority: high`, `ttl: 0` and iOS `interruption-level: time-sensitive`.
// The tag makes a newer reminder for the same step replace an older one.
//
// Options: url (required, Home Assistant's base URL, e.g.
// http://homeassistant.local:8123), service (required: the notify service,
// e.g. mobile_app_alex_phone), token_file or token_credential (required), actions (true/false,
// default true), ca_file. Sending, retries and counting: http/outbox.hpp.
#pragma once

#include <string>

#include "notifier.hpp"

namespace bedtimed::integrations {

extern const NotifierIntegration kHaAppNotifier;

// The action ids carried by the buttons.
std::string ha_done_action_id(const std::string& sleeper, const std::string& step);
std::string ha_snooze_action_id(const std::string& sleeper, const std::string& step);

}  // namespace bedtimed::integrations
