// The `rules` section: a rule's trigger, its conditions and its publish
// actions, with every placeholder and operand checked against what exists.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "block.hpp"
#include "mqtt_topic.hpp"
#include "sections.hpp"

namespace bedtimed::config::detail {

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
        rule.fail(
            n, "value '" + lit + "' in condition must be a number, true/false, or a quoted string");
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
            return "'" + path +
                   "' is not an episode field (fields: id, source, topic, start, "
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
                on.fail(n,
                        "rule '" + r.name + "' refers to an undefined wearable '" + r.source + "'");
        } else {
            r.trigger = RuleSpec::Trigger::sensor;
            YAML::Node n = on.get("sensor");
            r.source = on.scalar(n, "sensor");
            if (!cfg.find_sensor(r.source))
                on.fail(n,
                        "rule '" + r.name + "' refers to an undefined sensor '" + r.source + "'");
            r.every_reading = on.boolean_or("every_reading", false);
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

}  // namespace bedtimed::config::detail
