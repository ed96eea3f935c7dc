#include "simulate.hpp"

#include <yaml-cpp/yaml.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <map>
#include <queue>

#include "actuators.hpp"
#include "cramp_log.hpp"
#include "engine.hpp"
#include "loader.hpp"
#include "local_time.hpp"
#include "manual_clock.hpp"
#include "reminder_desk.hpp"
#include "mqtt_topic.hpp"
#include "routine_runner.hpp"
#include "validate.hpp"

namespace bedtimed {

namespace {

// Delivers injected messages to subscribers at once and records every publish.
class SimBus final : public Bus {
public:
    explicit SimBus(std::function<void(const std::string&, const std::string&)> record)
        : record_(std::move(record)) {}
    void publish(std::string topic, std::string payload, int, bool) override { record_(topic, payload); }
    void subscribe(const std::string& filter, int, MessageHandler h) override { subs_[filter] = std::move(h); }
    void unsubscribe(const std::string& filter) override { subs_.erase(filter); }
    bool connected() const noexcept override { return true; }
    void inject(const Message& m) {
        // A handler may (un)subscribe: call copies of the matching handlers
        // (copying the whole map for every reading dominated a simulated year).
        std::vector<MessageHandler> matching;
        for (const auto& [filter, h] : subs_)
            if (topic_matches(filter, m.topic)) matching.push_back(h);
        for (const auto& h : matching) h(m);
    }

private:
    std::function<void(const std::string&, const std::string&)> record_;
    std::map<std::string, MessageHandler> subs_;
};

struct Event {
    Duration after{};
    std::optional<WallTime> at;
    Message msg;
    std::string id_field;  // episodes without an explicit id get one per night
    int first_night = 1, last_night = 1 << 30;  // `nights: 8-21`: only on these nights (1-based)
    int line = 0;
};

[[noreturn]] void fail(const std::string& path, const YAML::Node& n, const std::string& what) {
    const auto m = n.Mark();
    throw config::ConfigError(config::Location{path, m.line + 1, m.column + 1}, what);
}

Duration duration_of(const std::string& path, const YAML::Node& n) {
    const std::string s = n.Scalar();
    long long total = 0, num = 0;
    bool digits = false;
    for (char c : s) {
        if (c >= '0' && c <= '9') { num = num * 10 + (c - '0'); digits = true; continue; }
        const long long unit = c == 's' ? 1 : c == 'm' ? 60 : c == 'h' ? 3600 : c == 'd' ? 86400 : 0;
        if (!unit || !digits) fail(path, n, "'" + s + "' is not a duration like 3h40m");
        total += num * unit;
        num = 0;
        digits = false;
    }
    if (digits) total += num;
    return std::chrono::seconds(total);
}

WallTime time_of(const std::string& path, const YAML::Node& n) {
    auto t = parse_iso8601(n.Scalar());
    if (!t) fail(path, n, "'" + n.Scalar() + "' is not an ISO-8601 time with a zone");
    return *t;
}

// A JSON payload with `value` at the dotted `path`.
std::string payload_at(const std::string& path, const YAML::Node& value) {
    nlohmann::json v;
    const std::string s = value.Scalar();
    if (s == "true" || s == "false") v = s == "true";
    else {
        char* end = nullptr;
        const double d = std::strtod(s.c_str(), &end);
        if (end && *end == '\0' && !s.empty()) v = d; else v = s;
    }
    if (path.empty()) return v.is_string() ? s : v.dump();
    nlohmann::json root = nlohmann::json::object();
    nlohmann::json* cur = &root;
    std::size_t start = 0;
    while (true) {
        const auto dot = path.find('.', start);
        const std::string key = path.substr(start, dot == std::string::npos ? dot : dot - start);
        if (dot == std::string::npos) { (*cur)[key] = v; break; }
        cur = &(*cur)[key];
        start = dot + 1;
    }
    return root.dump();
}

}  // namespace

SimulationResult run_simulation(const std::string& config_path, const std::string& scenario_path,
                                const std::string& db_path) {
    std::vector<std::string> warnings;
    const config::Config cfg = load_and_validate(config_path, warnings);
    YAML::Node sc;
    try {
        sc = YAML::LoadFile(scenario_path);
    } catch (const YAML::BadFile&) {
        throw config::ConfigError(config::Location{scenario_path, 0, 0}, "cannot read the file");
    } catch (const YAML::Exception& e) {
        throw config::ConfigError(config::Location{scenario_path, e.mark.line + 1, e.mark.column + 1}, e.msg);
    }
    if (!sc.IsMap() || !sc["start"]) throw config::ConfigError(config::Location{scenario_path, 1, 1}, "a scenario needs 'start'");
    const WallTime start = time_of(scenario_path, sc["start"]);
    const Duration night_length = sc["duration"] ? duration_of(scenario_path, sc["duration"]) : std::chrono::hours(24);
    const int nights = sc["nights"] ? sc["nights"].as<int>() : 1;
    if (nights < 1 || nights > 3660) fail(scenario_path, sc["nights"], "'nights' must be 1..3660");

    std::vector<Event> events;
    int episode_no = 0;
    if (sc["events"]) {
        if (!sc["events"].IsSequence()) fail(scenario_path, sc["events"], "'events' must be a list");
        for (const auto& e : sc["events"]) {
            Event ev;
            ev.line = e.Mark().line + 1;
            if (e["after"]) ev.after = duration_of(scenario_path, e["after"]);
            else if (e["at"]) ev.at = time_of(scenario_path, e["at"]);
            else fail(scenario_path, e, "an event needs 'after' or 'at'");
            if (e["nights"]) {
                // "8-21" or a single night "8".
                const std::string r = e["nights"].Scalar();
                int a = 0, b = 0;
                const int n = std::sscanf(r.c_str(), "%d-%d", &a, &b);
                if (n < 1 || a < 1 || (n == 2 && b < a)) fail(scenario_path, e["nights"], "'nights' must be like 8-21");
                ev.first_night = a;
                ev.last_night = n == 2 ? b : a;
            }
            if (e["sensor"]) {
                const auto* s = cfg.find_sensor(e["sensor"].Scalar());
                if (!s) fail(scenario_path, e["sensor"], "undefined sensor '" + e["sensor"].Scalar() + "'");
                if (!e["value"]) fail(scenario_path, e, "a sensor event needs 'value'");
                ev.msg = Message{s->topic, payload_at(s->json_path, e["value"]), 0, false};
            } else if (e["episode"]) {
                const auto& ep = e["episode"];
                const auto* w = cfg.find_wearable(ep["wearable"] ? ep["wearable"].Scalar() : "");
                if (!w) fail(scenario_path, ep, "an episode needs a defined 'wearable'");
                nlohmann::json j;
                if (ep["id"]) j[w->fields.id] = ep["id"].Scalar();
                else {
                    j[w->fields.id] = fmt::format("sim-{}", ++episode_no);
                    ev.id_field = w->fields.id;
                }
                j[w->fields.duration] = ep["duration_s"] ? ep["duration_s"].as<double>() / w->duration_scale : 30.0;
                if (!w->fields.muscle.empty() && ep["muscle"]) j[w->fields.muscle] = ep["muscle"].Scalar();
                if (!w->fields.side.empty() && ep["side"]) j[w->fields.side] = ep["side"].Scalar();
                if (!w->fields.severity.empty() && ep["severity"]) j[w->fields.severity] = ep["severity"].as<double>();
                ev.msg = Message{w->topic, j.dump(), w->qos, false};
            } else if (e["topic"]) {
                ev.msg = Message{e["topic"].Scalar(), e["payload"] ? e["payload"].Scalar() : "", 0, false};
            } else {
                fail(scenario_path, e, "an event needs 'sensor', 'episode' or 'topic'");
            }
            events.push_back(std::move(ev));
        }
    }

    sc = YAML::Node();  // the parsed scenario (tens of MiB of nodes for a year of readings) is done with

    SimulationResult result;
    const date::time_zone* zone = zone_named(cfg.sleepers.empty() ? "" : cfg.sleepers.front().timezone);
    result.zone = std::string(zone->name());
    ManualClock clock(start);
    Counters counters;
    auto record = [&](const std::string& who, const std::string& what) {
        result.timeline.push_back(TimelineEntry{clock.wall_now(), who, what});
    };
    SimBus bus([&](const std::string& topic, const std::string& payload) { record("mqtt", topic + " " + payload); });
    auto cfg_ptr = std::make_shared<const config::Config>(cfg);
    Engine engine(clock, bus, counters, cfg_ptr);
    Actuators actuators(clock, bus, counters, *cfg_ptr, Actuators::Options{"", false});
    // No io_context: HTTP notifiers send nothing; the timeline records the reminders.
    RoutineRunner runner(clock, bus, counters, *cfg_ptr, engine.sensors(), actuators, "", nullptr,
                         /*read_secrets=*/false);
    // The cramp log in memory: the simulated nights adapt the evening as the daemon would.
    CrampLog cramp_log(clock, counters, cfg_ptr, CrampLog::Options{db_path.empty() ? ":memory:" : db_path, false, {}, {}});
    // The same reminder desk as the daemon: quiet hours hold or drop, Snooze re-sends.
    const auto desk = attach_reminder_desk(clock, counters, *cfg_ptr, runner);
    desk->set_timeline(record);
    actuators.set_journal(record);
    runner.set_timeline(record);
    cramp_log.set_timeline(record);
    cramp_log.set_sender([&](const integrations::Reminder& r) { runner.notify(r); });
    runner.set_evening_source([&](const std::string& sleeper, WallTime now) -> const config::SleeperSpec& {
        return cramp_log.evening(sleeper, now);
    });
    runner.on_step_ran([&](const std::string& sleeper, const std::string& night, const std::string& step,
                           WallTime at) { cramp_log.step_ran(sleeper, night, step, at); });
    engine.on_episode([&](const Episode& e, const std::string& sleeper) {
        runner.on_episode(e, sleeper);
        cramp_log.on_episode(e, sleeper);
    });
    engine.on_sensor([&](const std::string& n) {
        runner.on_sensor(n);
        if (auto it = engine.sensors().find(n); it != engine.sensors().end()) cramp_log.on_sensor(n, it->second.value);
    });
    engine.start();
    cramp_log.start();
    actuators.start();
    runner.start();
    actuators.on_connected();

    // Every event of every night, in time order (ties: earlier night first,
    // then scenario order). Merged night by night rather than expanded up
    // front, so a year of readings every 30 s needs the memory of one
    // night's list, not of every message of the year.
    auto offset_of = [&](const Event& ev) {
        return ev.at ? std::chrono::duration_cast<WallTime::duration>(*ev.at - start)
                     : std::chrono::duration_cast<WallTime::duration>(ev.after);
    };
    std::vector<std::size_t> order(events.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return offset_of(events[a]) < offset_of(events[b]); });
    struct Cursor {
        WallTime at;
        int night;         // 0-based
        std::size_t pos;   // into `order`
    };
    auto later = [](const Cursor& a, const Cursor& b) {
        return a.at != b.at ? a.at > b.at : a.night != b.night ? a.night > b.night : a.pos > b.pos;
    };
    std::priority_queue<Cursor, std::vector<Cursor>, decltype(later)> due(later);
    // The next event of night n at or after position pos (skipping events not on that night).
    auto push_next = [&](int n, std::size_t pos) {
        for (; pos < order.size(); ++pos) {
            const Event& ev = events[order[pos]];
            if (n + 1 < ev.first_night || n + 1 > ev.last_night) continue;
            due.push(Cursor{start + std::chrono::hours(24) * n + offset_of(ev), n, pos});
            return;
        }
    };
    for (int n = 0; n < nights; ++n) push_next(n, 0);
    const WallTime end = start + std::chrono::hours(24) * (nights - 1) +
                         std::chrono::duration_cast<WallTime::duration>(night_length);
    while (!due.empty()) {
        const Cursor c = due.top();
        due.pop();
        if (c.at > end) break;
        push_next(c.night, c.pos + 1);
        const Event& ev = events[order[c.pos]];
        if (c.at > clock.wall_now()) clock.advance(std::chrono::duration_cast<Duration>(c.at - clock.wall_now()));
        if (!ev.id_field.empty() && c.night > 0) {
            // Each night's episode is a new one, not a redelivery.
            Message copy = ev.msg;
            auto j = nlohmann::json::parse(copy.payload);
            j[ev.id_field] = j[ev.id_field].get<std::string>() + "-n" + std::to_string(c.night + 1);
            copy.payload = j.dump();
            bus.inject(copy);
        } else {
            bus.inject(ev.msg);
        }
    }
    if (end > clock.wall_now()) clock.advance(std::chrono::duration_cast<Duration>(end - clock.wall_now()));
    actuators.shutdown();
    record("bedtimed", fmt::format("end of simulation: {} reminders, {} heat sessions, {} bed moves, {} episodes",
                                   counters.reminders_sent, counters.heat_sessions, counters.bed_moves,
                                   counters.episodes_accepted));
    return result;
}

std::string format_timeline(const SimulationResult& r, bool json) {
    const date::time_zone* zone = zone_named(r.zone);
    if (json) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& e : r.timeline)
            out.push_back({{"t", format_iso8601(e.at)}, {"local", local_text(zone, e.at)}, {"who", e.who}, {"what", e.what}});
        return out.dump(1) + "\n";
    }
    std::string out;
    for (const auto& e : r.timeline)
        out += fmt::format("{}  {:<9} {}\n", local_text(zone, e.at), e.who, e.what);
    return out;
}

}  // namespace bedtimed
