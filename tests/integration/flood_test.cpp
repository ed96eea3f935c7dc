// Bad input at volume: the real bedtimed binary against a real mosquitto,
// flooded with 100k malformed payloads on every topic it subscribes to (a
// wearable's episodes, a sensor, a plug's state, the command topics): random
// bytes, truncated JSON, 10k-deep nesting, wrong types, NaN and huge numbers,
// negative durations, far-future timestamps, invalid UTF-8, and a few 2 MiB
// payloads.
//
// Afterwards the daemon must be alive and still act on a valid episode; its
// retained <base>/counters must count every rejection in the right place;
// nothing from the flood may be in the cramp log; its peak RSS must stay
// bounded; and its log must stay short (rejections are rate-limited).
//
// No assertion depends on timing: waits are bounded polls on conditions with
// timeouts far above what a loaded 2-core machine needs. The publishers are
// mosquitto_pub -l (one message per line, QoS 1), so no payload holds '\n'
// or NUL; the 2 MiB ones go with -f.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <thread>

#include "child_process.hpp"
#include "daemon_harness.hpp"
#include "episode_store.hpp"
#include "mosquitto_fixture.hpp"
#include "test_client.hpp"

namespace bedtimed::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

const std::string kBedtimed = std::string(BEDTIMED_BIN_DIR) + "/bedtimed";
const std::string kBase = "flood";
const std::string kEpisodeTopic = "flood/band/episode";
const std::string kSensorTopic = "flood/sensors/bedroom";
const std::string kPlugStateTopic = "z2m/pad_plug";  // the Zigbee2MQTT pad's state topic
const std::string kRuleTopic = "flood/out/cramp";

// Every kind of subscription: a wearable (QoS 1, with every field mapped so
// each check is reachable), a range-checked number sensor, a Zigbee2MQTT pad
// (its state topic) and the command topics; a rule echoes accepted episodes.
const std::string kConfig = R"(
mqtt:
  client_id: bedtimed-flood
  base_topic: )" + kBase + R"(
  reconnect: {min: 1s, max: 2s}
sensors:
  - name: bedroom_temp
    topic: )" + kSensorTopic + R"(
    type: number
    json: temperature
    min: -30
    max: 60
wearables:
  - name: band
    topic: )" + kEpisodeTopic + R"(
    qos: 1
    fields: {id: id, start: ts, duration: duration_s, muscle: muscle, side: side, severity: severity}
actuators:
  - name: pad
    kind: heating_pad
    integration: zigbee2mqtt
    max_on: 30m
    confirm_timeout: 5m
    device: pad_plug
    base_topic: z2m
sleepers:
  - name: alex
    timezone: UTC
    bedtime: {weekdays: "22:30", weekends: "22:30"}
    wearable: band
    heating_pad: pad
    routine:
      prewarm: {enabled: false}
    on_episode: {heat: false}
rules:
  - name: echo
    on: {episode: band}
    do:
      - publish:
          topic: )" + kRuleTopic + R"(
          payload: '{"id":{{episode.id | json}}}'
)";

std::string read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout,
                std::chrono::milliseconds every = 50ms) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        if (done()) return true;
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(every);
    }
}

// Malformed payloads of every category, deterministic (fixed seed), none
// containing '\n' or NUL (mosquitto_pub -l sends one message per line).
class Flood {
public:
    explicit Flood(std::uint32_t seed) : rng_(seed) {}

    // Random bytes 1..255 except '\n' and '\r'; never starting with a space,
    // so that no command body reads as empty ("no arguments").
    std::string random_bytes() {
        std::string s(std::uniform_int_distribution<std::size_t>(8, 200)(rng_), 'x');
        for (auto& c : s) {
            int b;
            do b = std::uniform_int_distribution<int>(1, 255)(rng_);
            while (b == '\n' || b == '\r');
            c = static_cast<char>(b);
        }
        if (s[0] == ' ') s[0] = '#';
        return s;
    }
    // A proper prefix of a valid object: never valid JSON.
    std::string truncated(const std::string& valid) {
        return valid.substr(0, std::uniform_int_distribution<std::size_t>(1, valid.size() - 1)(rng_));
    }
    static std::string deep(bool objects) {
        constexpr int kDepth = 10000;
        std::string s;
        for (int i = 0; i < kDepth; ++i) s += objects ? "{\"a\":" : "[";
        s += "1";
        for (int i = 0; i < kDepth; ++i) s += objects ? "}" : "]";
        return s;
    }
    template <class T>
    const T& pick(const std::vector<T>& v) {
        return v[std::uniform_int_distribution<std::size_t>(0, v.size() - 1)(rng_)];
    }
    std::size_t below(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_); }

