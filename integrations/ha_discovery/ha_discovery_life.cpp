// Home Assistant entities for the nights that follow life (daemon/routine/
// life.hpp): the profile select, the away state, the hand-off state and the
// button that hands control back. They read the plan topic, like the
// routine's switches, and send to the verbs `profile` and `hand_back`.
#include "ha_discovery_life.hpp"

namespace bedtimed::integrations::ha_discovery::detail {

using nlohmann::json;

void life_entities(const config::SleeperSpec& s, const std::string& base, const std::string& plan,
                   const AddEntity& add) {
    const std::string& n = s.name;
    if (!s.profiles.empty()) {
        json options = json::array({"normal"});
        for (const auto& p : s.profiles) options.push_back(p.name);
        auto& profile = add("select", "profile", "Profile");
        profile.update({{"command_topic", base + "/cmd/profile"},
                        {"command_template", "{\"sleeper\": " + json(n).dump() +
                                                 ", \"profile\": {{ value | tojson }}}"},
                        {"options", options},
                        {"state_topic", plan},
                        {"value_template", "{{ value_json.profile.name }}"},
                        {"json_attributes_topic", plan},
                        {"json_attributes_template", "{{ value_json.profile | tojson }}"},
                        {"icon", "mdi:account-switch"}});
    }
    if (s.away) {
        auto& away = add("binary_sensor", "away", "Away");
        away.update({{"state_topic", plan},
                     {"value_template", "{{ 'ON' if value_json.away.away else 'OFF' }}"},
                     {"json_attributes_topic", plan},
                     {"json_attributes_template", "{{ value_json.away | tojson }}"},
                     {"icon", "mdi:bag-suitcase"}});
    }
    if (s.hand_off.enabled && (!s.heating_pad.empty() || !s.bed.empty())) {
        auto& hand = add("binary_sensor", "hand_off", "Left alone (hand-off)");
        hand.update({{"state_topic", plan},
                     {"value_template", "{{ 'ON' if value_json.handed_off else 'OFF' }}"},
                     {"json_attributes_topic", plan},
                     {"json_attributes_template", "{{ value_json.hand_offs | tojson }}"},
                     {"icon", "mdi:hand-back-right"}});
        auto& back = add("button", "hand_back", "Hand control back");
        back.update({{"command_topic", base + "/cmd/hand_back"},
                     {"payload_press", json{{"sleeper", n}}.dump()},
                     {"icon", "mdi:hand-back-left"}});
    }
}

}  // namespace bedtimed::integrations::ha_discovery::detail
