// `bedtimectl setup`, the pure half (2 of 2): the answers (who gets which pad,
// bed, sensors, wearable, phone and bedside button) and the commented config
// they make with an inventory (discovery/inventory.hpp, shared with the web
// page). The answers come from an --answers file (parse_answers) or from the
// terminal's numbered questions (setup_command.cpp builds the same struct);
// check_answers holds both to the same rules.
//
// Pure: no I/O. Any thread. parse_answers and check_answers throw SetupError
// ("file:line:col: what is wrong" where a position is known);
// render_config does not throw apart from std::bad_alloc.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "inventory.hpp"

namespace bedtimed::ctl::setup {

// The inventory is the daemon's too (the web page's Setup section): setup
// names its parts as before.
using discovery::Announcement;
using discovery::announcement_filters;
using discovery::config_name;
using discovery::Device;
using discovery::Inventory;
using discovery::kShellyRpcSource;
using discovery::read_announcements;
using discovery::Role;
using discovery::role_name;
using discovery::shelly_gen2_to_ask;
using discovery::shelly_status_request;

class SetupError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct PhoneAnswer {
    std::string type = "mqtt";  // mqtt (a topic a phone bridge reads), ntfy, or none
    std::string topic, url;     // mqtt: topic ("{sleeper}" allowed); ntfy: url and topic
};

struct ButtonAnswer {
    std::string device;  // an inventory button
    std::string action;  // one of its actions: that press logs a cramp now
};

struct SleeperAnswers {
    std::string name;
    std::string timezone;           // "" = the system's
    std::string bedtime = "22:30";  // HH:MM, every night
    // Inventory ids (or device names) per role; "" = none.
    std::string heating_pad, bed, occupancy, temperature, sleep, activity;
    std::string wearable_topic;  // where the wearable publishes episodes; "" = none
    PhoneAnswer phone;
    std::optional<ButtonAnswer> cramp_button;
    std::string where;  // "answers.yaml:3:5" for messages; "" from the terminal
};

struct Answers {
    std::vector<SleeperAnswers> sleepers;
};

struct RenderSettings {
    std::string broker_uri = "tcp://127.0.0.1:1883";
    std::string base_topic = "bedtimed";
};

// An answers file (YAML, docs/setup.md): ids checked against the inventory.
Answers parse_answers(const std::string& yaml_text, const std::string& path,
                      const Inventory& inventory);
// Names valid and unique, every id on the broker in its role, no actuator
// shared by two sleepers, a button's action one it has.
void check_answers(const Answers& answers, const Inventory& inventory);

// The config: mqtt, sensors, wearables, rules (the cramp buttons), actuators,
// notifiers, sleepers with a routine; each block commented with where it came
// from. Expects checked answers.
std::string render_config(const Inventory& inventory, const Answers& answers,
                          const RenderSettings& settings);

}  // namespace bedtimed::ctl::setup