private:
    std::mt19937 rng_;
};

// Payloads in a cycle of categories; `special` are the kind-specific lists
// (wrong types, NaN/huge numbers, negative, future, invalid UTF-8). The deep
// ones (20-60 KB each) come once in 50 turns of their slot, random bytes the
// other 49, so the flood stays a few MB.
std::vector<std::string> make_payloads(Flood& f, std::size_t count, const std::string& valid,
                                       const std::vector<std::vector<std::string>>& special) {
    std::vector<std::string> out;
    out.reserve(count);
    const std::string deep_arrays = Flood::deep(false), deep_objects = Flood::deep(true);
    for (std::size_t i = 0; i < count; ++i) {
        const std::size_t category = i % (3 + special.size());
        if (category == 0) out.push_back(f.random_bytes());
        else if (category == 1) out.push_back(f.truncated(valid));
        else if (category == 2 && (i / (3 + special.size())) % 50 == 0)
            out.push_back(f.below(2) ? deep_arrays : deep_objects);
        else if (category == 2) out.push_back(f.random_bytes());
        else out.push_back(f.pick(special[category - 3]));
    }
    return out;
}

void write_lines(const std::string& path, const std::vector<std::string>& lines) {
    std::ofstream out(path, std::ios::binary);
    for (const auto& l : lines) {
        ASSERT_EQ(l.find('\n'), std::string::npos);
        ASSERT_EQ(l.find('\0'), std::string::npos);
        ASSERT_FALSE(l.empty());
        out << l << '\n';
    }
}

// The daemon's latest retained counters, once `done` holds for them (or the last seen).
json wait_counters(const std::string& uri, const std::function<bool(const json&)>& done,
                   std::chrono::seconds timeout) {
    TestClient c(uri);
    c.subscribe(kBase + "/counters");
    json last = json::object();
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        auto m = c.next_on(kBase + "/counters", 1s);
        if (!m) continue;
        last = json::parse(m->payload, nullptr, false);
        if (!last.is_discarded() && done(last)) return last;
    }
    return last;
}

std::uint64_t counter(const json& j, const char* name) {
    return j.contains(name) && j[name].is_number_unsigned() ? j[name].get<std::uint64_t>() : 0;
}

// VmHWM (peak resident set) of a live process, in KiB.
long peak_rss_kib(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
    return -1;
}

