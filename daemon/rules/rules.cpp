#include "rules.hpp"

#include <fmt/format.h>

#include "mqtt_topic.hpp"

namespace bedtimed {

namespace {

using config::Condition;

struct Lookup {
    const config::Config& cfg;
    const Trigger& trigger;
    const SensorTable& sensors;

    Value operator()(std::string_view path) const {
        const auto dot = path.find('.');
        const std::string_view root = path.substr(0, dot);
        const std::string_view rest = dot == std::string_view::npos ? "" : path.substr(dot + 1);
        if (root == "episode" && trigger.episode) return episode_field(*trigger.episode, rest);
        if (root == "sensor") {
            auto it = sensors.find(std::string(rest));
            return it == sensors.end() ? Value() : it->second.value;
        }
        if (root == "trigger") {
            if (rest == "topic") return trigger.topic;
            if (rest == "qos") return static_cast<std::int64_t>(trigger.qos);
        }
        return {};
    }
};

}  // namespace

bool condition_holds(const config::Condition& c, const Value& v) {
    using config::Condition;
    if (c.number) {
        const auto n = as_number(v);
        if (!n) return false;
        switch (c.op) {
            case Condition::Op::eq:
                return *n == *c.number;
            case Condition::Op::ne:
                return *n != *c.number;
            case Condition::Op::lt:
                return *n < *c.number;
            case Condition::Op::le:
                return *n <= *c.number;
            case Condition::Op::gt:
                return *n > *c.number;
            case Condition::Op::ge:
                return *n >= *c.number;
        }
        return false;
    }
    bool equal = false;
    if (c.boolean) {
        const auto* b = std::get_if<bool>(&v);
        equal = b && *b == *c.boolean;
    } else {
        const auto* s = std::get_if<std::string>(&v);
        equal = s && *s == c.text;
    }
    return c.op == Condition::Op::eq ? equal : !equal;
}

namespace {

bool applies(const config::RuleSpec& rule, const Trigger& trigger) {
    if (rule.trigger == config::RuleSpec::Trigger::episode)
        return trigger.episode && (rule.source.empty() || rule.source == trigger.episode->source);
    if (trigger.episode || rule.source != trigger.sensor) return false;
    return rule.every_reading ? !trigger.retained : !trigger.unchanged;
}

}  // namespace

bool is_stale(const config::SensorSpec& spec, const SensorTable& sensors, SteadyTime now) {
    auto it = sensors.find(spec.name);
    if (it == sensors.end()) return true;
    return spec.stale_after.count() > 0 && now - it->second.steady > spec.stale_after;
}

Decision decide(const config::Config& cfg, const Trigger& trigger, const SensorTable& sensors,
                SteadyTime now) {
    Decision d;
    const Lookup lookup{cfg, trigger, sensors};
    for (const auto& rule : cfg.rules) {
        if (!applies(rule, trigger)) continue;
        bool pass = true;
        for (const auto& cond : rule.conditions) {
            if (cond.operand.rfind("sensor.", 0) == 0) {
                const auto* spec = cfg.find_sensor(std::string_view(cond.operand).substr(7));
                if (spec && is_stale(*spec, sensors, now)) {
                    auto it = sensors.find(spec->name);
                    d.stale_notes.push_back(
                        it == sensors.end()
                            ? fmt::format("rule '{}': sensor '{}' has no reading yet", rule.name,
                                          spec->name)
                            : fmt::format("rule '{}': sensor '{}' is stale (last reading {}s ago)",
                                          rule.name, spec->name,
                                          std::chrono::duration_cast<std::chrono::seconds>(
                                              now - it->second.steady)
                                              .count()));
                    pass = false;
                    break;
                }
            }
            if (!condition_holds(cond, lookup(cond.operand))) {
                pass = false;
                break;
            }
        }
        if (!pass) continue;
        d.rules_fired.push_back(rule.name);
        for (const auto& action : rule.actions) {
            PlannedPublish p;
            p.rule = rule.name;
            p.topic = action.topic.render(lookup);
            if (!is_valid_publish_topic(p.topic)) {
                d.bad_topics.push_back(fmt::format("rule '{}': rendered topic '{}' is not valid",
                                                   rule.name, p.topic.substr(0, 128)));
                continue;
            }
            p.payload = action.payload.render(lookup);
            p.qos = action.qos.value_or(trigger.qos);
            p.retain = action.retain;
            d.publishes.push_back(std::move(p));
        }
    }
    return d;
}

}  // namespace bedtimed
