// The `home_assistant` section: discovery on or off, its mode, prefix and topics.
#include <yaml-cpp/yaml.h>

#include <chrono>

#include "block.hpp"
#include "mqtt_topic.hpp"
#include "sections.hpp"

namespace bedtimed::config::detail {

HomeAssistantSettings parse_home_assistant(Block b) {
    HomeAssistantSettings h;
    h.discovery = b.boolean_or("discovery", true);
    const std::string mode = b.string_or("mode", "device");
    if (mode == "device") h.mode = HomeAssistantSettings::Mode::device;
    else if (mode == "entity") h.mode = HomeAssistantSettings::Mode::entity;
    else
        b.fail(b.get("mode"), "mode '" + mode + "' must be device (HA 2024.11 or later) or entity");
    h.prefix = b.string_or("discovery_prefix", h.prefix);
    if (h.prefix.empty() || !is_valid_publish_topic(h.prefix))
        b.fail(b.get("discovery_prefix"),
               "discovery_prefix '" + h.prefix + "' is not a valid MQTT topic");
    h.node_id = b.string_or("node_id", "");
    if (!h.node_id.empty() && !valid_name(h.node_id))
        b.fail(b.get("node_id"),
               "node_id '" + h.node_id + "' must be 1-64 letters, digits, '_' or '-'");
    h.status_topic = b.string_or("status_topic", h.prefix + "/status");
    if (!is_valid_publish_topic(h.status_topic))
        b.fail(b.get("status_topic"),
               "status_topic '" + h.status_topic + "' is not a valid MQTT topic");
    h.rediscover_delay_max = std::chrono::duration_cast<std::chrono::milliseconds>(
        b.duration_or("rediscover_delay", std::chrono::seconds(5), std::chrono::seconds(0),
                      std::chrono::minutes(5)));
    h.support_url = b.string_or("support_url", h.support_url);
    if (h.support_url.rfind("http://", 0) != 0 && h.support_url.rfind("https://", 0) != 0)
        b.fail(b.get("support_url"), "support_url must start with http:// or https://");
    b.warn_unknown_keys();
    return h;
}

}  // namespace bedtimed::config::detail
