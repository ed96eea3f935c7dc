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
#include "flood_payloads.hpp"
#include "mosquitto_fixture.hpp"
#include "test_client.hpp"

namespace bedtimed::test {
namespace {

using namespace flood;

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
    topic: )" + kSensorTopic +
                            R"(
    type: number
    json: temperature
    min: -30
    max: 60
wearables:
  - name: band
    topic: )" + kEpisodeTopic +
                            R"(
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
          topic: )" + kRuleTopic +
                            R"(
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

// One mosquitto_pub per topic, all at once; then the big payloads.
std::string flood_script(int port, const std::string& dir) {
    auto pub_lines = [port](const std::string& topic, const std::string& file) {
        return "mosquitto_pub -L mqtt://127.0.0.1:" + std::to_string(port) + "/" + topic +
               " -q 1 -M 100 -l < " + file;
    };
    auto pub_file = [port](const std::string& topic, const std::string& file) {
        return "mosquitto_pub -L mqtt://127.0.0.1:" + std::to_string(port) + "/" + topic +
               " -q 1 -f " + file;
    };
    std::string script = "set -e; ";
    script += "(" + pub_lines(kEpisodeTopic, dir + "/episodes.txt") + ") & ";
    script += "(" + pub_lines(kSensorTopic, dir + "/sensors.txt") + ") & ";
    script += "(" + pub_lines(kPlugStateTopic, dir + "/states.txt") + ") & ";
    for (const auto& v : kFloodVerbs)
        script += "(" + pub_lines(kBase + "/cmd/" + v, dir + "/cmd-" + v + ".txt") + ") & ";
    script += pub_file(kEpisodeTopic, dir + "/big-episode.json") + "; ";
    script += pub_file(kEpisodeTopic, dir + "/big-garbage.txt") + "; ";
    script += pub_file(kSensorTopic, dir + "/big-garbage.txt") + "; ";
    script += pub_file(kPlugStateTopic, dir + "/big-garbage.txt") + "; ";
    script += pub_file(kBase + "/cmd/log", dir + "/big-command.json") + "; ";
    script += "fail=0; for j in $(jobs -p); do wait $j || fail=1; done; exit $fail";
    return script;
}

// Every bad payload counted where it belongs; nothing accepted.
void expect_flood_counted(const std::string& uri) {
    const std::uint64_t want_rejected = kEpisodes + kSensors + kBigEpisodes + kBigSensors;
    const json c = wait_counters(
        uri,
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
}

// Peak memory stays bounded: a bound on memory, not on time.
void expect_bounded_memory(pid_t pid, const std::string& log) {
    // ASan's shadow memory and quarantine need far more.
#if defined(__SANITIZE_ADDRESS__)
    constexpr long kMaxPeakKib = 1024 * 1024;
#else
    constexpr long kMaxPeakKib = 64 * 1024;
#endif
    const long peak = peak_rss_kib(pid);
    ASSERT_GT(peak, 0) << "daemon gone?\n" << read_all(log).substr(0, 4000);
    EXPECT_LT(peak, kMaxPeakKib) << "VmHWM " << peak << " KiB";
    std::cout << "[ flood    ] daemon VmHWM " << peak << " KiB\n";
}

// After the flood a valid episode still fires its rule and is stored.
void expect_still_acting(const std::string& uri, const std::string& db, const std::string& log) {
    TestClient listener(uri);
    listener.subscribe(kRuleTopic);
    TestClient wearable(uri);
    wearable.publish(kEpisodeTopic,
                     R"({"id":"after-flood","duration_s":30,"muscle":"calf","side":"right"})", 1);
    auto echoed = listener.next_on(kRuleTopic, 30s);
    ASSERT_TRUE(echoed) << "no rule fired for a valid episode after the flood\n"
                        << read_all(log).substr(0, 4000);
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
}

// The log stays readable: each kind of rejection has its own line, let
// through at most 10 a minute (RateLimitedLog), so 100k bad payloads make a
// few dozen lines, not 100k.
void expect_readable_log(const std::string& log) {
    const std::string text = read_all(log);
    auto count = [&](const std::string& needle) {
        std::size_t n = 0;
        for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
            ++n;
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
}

TEST(Flood, HundredThousandMalformedPayloadsAreCountedAndNoneIsAccepted) {
    Mosquitto::Options opts;
    // Mosquitto's default (0) already means no limit; said here because the
    // 2 MiB payloads depend on it.
    opts.extra_config = "message_size_limit 4194304";
    Mosquitto broker(opts);

    const std::string dir = make_temp_dir("bt-flood");
    const std::string config = dir + "/config.yaml", state = dir + "/state",
                      log = dir + "/bedtimed.log";
    write_file(config, kConfig);
    ChildProcess daemon(
        {kBedtimed, "--config", config, "--broker", broker.uri(), "--state-dir", state}, {}, log);
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

    write_flood_payloads(dir);
    ASSERT_FALSE(HasFailure());
    const auto [rc, out] =
        run_to_completion({"/bin/sh", "-c", flood_script(broker.port(), dir)}, 300s);
    ASSERT_EQ(rc, 0) << out;
    expect_flood_counted(broker.uri());
    // Nothing from the flood reached the cramp log.
    const std::string db = state + "/bedtimed.db";
    {
        EpisodeStore store(db, EpisodeStore::Mode::read_only);
        EXPECT_EQ(store.count(), 0);
    }

    expect_bounded_memory(daemon.pid(), log);
    ASSERT_FALSE(HasFailure());
    ASSERT_FALSE(daemon.wait(0ms)) << "the daemon exited during the flood\n"
                                   << read_all(log).substr(0, 4000);
    expect_still_acting(broker.uri(), db, log);
    expect_readable_log(log);
    daemon.signal(SIGTERM);
    EXPECT_TRUE(daemon.wait(20s));
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
}

}  // namespace
}  // namespace bedtimed::test
