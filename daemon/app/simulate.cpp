#include "simulate.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>
#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>
#include <utility>  // before Asio: Boost 1.74 with C++20 needs it

#include <algorithm>
#include <cstdio>
#include <map>
#include <queue>

#include "household.hpp"
#include "loader.hpp"
#include "local_time.hpp"
#include "manual_clock.hpp"
#include "recording_bus.hpp"
#include "validate.hpp"
#include "verbs.hpp"

namespace bedtimed {

namespace {

struct Event {
    Duration after{};
    std::optional<WallTime> at;
    Message msg;
    std::string id_field;                       // episodes without an explicit id get one per night
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
        if (c >= '0' && c <= '9') {
            num = num * 10 + (c - '0');
            digits = true;
            continue;
        }
        const long long unit = c == 's'   ? 1
                               : c == 'm' ? 60
                               : c == 'h' ? 3600
                               : c == 'd' ? 86400
                                          : 0;
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
        if (end && *end == '\0' && !s.empty()) v = d;
        else v = s;
    }
    if (path.empty()) return v.is_string() ? s : v.dump();
    nlohmann::json root = nlohmann::json::object();
    nlohmann::json* cur = &root;
    std::size_t start = 0;
    while (true) {
        const auto dot = path.find('.', start);
        const std::string key = path.substr(start, dot == std::string::npos ? dot : dot - start);
        if (dot == std::string::npos) {
            (*cur)[key] = v;
            break;
        }
        cur = &(*cur)[key];
        start = dot + 1;
    }
    return root.dump();
}

// The scenario file, read: every event once (the nights repeat them).
struct Scenario {
    WallTime start;
    Duration night_length{};
    int nights = 1;
    std::vector<Event> events;
};

YAML::Node load_yaml(const std::string& path) {
    try {
        return YAML::LoadFile(path);
    } catch (const YAML::BadFile&) {
        throw config::ConfigError(config::Location{path, 0, 0}, "cannot read the file");
    } catch (const YAML::Exception& e) {
        throw config::ConfigError(config::Location{path, e.mark.line + 1, e.mark.column + 1},
                                  e.msg);
    }
}

// An episode event's message, as the wearable would publish it.
Message episode_message(const std::string& path, const YAML::Node& ep, const config::Config& cfg,
                        Event& ev, int& episode_no) {
    const auto* w = cfg.find_wearable(ep["wearable"] ? ep["wearable"].Scalar() : "");
    if (!w) fail(path, ep, "an episode needs a defined 'wearable'");
    nlohmann::json j;
    if (ep["id"]) j[w->fields.id] = ep["id"].Scalar();
    else {
        j[w->fields.id] = fmt::format("sim-{}", ++episode_no);
        ev.id_field = w->fields.id;
    }
    j[w->fields.duration] =
        ep["duration_s"] ? ep["duration_s"].as<double>() / w->duration_scale : 30.0;
    if (!w->fields.muscle.empty() && ep["muscle"]) j[w->fields.muscle] = ep["muscle"].Scalar();
    if (!w->fields.side.empty() && ep["side"]) j[w->fields.side] = ep["side"].Scalar();
    if (!w->fields.severity.empty() && ep["severity"])
        j[w->fields.severity] = ep["severity"].as<double>();
    return Message{w->topic, j.dump(), w->qos, false};
}

// A command event's message, as bedtimectl or a reminder's button would send it.
Message command_message(const std::string& path, const YAML::Node& e, const config::Config& cfg) {
    const std::string verb = e["command"].Scalar();
    if (!commands::find_verb(verb)) fail(path, e["command"], "unknown command '" + verb + "'");
    return Message{cfg.mqtt.base_topic + "/cmd/" + verb,
                   e["payload"] ? e["payload"].Scalar() : "{}", 1, false};
}

Event parse_event(const std::string& path, const YAML::Node& e, const config::Config& cfg,
                  int& episode_no) {
    Event ev;
    ev.line = e.Mark().line + 1;
    if (e["after"]) ev.after = duration_of(path, e["after"]);
    else if (e["at"]) ev.at = time_of(path, e["at"]);
    else fail(path, e, "an event needs 'after' or 'at'");
    if (e["nights"]) {
        // "8-21" or a single night "8".
        const std::string r = e["nights"].Scalar();
        int a = 0, b = 0;
        const int n = std::sscanf(r.c_str(), "%d-%d", &a, &b);
        if (n < 1 || a < 1 || (n == 2 && b < a))
            fail(path, e["nights"], "'nights' must be like 8-21");
        ev.first_night = a;
        ev.last_night = n == 2 ? b : a;
    }
    if (e["sensor"]) {
        const auto* s = cfg.find_sensor(e["sensor"].Scalar());
        if (!s) fail(path, e["sensor"], "undefined sensor '" + e["sensor"].Scalar() + "'");
        if (!e["value"]) fail(path, e, "a sensor event needs 'value'");
        ev.msg = Message{s->topic, payload_at(s->json_path, e["value"]), 0, false};
    } else if (e["episode"]) {
        ev.msg = episode_message(path, e["episode"], cfg, ev, episode_no);
    } else if (e["command"]) {
        ev.msg = command_message(path, e, cfg);
    } else if (e["topic"]) {
        ev.msg = Message{e["topic"].Scalar(), e["payload"] ? e["payload"].Scalar() : "", 0, false};
    } else {
        fail(path, e, "an event needs 'sensor', 'episode', 'command' or 'topic'");
    }
    return ev;
}

Scenario parse_scenario(const std::string& path, const config::Config& cfg) {
    // Dropped on return: the parsed nodes of a year of readings are tens of MiB.
    const YAML::Node sc = load_yaml(path);
    if (!sc.IsMap() || !sc["start"])
        throw config::ConfigError(config::Location{path, 1, 1}, "a scenario needs 'start'");
    Scenario scenario;
    scenario.start = time_of(path, sc["start"]);
    scenario.night_length =
        sc["duration"] ? duration_of(path, sc["duration"]) : std::chrono::hours(24);
    scenario.nights = sc["nights"] ? sc["nights"].as<int>() : 1;
    if (scenario.nights < 1 || scenario.nights > 3660)
        fail(path, sc["nights"], "'nights' must be 1..3660");
    int episode_no = 0;
    if (sc["events"]) {
        if (!sc["events"].IsSequence()) fail(path, sc["events"], "'events' must be a list");
        for (const auto& e : sc["events"])
            scenario.events.push_back(parse_event(path, e, cfg, episode_no));
    }
    return scenario;
}

// Replays every event of every night in time order (ties: earlier night
// first, then scenario order), handing each to `deliver` once the clock is
// at its time, and then runs the clock to the end of the last night. Merged
// night by night rather than expanded up front, so a year of readings every
// 30 s needs the memory of one night's list, not of every message of the year.
void replay(const Scenario& sc, ManualClock& clock,
            const std::function<void(const Message&)>& deliver) {
    const auto& events = sc.events;
    auto offset_of = [&](const Event& ev) {
        return ev.at ? std::chrono::duration_cast<WallTime::duration>(*ev.at - sc.start)
                     : std::chrono::duration_cast<WallTime::duration>(ev.after);
    };
    std::vector<std::size_t> order(events.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return offset_of(events[a]) < offset_of(events[b]);
    });
    struct Cursor {
        WallTime at;
        int night;        // 0-based
        std::size_t pos;  // into `order`
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
            due.push(Cursor{sc.start + std::chrono::hours(24) * n + offset_of(ev), n, pos});
            return;
        }
    };
    for (int n = 0; n < sc.nights; ++n) push_next(n, 0);
    const WallTime end = sc.start + std::chrono::hours(24) * (sc.nights - 1) +
                         std::chrono::duration_cast<WallTime::duration>(sc.night_length);
    while (!due.empty()) {
        const Cursor c = due.top();
        due.pop();
        if (c.at > end) break;
        push_next(c.night, c.pos + 1);
        const Event& ev = events[order[c.pos]];
        if (c.at > clock.wall_now())
            clock.advance(std::chrono::duration_cast<Duration>(c.at - clock.wall_now()));
        if (!ev.id_field.empty() && c.night > 0) {
            // Each night's episode is a new one, not a redelivery.
            Message copy = ev.msg;
            auto j = nlohmann::json::parse(copy.payload);
            j[ev.id_field] = j[ev.id_field].get<std::string>() + "-n" + std::to_string(c.night + 1);
            copy.payload = j.dump();
            deliver(copy);
        } else {
            deliver(ev.msg);
        }
    }
    if (end > clock.wall_now())
        clock.advance(std::chrono::duration_cast<Duration>(end - clock.wall_now()));
}

}  // namespace

