#include "counters.hpp"

#include <nlohmann/json.hpp>

namespace bedtimed {

std::string Counters::to_json() const {
    nlohmann::json j{{"connects", connects},
                     {"disconnects", disconnects},
                     {"connect_failures", connect_failures},
                     {"mqtt_client_resets", mqtt_client_resets},
                     {"messages_in", messages_in},
                     {"messages_out", messages_out},
                     {"publish_failures", publish_failures},
                     {"payloads_rejected", payloads_rejected},
                     {"payloads_oversized", payloads_oversized},
                     {"episodes_rejected", episodes_rejected},
                     {"sensor_values_rejected", sensor_values_rejected},
                     {"device_reports_ignored", device_reports_ignored},
                     {"sensor_updates", sensor_updates},
                     {"episodes_accepted", episodes_accepted},
                     {"episodes_duplicate", episodes_duplicate},
                     {"rules_fired", rules_fired},
                     {"stale_sensor_checks", stale_sensor_checks},
                     {"device_commands", device_commands},
                     {"device_unconfirmed", device_unconfirmed},
                     {"heat_sessions", heat_sessions},
                     {"heat_safety_offs", heat_safety_offs},
                     {"manual_offs", manual_offs},
                     {"heat_refused", heat_refused},
                     {"device_cap_failed", device_cap_failed},
                     {"pad_no_power", pad_no_power},
                     {"pad_off_drawing", pad_off_drawing},
                     {"pad_tests", pad_tests},
                     {"bed_moves", bed_moves},
                     {"reminders_sent", reminders_sent},
                     {"notify_delivered", notify_delivered},
                     {"notify_retries", notify_retries},
                     {"notify_failures", notify_failures},
                     {"notify_dropped", notify_dropped},
                     {"reminders_held", reminders_held},
                     {"reminders_quiet_dropped", reminders_quiet_dropped},
                     {"reminders_snoozed", reminders_snoozed},
                     {"config_reloads", config_reloads},
                     {"config_reload_failures", config_reload_failures},
                     {"episodes_stored", episodes_stored},
                     {"store_failures", store_failures},
                     {"commands", commands},
                     {"commands_rejected", commands_rejected},
                     {"notices_sent", notices_sent},
                     {"tier_changes", tier_changes}};
    return j.dump();
}

}  // namespace bedtimed
