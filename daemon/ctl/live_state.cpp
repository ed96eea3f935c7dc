#include "live_state.hpp"

#include <set>
#include <vector>

#include "command_client.hpp"

namespace bedtimed::ctl {

namespace {

// The sleeper in "<base>/<sleeper>/<leaf>", or "" for another topic.
std::string sleeper_of(const std::string& base, const std::string& topic, const std::string& leaf) {
    const std::string prefix = base + "/", suffix = "/" + leaf;
    if (topic.size() <= prefix.size() + suffix.size() || topic.rfind(prefix, 0) != 0 ||
        topic.compare(topic.size() - suffix.size(), suffix.size(), suffix) != 0)
        return {};
    return topic.substr(prefix.size(), topic.size() - prefix.size() - suffix.size());
}

// A sleeper name the daemon's index may hold that is safe in a topic.
bool topic_safe_name(const std::string& name) {
    return !name.empty() && name.find_first_of("/+#") == std::string::npos;
}

}  // namespace

// Reads the retained state. Not every broker sends retained messages to a
// wildcard subscription (RabbitMQ does not), so the sleepers' topics are
// read by name when the sleepers are known: from --sleeper or the config, or
// else from the daemon's retained index <base>/sleepers, itself read by name.
// The wildcards stay, for a daemon too old to publish the index.
Live read_live(Invocation& inv, bool with_counters) {
    Live live;
    const auto settings = inv.mqtt();
    const std::string& base = settings.base_topic;
    std::map<std::string, std::string> got;
    std::set<std::string> by_name;
    if (auto s = inv.get("--sleeper")) by_name.insert(*s);
    if (const auto* c = inv.config())
        for (const auto& s : c->sleepers) by_name.insert(s.name);
    auto add_named = [&](const std::set<std::string>& names, std::vector<std::string>& filters) {
        for (const auto& n : names)
            if (topic_safe_name(n)) {
                filters.push_back(base + "/" + n + "/plan");
                filters.push_back(base + "/" + n + "/stats");
            }
    };
    try {
        CommandClient client(settings, std::chrono::steady_clock::now() + inv.timeout);
        std::vector<std::string> filters = {base + "/status", base + "/sleepers", base + "/+/plan",
                                            base + "/+/stats"};
        if (with_counters) filters.push_back(base + "/counters");
        add_named(by_name, filters);
        got = client.retained(filters);
        std::set<std::string> indexed;
        if (auto it = got.find(base + "/sleepers"); it != got.end()) {
            const auto j = nlohmann::json::parse(it->second, nullptr, false);
            if (j.is_array())
                for (const auto& n : j)
                    if (n.is_string() && !by_name.count(n.get<std::string>()))
                        indexed.insert(n.get<std::string>());
        }
        if (!indexed.empty()) {
            std::vector<std::string> more;
            add_named(indexed, more);
            if (!more.empty()) got.merge(client.retained(more));
        }
        // Each sleeper's pad state (device cap, power), by name: from the
        // config's pads and the plans' "heating_pad".
        std::set<std::string> pads;
        if (const auto* c = inv.config())
            for (const auto& a : c->actuators)
                if (a.kind == config::ActuatorSpec::Kind::heating_pad) pads.insert(a.name);
        for (const auto& [topic, payload] : got)
            if (!sleeper_of(base, topic, "plan").empty()) {
                const auto j = nlohmann::json::parse(payload, nullptr, false);
                if (j.is_object() && j.contains("heating_pad") && j["heating_pad"].is_string())
                    pads.insert(j["heating_pad"].get<std::string>());
            }
        std::vector<std::string> pad_topics;
        for (const auto& p : pads)
            if (topic_safe_name(p)) pad_topics.push_back(base + "/pads/" + p);
        if (!pad_topics.empty()) got.merge(client.retained(pad_topics));
    } catch (const CtlError& e) {
        if (e.code() != kExitOffline) throw;
        live.status = "unreachable";
        live.error = e.what();
        return live;
    }
    live.read_nothing = got.empty();
    for (const auto& [topic, payload] : got) {
        if (topic == base + "/status") {
            live.status = payload;
        } else if (topic == base + "/counters") {
            live.counters = nlohmann::json::parse(payload, nullptr, false);
            if (live.counters.is_discarded()) live.counters = payload;
        } else if (auto s = sleeper_of(base, topic, "plan"); !s.empty()) {
            // An empty retained payload is how a plan is cleared; skip it.
            auto j = nlohmann::json::parse(payload, nullptr, false);
            if (j.is_object()) live.plans[s] = std::move(j);
        } else if (auto st = sleeper_of(base, topic, "stats"); !st.empty()) {
            auto j = nlohmann::json::parse(payload, nullptr, false);
            if (j.is_object()) live.stats[st] = std::move(j);
        } else if (topic.rfind(base + "/pads/", 0) == 0) {
            auto j = nlohmann::json::parse(payload, nullptr, false);
            if (j.is_object()) live.pads[topic.substr(base.size() + 6)] = std::move(j);
        }
    }
    return live;
}

}  // namespace bedtimed::ctl
