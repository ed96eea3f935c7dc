// The `mqtt` section: the broker URI, client id, topics, limits, persistence,
// TLS and the password's source.
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <charconv>

#include "block.hpp"
#include "mqtt_topic.hpp"
#include "secret.hpp"
#include "sections.hpp"

namespace bedtimed::config::detail {

// `<key>_file`, `<key>_env` or `<key>_credential`: at most one of them.
SecretRef parse_secret(Block& b, const std::string& key) {
    SecretRef ref;
    const std::pair<const char*, SecretRef::Kind> forms[] = {
        {"_file", SecretRef::Kind::file},
        {"_env", SecretRef::Kind::env},
        {"_credential", SecretRef::Kind::credential}};
    std::string first;
    for (const auto& [suffix, kind] : forms) {
        const std::string name = key + suffix;
        if (!b.has(name)) {
            b.get(name);
            continue;
        }
        YAML::Node n = b.get(name);
        if (ref) b.fail(n, "set only one of " + first + " and " + name);
        ref.kind = kind;
        ref.value = b.scalar(n, name);
        ref.where = b.at(n);
        first = name;
        if (ref.value.empty()) b.fail(n, "'" + name + "' must not be empty");
        if (kind == SecretRef::Kind::credential && !valid_credential_name(ref.value))
            b.fail(n, "'" + ref.value + "' is not a credential name (letters, digits, - _ . @)");
    }
    return ref;
}

namespace {

// What is wrong with a broker URI, or "" when nothing is: scheme://host[:port],
// a path only for ws:// and wss://. Paho takes "tcp://127.0.0.1 :1883" or
// port 99999 and fails only when connecting, over and over.
std::string broker_uri_problem(const std::string& uri) {
    const auto scheme_end = uri.find("://");
    const std::string scheme = scheme_end == std::string::npos ? "" : uri.substr(0, scheme_end);
    const bool web = scheme == "ws" || scheme == "wss";
    if (!(scheme == "tcp" || scheme == "mqtt" || scheme == "ssl" || scheme == "mqtts" || web))
        return "must start with tcp://, mqtt://, ssl:// or mqtts://";
    for (const unsigned char c : uri)
        if (c <= ' ' || c == 0x7f) return "must not contain spaces or control characters";
    std::string rest = uri.substr(scheme_end + 3);
    const auto slash = rest.find('/');
    if (slash != std::string::npos) {
        if (!web) return "must not have a path (only ws:// and wss:// take one)";
        rest.resize(slash);
    }
    if (rest.find('@') != std::string::npos)
        return "must not hold a user name; use mqtt.username and a password source";
    std::string host = rest, port;
    if (!rest.empty() && rest.front() == '[') {
        const auto close = rest.find(']');
        if (close == std::string::npos) return "has an unterminated [IPv6] host";
        host = rest.substr(1, close - 1);
        const std::string after = rest.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return "has garbage after the [IPv6] host";
            port = after.substr(1);
            if (port.empty()) return "has an empty port";
        }
    } else if (const auto colon = rest.find(':'); colon != std::string::npos) {
        host = rest.substr(0, colon);
        port = rest.substr(colon + 1);
        if (port.empty()) return "has an empty port";
    }
    if (host.empty()) return "has no host";
    for (const char c : host)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' ||
              c == ':'))
            return "has an invalid host '" + host + "'";
    if (!port.empty()) {
        int p = 0;
        const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
        if (ec != std::errc() || end != port.data() + port.size() || p < 1 || p > 65535)
            return "has port '" + port + "', not 1..65535";
    }
    return "";
}

}  // namespace

MqttSettings parse_mqtt(Block b) {
    MqttSettings m;
    m.uri = b.string_or("uri", m.uri);
    if (const std::string problem = broker_uri_problem(m.uri); !problem.empty())
        b.fail(b.get("uri"), "broker uri '" + m.uri + "' " + problem);
    m.client_id = b.string_or("client_id", m.client_id);
    if (m.client_id.empty() || m.client_id.size() > 64)
        b.fail(b.get("client_id"), "client_id must be 1-64 characters");
    // Paho names its persistence directory after it: no path separators.
    for (const unsigned char c : m.client_id)
        if (c <= ' ' || c == 0x7f || c == '/' || c == '\\')
            b.fail(b.get("client_id"),
                   "client_id must not contain spaces, control characters, '/' or '\\'");
    m.username = b.string_or("username", "");
    m.password = parse_secret(b, "password");
    m.base_topic = b.string_or("base_topic", m.base_topic);
    if (!is_valid_publish_topic(m.base_topic))
        b.fail(b.get("base_topic"), "base_topic '" + m.base_topic + "' is not a valid MQTT topic");
    m.keepalive = b.duration_or("keepalive", m.keepalive, std::chrono::seconds(5),
                                std::chrono::seconds(3600));
    if (b.has("reconnect")) {
        Block r = b.child("reconnect");
        m.reconnect_min = r.duration_or("min", m.reconnect_min, std::chrono::seconds(1),
                                        std::chrono::seconds(300));
        m.reconnect_max =
            r.duration_or("max", m.reconnect_max, m.reconnect_min, std::chrono::seconds(3600));
        r.warn_unknown_keys();
    } else {
        b.get("reconnect");
    }
    m.max_payload_bytes = static_cast<std::size_t>(
        b.integer_or("max_payload_bytes", static_cast<long>(m.max_payload_bytes), 256, 4 << 20));
    m.max_buffered_messages = static_cast<std::size_t>(b.integer_or(
        "max_buffered_messages", static_cast<long>(m.max_buffered_messages), 10, 1'000'000));
    m.max_inflight_qos2 = static_cast<std::size_t>(
        b.integer_or("max_inflight_qos2", static_cast<long>(m.max_inflight_qos2), 1, 65535));
    {
        const std::string p = b.string_or("persistence", "memory");
        if (p == "memory") m.persistence = MqttPersistence::memory;
        else if (p == "file") m.persistence = MqttPersistence::file;
        else b.fail(b.get("persistence"), "persistence '" + p + "' must be memory or file");
    }
    if (b.has("tls")) {
        Block t = b.child("tls");
        TlsSettings tls;
        tls.ca_file = t.string_or("ca_file", "");
        tls.cert_file = t.string_or("cert_file", "");
        tls.key_file = t.string_or("key_file", "");
        tls.verify_hostname = t.boolean_or("verify_hostname", true);
        if (tls.cert_file.empty() != tls.key_file.empty())
            t.fail(t.get(tls.key_file.empty() ? "cert_file" : "key_file"),
                   "tls needs both cert_file and key_file, or neither");
        t.warn_unknown_keys();
        m.tls = tls;
    } else {
        b.get("tls");
    }
    b.warn_unknown_keys();
    return m;
}

}  // namespace bedtimed::config::detail