TEST(Flood, HundredThousandMalformedPayloadsAreCountedAndNoneIsAccepted) {
    Mosquitto::Options opts;
    // Mosquitto's default (0) already means no limit; said here because the
    // 2 MiB payloads depend on it.
    opts.extra_config = "message_size_limit 4194304";
    Mosquitto broker(opts);

    const std::string dir = make_temp_dir("bt-flood");
    const std::string config = dir + "/config.yaml", state = dir + "/state", log = dir + "/bedtimed.log";
    write_file(config, kConfig);
    ChildProcess daemon({kBedtimed, "--config", config, "--broker", broker.uri(), "--state-dir", state}, {}, log);
    {
        TestClient c(broker.uri());
        c.subscribe(kBase + "/status");
        ASSERT_TRUE(wait_until(
            [&] {
                auto m = c.next_on(kBase + "/status", 500ms);
                return m && m->payload == "online";
            },
            30s))
            << read_all(log);
    }

    // --- the payloads -----------------------------------------------------
    Flood f(20261126);
    const std::string valid_episode =
        R"({"id":"ok-1","ts":"2026-11-26T02:14:00Z","duration_s":45,"muscle":"calf","side":"left","severity":6})";
    const std::vector<std::vector<std::string>> episode_special = {
        // wrong types
        {R"({"id":true,"duration_s":45})", R"({"id":"w","duration_s":"45"})", R"({"id":["w"],"duration_s":4})",
         R"({"id":"w","duration_s":4,"side":7})", R"({"id":"w","duration_s":4,"muscle":{}})",
         R"({"id":"w","duration_s":4,"severity":"high"})", R"({"id":"w","duration_s":4,"ts":true})", "[1,2,3]",
         R"("just a string")", "42", "null", R"({"id":"w"})", R"({"duration_s":4})", R"({"id":"","duration_s":4})"},
        // NaN and huge numbers
        {R"({"id":"n","duration_s":NaN})", R"({"id":"n","duration_s":1e400})", R"({"id":"n","duration_s":1e300})",
         R"({"id":1e30,"duration_s":4})", R"({"id":99999999999999999999,"duration_s":4})",
         R"({"id":"n","duration_s":4,"severity":1e308})", R"({"id":"n","duration_s":Infinity})",
         R"({"id":"n","duration_s":4,"ts":1e300})", R"({"id":"n","duration_s":-1e400})"},
        // negative durations
        {R"({"id":"neg","duration_s":-1})", R"({"id":"neg","duration_s":-0.001})",
         R"({"id":"neg","duration_s":-1e9})", R"({"id":"neg","duration_s":-45,"muscle":"calf"})"},
        // timestamps far in the future (and far in the past)
        {R"({"id":"t","duration_s":4,"ts":"2099-01-01T00:00:00Z"})", R"({"id":"t","duration_s":4,"ts":"9999-12-31T23:59:59Z"})",
         R"({"id":"t","duration_s":4,"ts":8000000000})", R"({"id":"t","duration_s":4,"ts":"2027-11-26T22:00:00+14:00"})",
         R"({"id":"t","duration_s":4,"ts":"1970-01-01T00:00:00Z"})", R"({"id":"t","duration_s":4,"ts":"2026-13-45T99:00:00Z"})"},
        // invalid UTF-8 (bare continuation, overlong, surrogate, truncated sequence, 0xFF)
        {"{\"id\":\"\xff\xfe\",\"duration_s\":4}", "{\"id\":\"u\",\"duration_s\":4,\"muscle\":\"\xc0\xaf\"}",
         "{\"id\":\"\xed\xa0\x80\",\"duration_s\":4}", "{\"id\":\"u\",\"duration_s\":4,\"side\":\"\xe2\x82\"}",
         "\x80\x80\x80", "{\"id\":\"u\xf8\x88\x80\x80\x80\",\"duration_s\":4}"},
    };
    const std::string valid_sensor = R"({"temperature":21.5,"humidity":40})";
    const std::vector<std::vector<std::string>> sensor_special = {
        {R"({"temperature":true})", R"({"temperature":[21]})", R"({"temperature":{"v":21}})",
         R"({"temperature":null})", R"({"humidity":40})", "[21.5]", R"("21.5")", R"({"temperature":"warm"})"},
        {R"({"temperature":NaN})", R"({"temperature":1e400})", R"({"temperature":1e300})",
         R"({"temperature":-1e400})", R"({"temperature":99999999999999999999})"},
        {R"({"temperature":-31})", R"({"temperature":-1e9})", R"({"temperature":-273.15})"},
        {R"({"temperature":61})", R"({"temperature":"21.5x"})"},
        {"{\"temperature\":\"\xff\"}", "{\"temperature\":21.5,\"note\":\"\xc0\xaf\"}", "\xfe\xfe\xfe"},
    };
    const std::string valid_state = R"({"state":"OFF","power":0,"linkquality":120})";
    const std::vector<std::vector<std::string>> state_special = {
        {R"({"state":1})", R"({"state":true})", R"({"state":["ON"]})", R"({"state":null})", R"({"state":{}})",
         R"("ON")", "[\"ON\"]", R"({"power":-40})", R"({"state":"MAYBE"})"},
        // (a power reading alone is a report; a negative or absurd one is not)
        {R"({"state":NaN})", R"({"state":1e400})", R"({"power":1e300})"},
        {"{\"state\":\"O\xff\"}", "\xc3\x28\xa0\xa1"},
    };
    const std::string valid_command =
        R"({"sleeper":"alex","start":"2026-11-26T21:30:00Z","duration_s":90,"muscle":"calf","side":"left"})";
    const std::vector<std::vector<std::string>> command_special = {
        {R"({"severity":"x"})", R"({"swelling":"yes"})", R"({"duration_s":"90"})", R"({"colour":"red"})",
         R"({"request_id":"a/#"})", "[1]", R"("log")", "42", R"({"sleeper":7})"},
        {R"({"duration_s":NaN})", R"({"duration_s":1e400})", R"({"severity":1e308})", R"({"duration_s":1e300})"},
        {R"({"duration_s":-5})", R"({"severity":-1})", R"({"duration_s":-1e9})"},
        {R"({"start":"2099-01-01T00:00:00Z"})", R"({"start":"9999-12-31T23:59:59Z"})"},
        {"{\"notes\":\"\xff\xfe\"}", "{\"muscle\":\"\xed\xa0\x80\"}"},
    };

    constexpr std::size_t kEpisodes = 40000, kSensors = 25000, kStates = 15000, kCommands = 20000;
    const auto episodes = make_payloads(f, kEpisodes, valid_episode, episode_special);
    const auto sensors = make_payloads(f, kSensors, valid_sensor, sensor_special);
    const auto states = make_payloads(f, kStates, valid_state, state_special);
    const auto commands = make_payloads(f, kCommands, valid_command, command_special);
    write_lines(dir + "/episodes.txt", episodes);
    write_lines(dir + "/sensors.txt", sensors);
    write_lines(dir + "/states.txt", states);
    ASSERT_FALSE(HasFailure());

    // Commands go to every verb but heat_off and test_notify (whose empty or
    // "PRESS" body is valid), plus unknown verbs; one file per topic.
    const std::vector<std::string> verbs = {"log", "edit", "confirm", "false_positive", "delete",
                                            "travel", "ack", "tier", "reboot", "x"};
    std::vector<std::vector<std::string>> per_verb(verbs.size());
    for (std::size_t i = 0; i < commands.size(); ++i) per_verb[i % verbs.size()].push_back(commands[i]);
    for (std::size_t v = 0; v < verbs.size(); ++v) write_lines(dir + "/cmd-" + verbs[v] + ".txt", per_verb[v]);

    // 2 MiB: a valid episode padded past max_payload_bytes (it must be refused
    // whole, not stored), random-ish text, and a command with a huge note.
    const std::string two_mib(2 << 20, 'x');
    write_file(dir + "/big-episode.json", R"({"id":"big-1","duration_s":45,"pad":")" + two_mib + "\"}");
    write_file(dir + "/big-garbage.txt", two_mib + "\xff{[");
    write_file(dir + "/big-command.json", R"({"notes":")" + two_mib + "\"}");
    ASSERT_FALSE(HasFailure());

    // --- the flood: one publisher per topic, all at once -------------------
    auto pub_lines = [&](const std::string& topic, const std::string& file) {
        return "mosquitto_pub -L mqtt://127.0.0.1:" + std::to_string(broker.port()) + "/" + topic +
               " -q 1 -M 100 -l < " + file;
    };
    auto pub_file = [&](const std::string& topic, const std::string& file) {
        return "mosquitto_pub -L mqtt://127.0.0.1:" + std::to_string(broker.port()) + "/" + topic +
               " -q 1 -f " + file;
    };
    std::string script = "set -e; ";
    script += "(" + pub_lines(kEpisodeTopic, dir + "/episodes.txt") + ") & ";
    script += "(" + pub_lines(kSensorTopic, dir + "/sensors.txt") + ") & ";
    script += "(" + pub_lines(kPlugStateTopic, dir + "/states.txt") + ") & ";
    for (const auto& v : verbs) script += "(" + pub_lines(kBase + "/cmd/" + v, dir + "/cmd-" + v + ".txt") + ") & ";
    script += pub_file(kEpisodeTopic, dir + "/big-episode.json") + "; ";
    script += pub_file(kEpisodeTopic, dir + "/big-garbage.txt") + "; ";
    script += pub_file(kSensorTopic, dir + "/big-garbage.txt") + "; ";
    script += pub_file(kPlugStateTopic, dir + "/big-garbage.txt") + "; ";
    script += pub_file(kBase + "/cmd/log", dir + "/big-command.json") + "; ";
    script += "fail=0; for j in $(jobs -p); do wait $j || fail=1; done; exit $fail";
    const auto [rc, out] = run_to_completion({"/bin/sh", "-c", script}, 300s);
    ASSERT_EQ(rc, 0) << out;

    // --- what the daemon counted --------------------------------------------
    constexpr std::uint64_t kBigEpisodes = 2, kBigSensors = 1, kBigStates = 1, kBigCommands = 1;
    const std::uint64_t want_rejected = kEpisodes + kSensors + kBigEpisodes + kBigSensors;
    const json c = wait_counters(
        broker.uri(),
        [&](const json& j) {
            return counter(j, "payloads_rejected") >= want_rejected &&
                   counter(j, "device_reports_ignored") >= kStates + kBigStates &&
                   counter(j, "commands_rejected") >= kCommands + kBigCommands;
        },
        240s);
    EXPECT_EQ(counter(c, "episodes_rejected"), kEpisodes) << c.dump();
    EXPECT_EQ(counter(c, "sensor_values_rejected"), kSensors) << c.dump();
    EXPECT_EQ(counter(c, "payloads_oversized"), kBigEpisodes + kBigSensors) << c.dump();
    EXPECT_EQ(counter(c, "payloads_rejected"), want_rejected) << c.dump();
    EXPECT_EQ(counter(c, "device_reports_ignored"), kStates + kBigStates) << c.dump();
    EXPECT_EQ(counter(c, "commands_rejected"), kCommands + kBigCommands) << c.dump();
    EXPECT_EQ(counter(c, "commands"), 0u) << c.dump();
    EXPECT_EQ(counter(c, "episodes_accepted"), 0u) << c.dump();
    EXPECT_EQ(counter(c, "sensor_updates"), 0u) << c.dump();
    EXPECT_EQ(counter(c, "heat_sessions"), 0u) << c.dump();
    EXPECT_EQ(counter(c, "heat_safety_offs"), 0u) << c.dump();
    EXPECT_GE(counter(c, "messages_in"), kEpisodes + kSensors + kStates + kCommands) << c.dump();

    // Nothing from the flood reached the cramp log.
    const std::string db = state + "/bedtimed.db";
    {
        EpisodeStore store(db, EpisodeStore::Mode::read_only);
        EXPECT_EQ(store.count(), 0);
    }

    // Peak memory stays bounded: a bound on memory, not on time. ASan's
    // shadow memory and quarantine need far more.
