#include "loader.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "mqtt_topic.hpp"

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

const std::vector<std::string>& episode_field_names() {
    static const std::vector<std::string> names{"id",       "source", "topic",  "start",
                                                "duration_s", "muscle", "side", "severity"};
    return names;
}

namespace {

// A YAML mapping being read, MPD ConfigBlock style: every value keeps its
// position, and keys nobody read become warnings.
class Block {
public:
    Block(YAML::Node node, const std::string& file, const std::string& text,
          std::vector<std::string>& warnings)
        : node_(std::move(node)), file_(&file), text_(&text), warnings_(&warnings) {
        // yaml-cpp keeps the last of two equal keys without a word; a user who
        // wrote `topic:` twice meant one of them, so say which line repeats.
        if (!node_.IsMap()) return;
        std::map<std::string, YAML::Node> seen;
        for (const auto& kv : node_) {
            if (!kv.first.IsScalar()) continue;
            auto [it, fresh] = seen.emplace(kv.first.Scalar(), kv.first);
            if (!fresh)
                throw ConfigError(at(kv.first), "duplicate key '" + kv.first.Scalar() +
                                                    "' (first at line " +
                                                    std::to_string(at(it->second).line) + ")");
        }
    }

    Location where() const { return at(node_); }
    Location at(const YAML::Node& n) const {
        const YAML::Mark m = n.Mark();
        // yaml-cpp marks are 0-based, and -1 when unknown.
        return Location{*file_, m.line >= 0 ? m.line + 1 : 0, m.column >= 0 ? m.column + 1 : 0};
    }
    [[noreturn]] void fail(const YAML::Node& n, const std::string& msg) const {
        throw ConfigError(at(n), msg);
    }
    [[noreturn]] void fail(const std::string& msg) const { fail(node_, msg); }

    bool has(const std::string& key) const { return node_[key].IsDefined() && !node_[key].IsNull(); }

    YAML::Node get(const std::string& key) {
        used_.insert(key);
        return node_[key];
    }
    YAML::Node require(const std::string& key) {
        YAML::Node n = get(key);
        if (!n.IsDefined() || n.IsNull()) fail("missing required key '" + key + "'");
        return n;
    }

