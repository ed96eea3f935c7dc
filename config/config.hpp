// Plain data describing a loaded bedtimed configuration.
//
// Threads: immutable after load; a Config is built on the loop thread (or in
// bedtimectl) and shared as `std::shared_ptr<const Config>`. Nothing here throws.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "template.hpp"

namespace bedtimed::config {

// Where a value came from, for messages of the form file:line:col.
struct Location {
    std::string file;
    int line = 0;    // 1-based; 0 = unknown
    int column = 0;  // 1-based
    std::string str() const;
};

// Where a secret is read from (see secret.hpp): a file, an environment
// variable or a systemd credential. Holds the name, never the secret.
struct SecretRef {
    enum class Kind { none, file, env, credential };
    Kind kind = Kind::none;
    std::string value;  // the path, variable name or credential name
    Location where;     // the config key, for messages
    explicit operator bool() const noexcept { return kind != Kind::none; }
};

struct TlsSettings {
    std::string ca_file;    // trust store; empty = system default
    std::string cert_file;  // optional client certificate
    std::string key_file;   // optional client key
    bool verify_hostname = true;
};

// Where Paho keeps QoS>0 messages in flight. "memory" is the default: Paho's
// file store costs ~0.35 ms of file system calls per publish (measured by
// bench/run) and never fsyncs, so it guards against little; episodes get their
// durability from the episode store instead.
enum class MqttPersistence { memory, file };

struct MqttSettings {
    std::string uri = "tcp://127.0.0.1:1883";
    std::string client_id = "bedtimed";
    std::string username;
    SecretRef
        password;  // password_file / password_env / password_credential; read at start and connect
    std::string base_topic = "bedtimed";
    std::chrono::seconds keepalive{30};
    std::chrono::seconds reconnect_min{1};
    std::chrono::seconds reconnect_max{30};
    std::optional<TlsSettings> tls;
    std::size_t max_payload_bytes = 64 * 1024;
    std::size_t max_buffered_messages = 10000;  // publishes kept while the broker is away
    // QoS 2 publishes inside Paho at a time. Must not exceed what the broker
    // takes from one client (mosquitto: max_inflight_messages, default 20):
    // over MQTT 3.1.1 a refused one looks delivered (mosquitto #2876).
    std::size_t max_inflight_qos2 = 10;
    MqttPersistence persistence = MqttPersistence::memory;
};

// time: a time of day or an instant (daemon/rules/clock_reading.hpp), kept as its text.
enum class SensorType { number, boolean, enumeration, time };

struct SensorSpec {
    std::string name;
    std::string topic;
    std::string json_path;  // dotted path into a JSON payload; empty = raw payload
    SensorType type = SensorType::number;
    std::string unit;
    std::chrono::seconds stale_after{0};  // 0 = never stale
    std::vector<std::string> options;     // enumeration values
    std::vector<std::string> true_values{"true", "on", "ON", "1", "occupied", "yes"};
    std::vector<std::string> false_values{"false", "off", "OFF", "0", "clear", "no"};
    std::optional<double> min, max;  // plausible range for numbers
    Location where;
};

// How one wearable's episode message maps onto bedtimed's episode fields.
struct EpisodeMapping {
    std::string id = "id";
    std::string start;  // empty = time of arrival
    std::string duration = "duration_s";
    std::string muscle;
    std::string side;
    std::string severity;
};

enum class TimeUnit { seconds, milliseconds, nanoseconds };

struct WearableSpec {
    std::string name;
    std::string topic;
    int qos = 1;
    EpisodeMapping fields;
    TimeUnit start_epoch_unit = TimeUnit::seconds;
    double duration_scale = 1.0;  // multiply the raw duration to get seconds
    double max_duration_s = 3600;
    double severity_min = 0, severity_max = 10;
    std::chrono::seconds max_future_skew{3600};
    std::chrono::hours max_age{24 * 30};
    Location where;
};

// `<operand> <op> <literal>`, e.g. `episode.duration_s >= 10`.
struct Condition {
    enum class Op { eq, ne, lt, le, gt, ge };
    std::string operand;  // episode.<field> or sensor.<name>
    Op op = Op::eq;
    std::string literal_text;      // as written
    std::optional<double> number;  // set when the literal is numeric
    std::optional<bool> boolean;   // set when the literal is true/false
    std::string text;              // set when the literal is a string
    Location where;
};

struct PublishAction {
    Template topic;
    Template payload;
    std::optional<int> qos;  // nullopt = the QoS the triggering message arrived with
    bool retain = false;
    Location where;
};

struct RuleSpec {
    enum class Trigger { episode, sensor };
    std::string name;
    Trigger trigger = Trigger::episode;
    std::string source;  // wearable name (empty = any) or sensor name
    // A sensor rule: fire on every reading, an unchanged one too (a button's
    // `action` pressed twice), and never on a retained one (an old press).
    bool every_reading = false;
    std::vector<Condition> conditions;
    std::vector<PublishAction> actions;
    Location where;
};

}  // namespace bedtimed::config

#include "household.hpp"  // needs Condition, above

namespace bedtimed::config {

// Home Assistant MQTT discovery (integrations/ha_discovery/). Absent block =
// no discovery; the example config turns it on.
struct HomeAssistantSettings {
    bool discovery = false;
    // device: one `<prefix>/device/<id>/config` per device (HA >= 2024.11);
    // entity: one `<prefix>/<component>/<node_id>/<object>/config` per entity.
    enum class Mode { device, entity } mode = Mode::device;
    std::string prefix = "homeassistant";
    std::string node_id;       // [A-Za-z0-9_-]; empty = derived from mqtt.client_id
    std::string status_topic;  // HA's birth topic; empty = <prefix>/status
    std::chrono::milliseconds rediscover_delay_max{5000};  // random delay after HA's birth
    std::string support_url = "https://github.com/bedtimed/bedtimed";
};

struct Config {
    std::string path;
    MqttSettings mqtt;
    std::vector<SensorSpec> sensors;
    std::vector<WearableSpec> wearables;
    std::vector<RuleSpec> rules;
    std::vector<ActuatorSpec> actuators;
    std::vector<NotifierSpec> notifiers;
    std::vector<SleeperSpec> sleepers;
    HomeAssistantSettings home_assistant;
    std::vector<std::string> warnings;  // "file:line:col: unknown key 'x'" and friends

    // By name. A name in the index is found at once (a house of 1,500
    // sensors used to be scanned on every look-up); any other is looked for
    // by a scan, so a Config built or edited by hand (tests, simulate) finds
    // the same things.
    const SensorSpec* find_sensor(std::string_view name) const;
    const WearableSpec* find_wearable(std::string_view name) const;
    const ActuatorSpec* find_actuator(std::string_view name) const;
    const NotifierSpec* find_notifier(std::string_view name) const;
    const SleeperSpec* find_sleeper(std::string_view name) const;

    // Name -> position in its list; parse_config() builds it (index_names()).
    using NameIndex = std::map<std::string, std::size_t, std::less<>>;
    NameIndex sensor_index, wearable_index, actuator_index, notifier_index, sleeper_index;
    void index_names();
};

}  // namespace bedtimed::config