SimulationResult run_simulation(const std::string& config_path, const std::string& scenario_path,
                                const std::string& db_path) {
    std::vector<std::string> warnings;
    const auto cfg =
        std::make_shared<const config::Config>(load_and_validate(config_path, warnings));
    const Scenario scenario = parse_scenario(scenario_path, *cfg);

    SimulationResult result;
    const date::time_zone* zone =
        zone_named(cfg->sleepers.empty() ? "" : cfg->sleepers.front().timezone);
    result.zone = std::string(zone->name());
    ManualClock clock(scenario.start);
    Counters counters;
    auto record = [&](const std::string& who, const std::string& what) {
        result.timeline.push_back(TimelineEntry{clock.wall_now(), who, what});
    };
    RecordingBus bus([&](const Message& m) { record("mqtt", m.topic + " " + m.payload); });
    // The daemon's household. Its loop runs what the parts post (the cramp
    // log's bookkeeping of an episode) after each message, as the daemon's
    // loop would. No HTTP notifier sends: the timeline records the reminders.
    boost::asio::io_context loop;
    Household::Options options;
    options.expect_confirmation = false;
    // The cramp log in memory (or db_path): the simulated nights adapt the evening as the daemon
    // would.
    options.cramp_log_path = db_path;
    options.read_secrets = false;
    options.timeline = record;
    Household household(clock, bus, counters, loop, cfg, std::move(options));
    household.start(false);
    household.on_connected();
    auto run_posted = [&] {
        loop.restart();
        loop.poll();
    };
    replay(scenario, clock, [&](const Message& msg) {
        bus.inject(msg);
        run_posted();
    });
    run_posted();
    household.actuators().shutdown();
    record(
        "bedtimed",
        fmt::format("end of simulation: {} reminders, {} heat sessions, {} bed moves, {} episodes",
                    counters.reminders_sent, counters.heat_sessions, counters.bed_moves,
                    counters.episodes_accepted));
    return result;
}

std::string format_timeline(const SimulationResult& r, bool json) {
    const date::time_zone* zone = zone_named(r.zone);
    if (json) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& e : r.timeline)
            out.push_back({{"t", format_iso8601(e.at)},
                           {"local", local_text(zone, e.at)},
                           {"who", e.who},
                           {"what", e.what}});
        return out.dump(1) + "\n";
    }
    std::string out;
    for (const auto& e : r.timeline)
        out += fmt::format("{}  {:<9} {}\n", local_text(zone, e.at), e.who, e.what);
    return out;
}

}  // namespace bedtimed