    std::string scalar(const YAML::Node& n, const std::string& key) const {
        if (!n.IsScalar()) fail(n, "'" + key + "' must be a string, not a " + kind(n));
        return n.Scalar();
    }
    std::string require_string(const std::string& key) { return scalar(require(key), key); }
    std::string string_or(const std::string& key, std::string fallback) {
        if (!has(key)) return (used_.insert(key), fallback);
        return scalar(get(key), key);
    }
    double number(const YAML::Node& n, const std::string& key) const {
        const std::string s = scalar(n, key);
        double v = 0;
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v))
            fail(n, "'" + key + "' must be a number, not '" + s + "'");
        return v;
    }
    double number_or(const std::string& key, double fallback, double lo, double hi) {
        if (!has(key)) return (used_.insert(key), fallback);
        YAML::Node n = get(key);
        const double v = number(n, key);
        if (v < lo || v > hi)
            fail(n, "'" + key + "' is " + s_num(v) + ", outside " + s_num(lo) + ".." + s_num(hi));
        return v;
    }
    long integer_or(const std::string& key, long fallback, long lo, long hi) {
        if (!has(key)) return (used_.insert(key), fallback);
        YAML::Node n = get(key);
        const std::string s = scalar(n, key);
        long v = 0;
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (ec != std::errc() || p != s.data() + s.size())
            fail(n, "'" + key + "' must be a whole number, not '" + s + "'");
        if (v < lo || v > hi)
            fail(n, "'" + key + "' is " + s + ", outside " + std::to_string(lo) + ".." +
                        std::to_string(hi));
        return v;
    }
    bool boolean_or(const std::string& key, bool fallback) {
        if (!has(key)) return (used_.insert(key), fallback);
        YAML::Node n = get(key);
        const std::string s = scalar(n, key);
        if (s == "true" || s == "yes" || s == "on") return true;
        if (s == "false" || s == "no" || s == "off") return false;
        fail(n, "'" + key + "' must be true or false, not '" + s + "'");
    }
    // "90", "90s", "15m", "2h", "1h30m" → seconds, within [lo, hi].
    std::chrono::seconds duration_or(const std::string& key, std::chrono::seconds fallback,
                                     std::chrono::seconds lo, std::chrono::seconds hi) {
        if (!has(key)) return (used_.insert(key), fallback);
        YAML::Node n = get(key);
        const std::string s = scalar(n, key);
        const auto d = parse_duration(s);
        if (!d) fail(n, "'" + key + "' must be a duration like 30s, 15m or 2h, not '" + s + "'");
        if (*d < lo || *d > hi)
            fail(n, "'" + key + "' is " + s + ", outside " + std::to_string(lo.count()) + "s.." +
                        std::to_string(hi.count()) + "s");
        return *d;
    }
    std::vector<std::string> string_list_or(const std::string& key,
                                            std::vector<std::string> fallback) {
        if (!has(key)) return (used_.insert(key), fallback);
        YAML::Node n = get(key);
        if (!n.IsSequence()) fail(n, "'" + key + "' must be a list, not a " + kind(n));
        std::vector<std::string> out;
        for (const auto& item : n) out.push_back(scalar(item, key));
        return out;
    }
    Block child(const std::string& key) {
        YAML::Node n = require(key);
        if (!n.IsMap()) fail(n, "'" + key + "' must be a mapping, not a " + kind(n));
        return Block(n, *file_, *text_, *warnings_);
    }

    // Call once every key has been read: unread keys are reported, not fatal.
    void warn_unknown_keys() const {
        for (const auto& kv : node_) {
            const std::string key = kv.first.Scalar();
            if (!used_.count(key))
                warnings_->push_back(at(kv.first).str() + ": unknown key '" + key + "' (ignored)");
        }
    }

    const YAML::Node& node() const { return node_; }
    const std::string& file() const { return *file_; }
    const std::string& text() const { return *text_; }
    std::vector<std::string>& warnings() const { return *warnings_; }

    static std::string kind(const YAML::Node& n) {
        switch (n.Type()) {
            case YAML::NodeType::Map: return "mapping";
            case YAML::NodeType::Sequence: return "list";
            case YAML::NodeType::Scalar: return "string";
            case YAML::NodeType::Null: return "null";
            default: return "nothing";
        }
    }
    static std::optional<std::chrono::seconds> parse_duration(const std::string& s) {
        if (s.empty()) return std::nullopt;
        long long total = 0;
        std::size_t i = 0;
        bool any = false;
        while (i < s.size()) {
            long long n = 0;
            auto [p, ec] = std::from_chars(s.data() + i, s.data() + s.size(), n);
            if (ec != std::errc() || n < 0 || n > 10'000'000) return std::nullopt;
            i = static_cast<std::size_t>(p - s.data());
            long long unit = 1;
            if (i < s.size()) {
                switch (s[i]) {
                    case 's': unit = 1; break;
                    case 'm': unit = 60; break;
                    case 'h': unit = 3600; break;
                    case 'd': unit = 86400; break;
                    default: return std::nullopt;
                }
                ++i;
            } else if (any) {
                return std::nullopt;  // "1h30" is ambiguous
            }
            total += n * unit;
            any = true;
        }
        return std::chrono::seconds(total);
    }
    static std::string s_num(double v) {
        std::ostringstream os;
        os << v;
        return os.str();
    }

private:
    YAML::Node node_;
    const std::string* file_;
    const std::string* text_;  // the whole YAML source, to locate bytes inside scalars
    std::vector<std::string>* warnings_;
    std::set<std::string> used_;
};

bool valid_name(const std::string& name) {
    if (name.empty() || name.size() > 64) return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
    });
}

std::string require_name(Block& b) {
    YAML::Node n = b.require("name");
    std::string name = b.scalar(n, "name");
    if (!valid_name(name))
        b.fail(n, "name '" + name + "' must be 1-64 letters, digits, '_' or '-'");
    return name;
}

template <class Spec>
void check_unique_names(const std::vector<Spec>& specs, const char* what) {
    std::map<std::string, const Spec*> seen;
    for (const auto& s : specs) {
        auto [it, fresh] = seen.emplace(s.name, &s);
        if (!fresh)
            throw ConfigError(s.where, std::string("duplicate ") + what + " name '" + s.name +
                                           "' (first defined at " + it->second->where.str() +
                                           ")");
    }
}

