// Mutations of config/bedtimed.example.yaml: one value at a time is
// replaced (ports and URIs, topics, client ids, durations, percentages, time
// zones, bedtimes, notifier URLs, an unclosed quote). Each mutation is either
// refused by `bedtimed --check-config` with exit 78 and
// `file:line:col: what is wrong` pointing at the mutated line, or accepted,
// and then the loaded config holds the value as written.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <sstream>

#include "child_process.hpp"
#include "config.hpp"
#include "loader.hpp"
#include "mosquitto_fixture.hpp"

namespace bedtimed::test {
namespace {

namespace fs = std::filesystem;
const std::string kBedtimed = std::string(BEDTIMED_BIN_DIR) + "/bedtimed";
const fs::path kExample = fs::path(BEDTIMED_SOURCE_DIR) / "config" / "bedtimed.example.yaml";

std::vector<std::string> example_lines() {
    std::ifstream in(kExample);
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    return lines;
}

using Check = std::function<void(const config::Config&)>;
struct Mutation {
    std::string key;    // the first line `<indent>[- ]key: value` gets...
    std::string value;  // ...this value instead
    Check accepted;     // empty: must be refused
};

const Check refused{};

// `key: value` → `key: <value>` on the first line with that key; its 1-based number.
int mutate(std::vector<std::string>& lines, const std::string& key, const std::string& value) {
    const std::regex re("^(\\s*(- )?" + key + ":\\s*)\\S.*$");
    for (std::size_t i = 0; i < lines.size(); ++i) {
        std::smatch m;
        if (std::regex_match(lines[i], m, re)) {
            lines[i] = m[1].str() + value;
            return static_cast<int>(i) + 1;
        }
    }
    return 0;
}

void run_mutation(const std::vector<std::string>& lines, int line, const Mutation& mu,
                  const std::string& path) {
    {
        std::ofstream out(path, std::ios::trunc);
        for (const auto& l : lines) out << l << '\n';
    }
    const auto r = run_split({kBedtimed, "--check-config", path});
    if (!mu.accepted) {
        EXPECT_EQ(r.rc, 78) << r.out << r.err;
        const std::regex where("^" + path + ":" + std::to_string(line) + ":[0-9]+: \\S.*");
        const std::string first = r.err.substr(0, r.err.find('\n'));
        EXPECT_TRUE(std::regex_match(first, where))
            << "expected " << path << ":" << line << ":COL: ..., got: " << first;
        return;
    }
    EXPECT_EQ(r.rc, 0) << r.err;
    if (r.rc != 0) return;
    config::Config cfg;
    ASSERT_NO_THROW(cfg = config::load_config(path));
    mu.accepted(cfg);
}

// Ports and broker URIs, client ids and topics.
std::vector<Mutation> connection_mutations() {
    auto uri_is = [](std::string want) {
        return [want](const config::Config& c) { EXPECT_EQ(c.mqtt.uri, want); };
    };
    return {
        // Ports and broker URIs.
        {"uri", R"("tcp://127.0.0.1 :1883")", refused},
        {"uri", R"("tcp://127.0.0.1:1883 ")", refused},
        {"uri", "tcp://127.0.0.1:99999", refused},
        {"uri", "tcp://127.0.0.1:0", refused},
        {"uri", "tcp://127.0.0.1:-1", refused},
        {"uri", "tcp://127.0.0.1:18x3", refused},
        {"uri", "tcp://127.0.0.1:", refused},
        {"uri", "tcp://:1883", refused},
        {"uri", "tcp://127.0.0.1:1883/x", refused},
        {"uri", "tcp://user@broker.lan:1883", refused},
        {"uri", "http://127.0.0.1:1883", refused},
        {"uri", "tcp://127.0.0.1:65535", uri_is("tcp://127.0.0.1:65535")},
        {"uri", "tcp://[::1]:1883", uri_is("tcp://[::1]:1883")},
        {"uri", "tcp://broker.lan", uri_is("tcp://broker.lan")},
        {"uri", "ws://broker.lan:9001/mqtt", uri_is("ws://broker.lan:9001/mqtt")},
        // Client ids (Paho names a directory after it) and topics.
        {"client_id", R"("bed timed")", refused},
        {"client_id", R"("bed/timed")", refused},
        {"client_id", R"("")", refused},
        {"client_id", "bedtimed-2.lan",
         [](const config::Config& c) { EXPECT_EQ(c.mqtt.client_id, "bedtimed-2.lan"); }},
        {"base_topic", "bedtimed/#", refused},
        {"base_topic", "bed/+/timed", refused},
        {"base_topic", R"("")", refused},
        {"base_topic", "home/bedtimed",
         [](const config::Config& c) { EXPECT_EQ(c.mqtt.base_topic, "home/bedtimed"); }},
        {"topic", R"("")", refused},
        {"topic", "zigbee2mqtt/#/x", refused},
        {"topic", "zigbee2mqtt/+/x",
         [](const config::Config& c) { EXPECT_EQ(c.sensors.at(0).topic, "zigbee2mqtt/+/x"); }},
    };
}

// Durations, percentages, time zones and bedtimes, numbers, unclosed quotes.
std::vector<Mutation> value_mutations() {
    return {
        // Durations.
        {"keepalive", "0s", refused},
        {"keepalive", "-5s", refused},
        {"keepalive", "30 s", refused},
        {"keepalive", "1m30", refused},
        {"keepalive", "99999999999999999999s", refused},
        {"keepalive", "45",
         [](const config::Config& c) { EXPECT_EQ(c.mqtt.keepalive, std::chrono::seconds(45)); }},
        {"stale_after", "0s",
         [](const config::Config& c) {
             EXPECT_EQ(c.sensors.at(0).stale_after, std::chrono::seconds(0));
         }},
        {"keepalive", "1h",
         [](const config::Config& c) { EXPECT_EQ(c.mqtt.keepalive, std::chrono::hours(1)); }},
        {"stale_after", "-1m", refused},
        {"stale_after", "1e3s", refused},
        {"stale_after", "9999999999h", refused},
        {"stale_after", "1h30m",
         [](const config::Config& c) {
             EXPECT_EQ(c.sensors.at(0).stale_after, std::chrono::minutes(90));
         }},
        {"max_on", "0s", refused},
        {"max_on", "100h", refused},
        {"confirm_timeout", "0s", refused},
        {"max_duration", "0s", refused},
        {"min_move_interval", "-1s", refused},
        {"snooze_minutes", "0", refused},
        {"snooze_minutes", "1.5", refused},
        {"heat_minutes", "1000", refused},
        {"at", "-25h", refused},
        {"at", "-90", refused},
        // Percentages (a bed preset's position).
        {"legs_raised", "101", refused},
        {"legs_raised", "-1", refused},
        {"legs_raised", "nan", refused},
        {"legs_raised", R"("15%")", refused},
        {"legs_raised", "100",
         [](const config::Config& c) {
             EXPECT_EQ(c.find_actuator("bed_left")->presets.at("legs_raised"), 100.0);
         }},
        // Time zones and bedtimes.
        {"timezone", "Europe/Berlinn", refused},
        {"timezone", R"("europe/berlin")", refused},
        {"timezone", R"("+02:00")", refused},
        {"timezone", R"("")", refused},
        {"timezone", R"("Europe/Berlin ")", refused},
        {"timezone", "America/New_York",
         [](const config::Config& c) { EXPECT_EQ(c.sleepers.at(0).timezone, "America/New_York"); }},
        {"weekdays", R"("25:00")", refused},
        {"weekdays", R"("22:60")", refused},
        {"weekdays", R"(" 22:30")", refused},
        // Numbers that are not.
        {"cold_below", "nan", refused},
        {"max_payload_bytes", "65536.0", refused},
        {"max_inflight_qos2", "0", refused},
        {"max_inflight_qos2", "20",
         [](const config::Config& c) { EXPECT_EQ(c.mqtt.max_inflight_qos2, 20u); }},
        // A quote never closed: yaml-cpp would swallow the rest of the file into it.
        {"client_id", R"("bedtimed)", refused},
        {"base_topic", "'bedtimed", refused},
    };
}

TEST(ConfigMutations, EachIsRefusedWithItsLocationOrAcceptedAsWritten) {
    const auto base = example_lines();
    ASSERT_GT(base.size(), 100u);
    const std::string dir = make_temp_dir("bt-mutation");
    std::vector<Mutation> mutations = connection_mutations();
    for (auto& mu : value_mutations()) mutations.push_back(std::move(mu));
    int n = 0;
    for (const auto& mu : mutations) {
        auto lines = base;
        const int line = mutate(lines, mu.key, mu.value);
        SCOPED_TRACE(mu.key + ": " + mu.value + " (line " + std::to_string(line) + ")");
        ASSERT_GT(line, 0) << "no line with key " << mu.key << " in the example";
        run_mutation(lines, line, mu, dir + "/m" + std::to_string(n++) + ".yaml");
    }
    std::error_code ec;
    fs::remove_all(dir, ec);
}

// Notifier URLs: an ntfy notifier added after the example's notifiers.
TEST(ConfigMutations, ANotifierUrlIsRefusedAtItsLineOrAccepted) {
    const auto base = example_lines();
    ASSERT_GT(base.size(), 100u);
    const std::string dir = make_temp_dir("bt-mutation-url");
    int n = 0;
    const std::vector<std::pair<std::string, bool>> urls{{"ntfy.example.org", false},
                                                         {"ftp://ntfy.example.org", false},
                                                         {"https://ntfy.example.org:99999", false},
                                                         {"https://:443", false},
                                                         {"\"https://ntfy example.org\"", false},
                                                         {"https://ntfy.example.org/x#y", false},
                                                         {"https://ntfy.example.org", true},
                                                         {"http://[::1]:8080/base", true}};
    for (const auto& [url, ok] : urls) {
        SCOPED_TRACE("ntfy url: " + url);
        auto lines = base;
        auto it = std::find(lines.begin(), lines.end(), "    type: log");
        ASSERT_NE(it, lines.end());
        const int line = static_cast<int>(it - lines.begin()) + 4;  // the url line below
        lines.insert(it + 1, {"  - name: push", "    type: ntfy", "    url: " + url,
                              "    topic: bedtime-alex"});
        Mutation mu{
            "url", url,
            ok ? Check([](const config::Config& c) { EXPECT_NE(c.find_notifier("push"), nullptr); })
               : refused};
        run_mutation(lines, line, mu, dir + "/m" + std::to_string(n++) + ".yaml");
    }
    std::error_code ec;
    fs::remove_all(dir, ec);
}

}  // namespace
}  // namespace bedtimed::test
