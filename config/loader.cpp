#include "loader.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "block.hpp"
#include "mqtt_topic.hpp"
#include "secret.hpp"

namespace bedtimed::config {

std::string Location::str() const {
    return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

const SensorSpec* Config::find_sensor(std::string_view name) const {
    for (const auto& s : sensors)
        if (s.name == name) return &s;
    return nullptr;
}

const WearableSpec* Config::find_wearable(std::string_view name) const {
    for (const auto& w : wearables)
        if (w.name == name) return &w;
    return nullptr;
}

const ActuatorSpec* Config::find_actuator(std::string_view name) const {
    for (const auto& a : actuators)
        if (a.name == name) return &a;
    return nullptr;
}

const NotifierSpec* Config::find_notifier(std::string_view name) const {
    for (const auto& n : notifiers)
        if (n.name == name) return &n;
    return nullptr;
}

const SleeperSpec* Config::find_sleeper(std::string_view name) const {
    for (const auto& s : sleepers)
        if (s.name == name) return &s;
    return nullptr;
}

const std::vector<std::string>& episode_field_names() {
    static const std::vector<std::string> names{"id",       "source", "topic",  "start",
                                                "duration_s", "muscle", "side", "severity"};
    return names;
}

namespace detail {

Condition parse_condition(const Block& rule, const YAML::Node& n) {
    Condition c;
    c.where = rule.at(n);
    if (!n.IsScalar())
        rule.fail(n, "a condition must be a string like \"episode.duration_s >= 10\"");
    const std::string text = n.Scalar();
    static const std::vector<std::pair<std::string, Condition::Op>> ops{
        {">=", Condition::Op::ge}, {"<=", Condition::Op::le}, {"==", Condition::Op::eq},
        {"!=", Condition::Op::ne}, {">", Condition::Op::gt},  {"<", Condition::Op::lt}};
    std::size_t pos = std::string::npos, len = 0;
    for (const auto& [sym, op] : ops) {
        const std::size_t p = text.find(sym);
        if (p != std::string::npos && (pos == std::string::npos || p < pos)) {
            pos = p;
            len = sym.size();
            c.op = op;
        }
    }
    if (pos == std::string::npos)
        rule.fail(n, "condition '" + text + "' needs one of == != < <= > >=");
    auto trim = [](std::string s) {
        const auto b = s.find_first_not_of(" \t");
        const auto e = s.find_last_not_of(" \t");
        return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
    };
    c.operand = trim(text.substr(0, pos));
    c.literal_text = trim(text.substr(pos + len));
    if (c.operand.empty() || c.literal_text.empty())
        rule.fail(n, "condition '" + text + "' must be '<operand> <op> <value>'");
    const std::string& lit = c.literal_text;
    double v = 0;
    auto [p, ec] = std::from_chars(lit.data(), lit.data() + lit.size(), v);
    // from_chars also reads "nan" and "inf", which would make a rule that never fires.
    if (ec == std::errc() && p == lit.data() + lit.size() && std::isfinite(v)) {
        c.number = v;
    } else if (lit == "true" || lit == "false") {
        c.boolean = lit == "true";
    } else if (lit.size() >= 2 && (lit.front() == '"' || lit.front() == '\'') &&
               lit.back() == lit.front()) {
        c.text = lit.substr(1, lit.size() - 2);
    } else {
        rule.fail(n, "value '" + lit + "' in condition must be a number, true/false, or a quoted string");
    }
    if (!c.number && c.op != Condition::Op::eq && c.op != Condition::Op::ne)
        rule.fail(n, "only == and != compare strings and booleans");
    return c;
}

// Whether a placeholder or operand path names something that exists.
std::string check_reference(const std::string& path, const std::vector<SensorSpec>& sensors,
                            bool episode_available) {
    const auto dot = path.find('.');
    const std::string root = path.substr(0, dot);
    const std::string rest = dot == std::string::npos ? "" : path.substr(dot + 1);
    if (root == "episode") {
        if (!episode_available) return "'" + path + "': this rule is not triggered by an episode";
        const auto& names = episode_field_names();
        if (std::find(names.begin(), names.end(), rest) == names.end())
            return "'" + path + "' is not an episode field (fields: id, source, topic, start, "
                   "duration_s, muscle, side, severity)";
        return {};
    }
    if (root == "sensor") {
        for (const auto& s : sensors)
            if (s.name == rest) return {};
        return "'" + path + "' refers to an undefined sensor '" + rest + "'";
    }
    if (root == "trigger" && (rest == "topic" || rest == "qos")) return {};
    return "'" + path + "' must start with episode., sensor. or trigger.";
}

Template compile_template(Block& b, const std::string& key, bool required,
                          const std::vector<SensorSpec>& sensors, bool episode_available) {
    YAML::Node n = required ? b.require(key) : b.get(key);
    if (!n.IsDefined() || n.IsNull()) return Template::compile("");
    const std::string text = b.scalar(n, key);
    Template t;
    try {
        t = Template::compile(text);
    } catch (const TemplateError& e) {
        throw ConfigError(location_in_scalar(b, n, e.offset()), e.what());
    }
    for (const auto& ph : t.placeholders()) {
        const std::string problem = check_reference(ph.path, sensors, episode_available);
        if (!problem.empty()) throw ConfigError(location_in_scalar(b, n, ph.offset), problem);
    }
    return t;
}

}  // namespace detail

namespace {

using namespace detail;

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

HomeAssistantSettings parse_home_assistant(Block b) {
    HomeAssistantSettings h;
    h.discovery = b.boolean_or("discovery", true);
    const std::string mode = b.string_or("mode", "device");
    if (mode == "device") h.mode = HomeAssistantSettings::Mode::device;
    else if (mode == "entity") h.mode = HomeAssistantSettings::Mode::entity;
    else b.fail(b.get("mode"), "mode '" + mode + "' must be device (HA 2024.11 or later) or entity");
    h.prefix = b.string_or("discovery_prefix", h.prefix);
    if (h.prefix.empty() || !is_valid_publish_topic(h.prefix))
        b.fail(b.get("discovery_prefix"), "discovery_prefix '" + h.prefix + "' is not a valid MQTT topic");
    h.node_id = b.string_or("node_id", "");
    if (!h.node_id.empty() && !valid_name(h.node_id))
        b.fail(b.get("node_id"), "node_id '" + h.node_id + "' must be 1-64 letters, digits, '_' or '-'");
    h.status_topic = b.string_or("status_topic", h.prefix + "/status");
    if (!is_valid_publish_topic(h.status_topic))
        b.fail(b.get("status_topic"), "status_topic '" + h.status_topic + "' is not a valid MQTT topic");
    h.rediscover_delay_max = std::chrono::duration_cast<std::chrono::milliseconds>(
        b.duration_or("rediscover_delay", std::chrono::seconds(5), std::chrono::seconds(0), std::chrono::minutes(5)));
    h.support_url = b.string_or("support_url", h.support_url);
    if (h.support_url.rfind("http://", 0) != 0 && h.support_url.rfind("https://", 0) != 0)
        b.fail(b.get("support_url"), "support_url must start with http:// or https://");
    b.warn_unknown_keys();
    return h;
}

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
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' || c == ':'))
            return "has an invalid host '" + host + "'";
    if (!port.empty()) {
        int p = 0;
        const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
        if (ec != std::errc() || end != port.data() + port.size() || p < 1 || p > 65535)
            return "has port '" + port + "', not 1..65535";
    }
    return "";
}

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
            b.fail(b.get("client_id"), "client_id must not contain spaces, control characters, '/' or '\\'");
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
        m.reconnect_max = r.duration_or("max", m.reconnect_max, m.reconnect_min,
                                        std::chrono::seconds(3600));
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

SensorSpec parse_sensor(Block b) {
    SensorSpec s;
    s.where = b.where();
    s.name = require_name(b);
    s.topic = subscribe_topic(b, "topic");
    s.json_path = b.string_or("json", "");
    const std::string type = b.string_or("type", "number");
    if (type == "number") s.type = SensorType::number;
    else if (type == "bool" || type == "boolean") s.type = SensorType::boolean;
    else if (type == "enum") s.type = SensorType::enumeration;
    else b.fail(b.get("type"), "sensor type '" + type + "' must be number, bool or enum");
    s.unit = b.string_or("unit", "");
    s.stale_after = b.duration_or("stale_after", std::chrono::seconds(0), std::chrono::seconds(0),
                                  std::chrono::hours(24 * 7));
    s.options = b.string_list_or("options", {});
    if (s.type == SensorType::enumeration && s.options.empty())
        b.fail(b.get("type"), "an enum sensor needs 'options'");
    if (s.type != SensorType::enumeration && !s.options.empty())
        b.fail(b.get("options"), "'options' only applies to enum sensors");
    s.true_values = b.string_list_or("true_values", s.true_values);
    s.false_values = b.string_list_or("false_values", s.false_values);
    if (b.has("min")) s.min = b.number_or("min", 0, -1e12, 1e12); else b.get("min");
    if (b.has("max")) s.max = b.number_or("max", 0, -1e12, 1e12); else b.get("max");
    if (s.min && s.max && *s.min > *s.max) b.fail(b.get("max"), "'max' is below 'min'");
    b.warn_unknown_keys();
    return s;
}

WearableSpec parse_wearable(Block b) {
    WearableSpec w;
    w.where = b.where();
    w.name = require_name(b);
    w.topic = subscribe_topic(b, "topic");
    w.qos = static_cast<int>(b.integer_or("qos", 1, 0, 2));
    if (b.has("fields")) {
        Block f = b.child("fields");
        w.fields.id = f.string_or("id", w.fields.id);
        w.fields.start = f.string_or("start", "");
        w.fields.duration = f.string_or("duration", w.fields.duration);
        w.fields.muscle = f.string_or("muscle", "");
        w.fields.side = f.string_or("side", "");
        w.fields.severity = f.string_or("severity", "");
        f.warn_unknown_keys();
    } else {
        b.get("fields");
    }
    const std::string start_unit = b.string_or("start_unit", "s");
    if (start_unit == "s") w.start_epoch_unit = TimeUnit::seconds;
    else if (start_unit == "ms") w.start_epoch_unit = TimeUnit::milliseconds;
    else if (start_unit == "ns") w.start_epoch_unit = TimeUnit::nanoseconds;
    else b.fail(b.get("start_unit"), "start_unit '" + start_unit + "' must be s, ms or ns");
    const std::string duration_unit = b.string_or("duration_unit", "s");
    if (duration_unit == "s") w.duration_scale = 1;
    else if (duration_unit == "ms") w.duration_scale = 0.001;
    else if (duration_unit == "min") w.duration_scale = 60;
    else b.fail(b.get("duration_unit"), "duration_unit '" + duration_unit + "' must be s, ms or min");
    w.max_duration_s = static_cast<double>(
        b.duration_or("max_duration", std::chrono::seconds(3600), std::chrono::seconds(1),
                      std::chrono::hours(24))
            .count());
    if (b.has("severity_range")) {
        YAML::Node r = b.get("severity_range");
        if (!r.IsSequence() || r.size() != 2)
            b.fail(r, "'severity_range' must be a list of two numbers, e.g. [0, 10]");
        w.severity_min = b.number(r[0], "severity_range");
        w.severity_max = b.number(r[1], "severity_range");
        if (w.severity_min >= w.severity_max) b.fail(r, "'severity_range' must be [low, high]");
    } else {
        b.get("severity_range");
    }
    b.warn_unknown_keys();
    return w;
}

RuleSpec parse_rule(Block b, const Config& cfg) {
    RuleSpec r;
    r.where = b.where();
    r.name = require_name(b);
    {
        Block on = b.child("on");
        const bool has_episode = on.has("episode"), has_sensor = on.has("sensor");
        if (has_episode == has_sensor)
            on.fail("'on' needs exactly one of 'episode: <wearable or any>' or 'sensor: <name>'");
        if (has_episode) {
            r.trigger = RuleSpec::Trigger::episode;
            YAML::Node n = on.get("episode");
            r.source = on.scalar(n, "episode");
            if (r.source == "any") r.source.clear();
            else if (!cfg.find_wearable(r.source))
                on.fail(n, "rule '" + r.name + "' refers to an undefined wearable '" + r.source + "'");
        } else {
            r.trigger = RuleSpec::Trigger::sensor;
            YAML::Node n = on.get("sensor");
            r.source = on.scalar(n, "sensor");
            if (!cfg.find_sensor(r.source))
                on.fail(n, "rule '" + r.name + "' refers to an undefined sensor '" + r.source + "'");
        }
        on.warn_unknown_keys();
    }
    const bool episode = r.trigger == RuleSpec::Trigger::episode;
    if (b.has("when")) {
        YAML::Node when = b.get("when");
        if (!when.IsSequence()) b.fail(when, "'when' must be a list of conditions");
        for (const auto& n : when) {
            Condition c = parse_condition(b, n);
            const std::string problem = check_reference(c.operand, cfg.sensors, episode);
            if (!problem.empty()) throw ConfigError(c.where, problem);
            r.conditions.push_back(std::move(c));
        }
    } else {
        b.get("when");
    }
    YAML::Node actions = b.require("do");
    if (!actions.IsSequence() || actions.size() == 0)
        b.fail(actions, "'do' must be a non-empty list of actions");
    for (const auto& item : actions) {
        if (!item.IsMap()) b.fail(item, "an action must be a mapping like 'publish: {...}'");
        Block action(item, b.file(), b.text(), b.warnings());
        Block pub = action.child("publish");
        PublishAction a;
        a.where = pub.where();
        YAML::Node topic_node = pub.require("topic");
        a.topic = compile_template(pub, "topic", true, cfg.sensors, episode);
        // Placeholders rendered as a plain word: a wildcard or an empty level in
        // the fixed text is a mistake we can report now rather than at night.
        if (!is_valid_publish_topic(a.topic.render([](std::string_view) { return Value("x"); })))
            pub.fail(topic_node, "'" + a.topic.text() + "' is not a valid topic to publish to");
        a.payload = compile_template(pub, "payload", false, cfg.sensors, episode);
        if (pub.has("qos")) {
            YAML::Node q = pub.get("qos");
            const std::string s = pub.scalar(q, "qos");
            if (s == "inherit") a.qos.reset();
            else if (s == "0" || s == "1" || s == "2") a.qos = s[0] - '0';
            else pub.fail(q, "'qos' must be 0, 1, 2 or inherit, not '" + s + "'");
        } else {
            pub.get("qos");
            a.qos = 1;
        }
        a.retain = pub.boolean_or("retain", false);
        pub.warn_unknown_keys();
        action.warn_unknown_keys();
        r.actions.push_back(std::move(a));
    }
    b.warn_unknown_keys();
    return r;
}

// yaml-cpp 0.7 takes a quoted scalar that is never closed when it runs to
// the end of the file (`client_id: "bedtimed` as the last line, or with the
// rest of the file swallowed into it). From each quoted scalar's opening
// quote, look for its closing one; the first that has none is refused.
void check_quotes_closed(const YAML::Node& n, const std::string& text, const std::vector<std::size_t>& line_starts,
                         const std::string& path) {
    if (n.IsMap()) {
        for (const auto& kv : n) {
            check_quotes_closed(kv.first, text, line_starts, path);
            check_quotes_closed(kv.second, text, line_starts, path);
        }
        return;
    }
    if (n.IsSequence()) {
        for (const auto& item : n) check_quotes_closed(item, text, line_starts, path);
        return;
    }
    if (!n.IsScalar()) return;
    const YAML::Mark m = n.Mark();
    if (m.line < 0 || m.column < 0 || static_cast<std::size_t>(m.line) >= line_starts.size()) return;
    const std::size_t open = line_starts[static_cast<std::size_t>(m.line)] + static_cast<std::size_t>(m.column);
    if (open >= text.size() || (text[open] != '"' && text[open] != '\'')) return;
    const char q = text[open];
    for (std::size_t i = open + 1; i < text.size(); ++i) {
        if (q == '"' && text[i] == '\\') ++i;       // an escape: \" does not close
        else if (q == '\'' && text[i] == '\'' && i + 1 < text.size() && text[i + 1] == '\'') ++i;  // ''
        else if (text[i] == q) return;
    }
    throw ConfigError(Location{path, m.line + 1, m.column + 1},
                      std::string(q == '"' ? "double" : "single") +
                          "-quoted string is never closed: it runs to the end of the file");
}

// A YAML error often follows from a quote opened earlier and closed only by
// some later quote (`client_id: "bedtimed` in the middle of a file). The
// first value before `error_line` (1-based) whose quote does not close on its
// own line, or nullopt.
std::optional<Location> unclosed_quote_before(const std::string& text, int error_line, const std::string& path) {
    std::istringstream in(text);
    std::string line;
    for (int n = 1; n < error_line && std::getline(in, line); ++n) {
        // Where a value may start: after "key: " or "- ", outside any quote.
        std::size_t i = line.find_first_not_of(" \t");
        if (i == std::string::npos || line[i] == '#') continue;
        if (line.compare(i, 2, "- ") == 0) i = line.find_first_not_of(" \t", i + 2);
        if (i == std::string::npos) continue;
        if (line[i] != '"' && line[i] != '\'') {
            const auto colon = line.find(": ", i);
            if (colon == std::string::npos || line.find_first_of("\"'#", i) < colon) continue;
            i = line.find_first_not_of(" \t", colon + 1);
            if (i == std::string::npos || (line[i] != '"' && line[i] != '\'')) continue;
        }
        const char q = line[i];
        bool closed = false;
        for (std::size_t j = i + 1; j < line.size() && !closed; ++j) {
            if (q == '"' && line[j] == '\\') ++j;
            else if (q == '\'' && line[j] == '\'' && j + 1 < line.size() && line[j + 1] == '\'') ++j;
            else closed = line[j] == q;
        }
        if (!closed) return Location{path, n, static_cast<int>(i) + 1};
    }
    return std::nullopt;
}

}  // namespace

Config parse_config(const std::string& yaml_text, const std::string& path) {
    Config cfg;
    cfg.path = path;
    YAML::Node root;
    try {
        root = YAML::Load(yaml_text);
    } catch (const YAML::Exception& e) {
        if (const auto quote = unclosed_quote_before(yaml_text, e.mark.line + 1, path))
            throw ConfigError(*quote, "quoted string is not closed on its line (YAML then fails at " +
                                          std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) +
                                          ": " + e.msg + ")");
        throw ConfigError(Location{path, e.mark.line + 1, e.mark.column + 1}, e.msg);
    }
    {
        std::vector<std::size_t> line_starts{0};
        for (std::size_t i = 0; i < yaml_text.size(); ++i)
            if (yaml_text[i] == '\n') line_starts.push_back(i + 1);
        check_quotes_closed(root, yaml_text, line_starts, path);
    }
    if (!root.IsMap()) {
        // Point at the offending document, past any leading comments; an empty file has no mark.
        const YAML::Mark m = root.Mark();
        throw ConfigError(
            Location{path, m.line >= 0 ? m.line + 1 : 1, m.column >= 0 ? m.column + 1 : 1},
            "the config must be a YAML mapping");
    }
    try {
        Block top(root, cfg.path, yaml_text, cfg.warnings);
        if (top.has("mqtt")) cfg.mqtt = parse_mqtt(top.child("mqtt"));
        else top.get("mqtt");
        for_each_item(top, "sensors", [&](Block b) { cfg.sensors.push_back(parse_sensor(std::move(b))); });
        check_unique_names(cfg.sensors, "sensor");
        for_each_item(top, "wearables", [&](Block b) { cfg.wearables.push_back(parse_wearable(std::move(b))); });
        check_unique_names(cfg.wearables, "wearable");
        for_each_item(top, "rules", [&](Block b) { cfg.rules.push_back(parse_rule(std::move(b), cfg)); });
        check_unique_names(cfg.rules, "rule");
        parse_household(top, cfg);
        if (top.has("home_assistant")) cfg.home_assistant = parse_home_assistant(top.child("home_assistant"));
        else top.get("home_assistant");
        top.warn_unknown_keys();
    } catch (const YAML::Exception& e) {
        // yaml-cpp conversions that slipped past our own checks still get a location.
        throw ConfigError(Location{path, e.mark.line + 1, e.mark.column + 1}, e.msg);
    }
    return cfg;
}

Config load_config(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ConfigError(Location{path, 0, 0}, "cannot read the file");
    std::ostringstream text;
    text << in.rdbuf();
    return parse_config(text.str(), path);
}

}  // namespace bedtimed::config