std::string subscribe_topic(Block& b, const std::string& key) {
    YAML::Node n = b.require(key);
    std::string t = b.scalar(n, key);
    if (!is_valid_topic_filter(t))
        b.fail(n, "'" + t + "' is not a valid MQTT topic filter");
    return t;
}

// Location of the `{{` at byte `offset` of a scalar's value, for template errors.
// The value differs from the source text by quotes, escapes and folded lines, so
// adding the offset to the scalar's column is wrong for "..." with escapes and for
// `>-` blocks. Every template error offset is a `{{`, and no YAML escaping or
// folding creates or splits one, so the k-th `{{` of the value is the k-th `{{` in
// the source after the scalar's start.
Location location_in_scalar(const Block& b, const YAML::Node& n, std::size_t offset) {
    Location loc = b.at(n);
    const std::string& value = n.Scalar();
    const std::string& src = b.text();
    std::size_t k = 0;
    for (std::size_t p = value.find("{{"); p != std::string::npos && p < offset;
         p = value.find("{{", p + 2))
        ++k;
    std::size_t pos = 0;  // byte offset of the scalar's start in the source
    for (int line = 1; line < loc.line; ++line) {
        pos = src.find('\n', pos);
        if (pos == std::string::npos) return loc;
        ++pos;
    }
    pos += static_cast<std::size_t>(std::max(loc.column - 1, 0));
    std::size_t hit = src.find("{{", pos);
    for (; k > 0 && hit != std::string::npos; --k) hit = src.find("{{", hit + 2);
    if (hit == std::string::npos) return loc;
    const std::size_t newline = src.rfind('\n', hit);
    const std::size_t line_start = newline == std::string::npos ? 0 : newline + 1;
    loc.line += static_cast<int>(std::count(src.begin() + static_cast<std::ptrdiff_t>(pos),
                                            src.begin() + static_cast<std::ptrdiff_t>(hit), '\n'));
    loc.column = static_cast<int>(hit - line_start) + 1;
    return loc;
}

MqttSettings parse_mqtt(Block b) {
    MqttSettings m;
    m.uri = b.string_or("uri", m.uri);
    {
        const bool ok = m.uri.rfind("tcp://", 0) == 0 || m.uri.rfind("mqtt://", 0) == 0 ||
                        m.uri.rfind("ssl://", 0) == 0 || m.uri.rfind("mqtts://", 0) == 0 ||
                        m.uri.rfind("ws://", 0) == 0 || m.uri.rfind("wss://", 0) == 0;
        if (!ok) b.fail(b.get("uri"), "broker uri '" + m.uri + "' must start with tcp://, mqtt://, ssl:// or mqtts://");
    }
    m.client_id = b.string_or("client_id", m.client_id);
    if (m.client_id.empty() || m.client_id.size() > 64)
        b.fail(b.get("client_id"), "client_id must be 1-64 characters");
    m.username = b.string_or("username", "");
    m.password_file = b.string_or("password_file", "");
    m.password_env = b.string_or("password_env", "");
    if (!m.password_file.empty() && !m.password_env.empty())
        b.fail(b.get("password_env"), "set password_file or password_env, not both");
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

template <class Fn>
void for_each_item(Block& root, const std::string& key, Fn&& fn) {
    if (!root.has(key)) return (void)root.get(key);
    YAML::Node list = root.get(key);
    if (!list.IsSequence()) root.fail(list, "'" + key + "' must be a list");
    for (const auto& item : list) {
        if (!item.IsMap()) root.fail(item, "each entry of '" + key + "' must be a mapping");
        fn(Block(item, root.file(), root.text(), root.warnings()));
    }
}

}  // namespace

Config parse_config(const std::string& yaml_text, const std::string& path) {
    Config cfg;
    cfg.path = path;
    YAML::Node root;
    try {
        root = YAML::Load(yaml_text);
    } catch (const YAML::Exception& e) {
        throw ConfigError(Location{path, e.mark.line + 1, e.mark.column + 1}, e.msg);
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