#if defined(__SANITIZE_ADDRESS__)
    constexpr long kMaxPeakKib = 1024 * 1024;
#else
    constexpr long kMaxPeakKib = 64 * 1024;
#endif
    const long peak = peak_rss_kib(daemon.pid());
    ASSERT_GT(peak, 0) << "daemon gone?\n" << read_all(log).substr(0, 4000);
    EXPECT_LT(peak, kMaxPeakKib) << "VmHWM " << peak << " KiB";
    std::cout << "[ flood    ] daemon VmHWM " << peak << " KiB\n";

    // --- still alive, still acting ------------------------------------------
    ASSERT_FALSE(daemon.wait(0ms)) << "the daemon exited during the flood\n" << read_all(log).substr(0, 4000);
    TestClient listener(broker.uri());
    listener.subscribe(kRuleTopic);
    TestClient wearable(broker.uri());
    wearable.publish(kEpisodeTopic, R"({"id":"after-flood","duration_s":30,"muscle":"calf","side":"right"})", 1);
    auto echoed = listener.next_on(kRuleTopic, 30s);
    ASSERT_TRUE(echoed) << "no rule fired for a valid episode after the flood\n" << read_all(log).substr(0, 4000);
    EXPECT_EQ(echoed->payload, R"({"id":"after-flood"})");
    ASSERT_TRUE(wait_until(
        [&] {
            EpisodeStore store(db, EpisodeStore::Mode::read_only);
            return store.count() == 1;
        },
        30s));
    {
        EpisodeStore store(db, EpisodeStore::Mode::read_only);
        EXPECT_TRUE(store.find("band", "after-flood"));
    }

    // The log stays readable: each kind of rejection has its own line, let
    // through at most 10 a minute (RateLimitedLog), so 100k bad payloads
    // make a few dozen lines, not 100k.
    const std::string text = read_all(log);
    auto count = [&](const std::string& needle) {
        std::size_t n = 0;
        for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
        return n;
    };
    const std::size_t lines = count("\n");
    std::cout << "[ flood    ] daemon log: " << lines << " lines\n";
    EXPECT_LT(lines, 500u) << text.substr(0, 4000);
    // One rate limit covers episodes and sensors, so which of them got the lines varies.
    EXPECT_GE(count("rejected payload on "), 1u) << text.substr(0, 4000);
    EXPECT_GE(count("command refused on " + kBase + "/cmd/"), 1u) << text.substr(0, 4000);
    EXPECT_LT(count("rejected payload on "), 100u);
    EXPECT_LT(count("command refused on "), 100u);

    daemon.signal(SIGTERM);
    EXPECT_TRUE(daemon.wait(20s));
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
}

}  // namespace
}  // namespace bedtimed::test
