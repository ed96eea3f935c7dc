// The flood test's payloads (tests/integration/flood_test.cpp): malformed
// payloads of every category from a fixed seed, the special cases per topic,
// and the files mosquitto_pub reads them from.
//
// Threads: the test thread. Header-only; gtest assertions mark bad lines.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "daemon_harness.hpp"

namespace bedtimed::test::flood {

inline constexpr std::size_t kEpisodes = 40000, kSensors = 25000, kStates = 15000,
                             kCommands = 20000;
inline constexpr std::uint64_t kBigEpisodes = 2, kBigSensors = 1, kBigStates = 1, kBigCommands = 1;
// Commands go to every verb but pad_off and test_notify (whose empty or
// "PRESS" body is valid), plus unknown verbs; one file per topic.
inline const std::vector<std::string> kFloodVerbs = {
    "log", "edit", "confirm", "false_positive", "delete", "travel", "ack", "tier", "reboot", "x"};

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
        return valid.substr(0,
                            std::uniform_int_distribution<std::size_t>(1, valid.size() - 1)(rng_));
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
    std::size_t below(std::size_t n) {
        return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_);
    }

private:
    std::mt19937 rng_;
};

// Payloads in a cycle of categories; `special` are the kind-specific lists
// (wrong types, NaN/huge numbers, negative, future, invalid UTF-8). The deep
// ones (20-60 KB each) come once in 50 turns of their slot, random bytes the
// other 49, so the flood stays a few MB.
inline std::vector<std::string> make_payloads(
    Flood& f, std::size_t count, const std::string& valid,
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

inline void write_lines(const std::string& path, const std::vector<std::string>& lines) {
    std::ofstream out(path, std::ios::binary);
    for (const auto& l : lines) {
        ASSERT_EQ(l.find('\n'), std::string::npos);
        ASSERT_EQ(l.find('\0'), std::string::npos);
        ASSERT_FALSE(l.empty());
        out << l << '\n';
    }
}

// The special episodes: wrong types, NaN and huge numbers, negative durations, far timestamps,
// invalid UTF-8, in groups (one picked per group and round).
inline std::vector<std::vector<std::string>> episode_specials() {
    return {
        // wrong types
        {R"({"id":true,"duration_s":45})", R"({"id":"w","duration_s":"45"})",
         R"({"id":["w"],"duration_s":4})", R"({"id":"w","duration_s":4,"side":7})",
         R"({"id":"w","duration_s":4,"muscle":{}})",
         R"({"id":"w","duration_s":4,"severity":"high"})", R"({"id":"w","duration_s":4,"ts":true})",
         "[1,2,3]", R"("just a string")", "42", "null", R"({"id":"w"})", R"({"duration_s":4})",
         R"({"id":"","duration_s":4})"},
        // NaN and huge numbers
        {R"({"id":"n","duration_s":NaN})", R"({"id":"n","duration_s":1e400})",
         R"({"id":"n","duration_s":1e300})", R"({"id":1e30,"duration_s":4})",
         R"({"id":99999999999999999999,"duration_s":4})",
         R"({"id":"n","duration_s":4,"severity":1e308})", R"({"id":"n","duration_s":Infinity})",
         R"({"id":"n","duration_s":4,"ts":1e300})", R"({"id":"n","duration_s":-1e400})"},
        // negative durations
        {R"({"id":"neg","duration_s":-1})", R"({"id":"neg","duration_s":-0.001})",
         R"({"id":"neg","duration_s":-1e9})", R"({"id":"neg","duration_s":-45,"muscle":"calf"})"},
        // timestamps far in the future (and far in the past)
        {R"({"id":"t","duration_s":4,"ts":"2099-01-01T00:00:00Z"})",
         R"({"id":"t","duration_s":4,"ts":"9999-12-31T23:59:59Z"})",
         R"({"id":"t","duration_s":4,"ts":8000000000})",
         R"({"id":"t","duration_s":4,"ts":"2027-11-26T22:00:00+14:00"})",
         R"({"id":"t","duration_s":4,"ts":"1970-01-01T00:00:00Z"})",
         R"({"id":"t","duration_s":4,"ts":"2026-13-45T99:00:00Z"})"},
        // invalid UTF-8 (bare continuation, overlong, surrogate, truncated sequence, 0xFF)
        {"{\"id\":\"\xff\xfe\",\"duration_s\":4}",
         "{\"id\":\"u\",\"duration_s\":4,\"muscle\":\"\xc0\xaf\"}",
         "{\"id\":\"\xed\xa0\x80\",\"duration_s\":4}",
         "{\"id\":\"u\",\"duration_s\":4,\"side\":\"\xe2\x82\"}", "\x80\x80\x80",
         "{\"id\":\"u\xf8\x88\x80\x80\x80\",\"duration_s\":4}"},
    };
}

// The special sensor readings: wrong types, NaN and huge numbers, below and above the range,
// invalid UTF-8, in groups (one picked per group and round).
inline std::vector<std::vector<std::string>> sensor_specials() {
    return {
        {R"({"temperature":true})", R"({"temperature":[21]})", R"({"temperature":{"v":21}})",
         R"({"temperature":null})", R"({"humidity":40})", "[21.5]", R"("21.5")",
         R"({"temperature":"warm"})"},
        {R"({"temperature":NaN})", R"({"temperature":1e400})", R"({"temperature":1e300})",
         R"({"temperature":-1e400})", R"({"temperature":99999999999999999999})"},
        {R"({"temperature":-31})", R"({"temperature":-1e9})", R"({"temperature":-273.15})"},
        {R"({"temperature":61})", R"({"temperature":"21.5x"})"},
        {"{\"temperature\":\"\xff\"}", "{\"temperature\":21.5,\"note\":\"\xc0\xaf\"}",
         "\xfe\xfe\xfe"},
    };
}

// The special plug state reports: wrong types, NaN and huge numbers, invalid UTF-8, in groups (one
// picked per group and round).
inline std::vector<std::vector<std::string>> state_specials() {
    return {
        {R"({"state":1})", R"({"state":true})", R"({"state":["ON"]})", R"({"state":null})",
         R"({"state":{}})", R"("ON")", "[\"ON\"]", R"({"power":-40})", R"({"state":"MAYBE"})"},
        // (a power reading alone is a report; a negative or absurd one is not)
        {R"({"state":NaN})", R"({"state":1e400})", R"({"power":1e300})"},
        {"{\"state\":\"O\xff\"}", "\xc3\x28\xa0\xa1"},
    };
}

// The special commands: wrong types and unknown keys, NaN and huge numbers, negatives, far times,
// invalid UTF-8, in groups (one picked per group and round).
inline std::vector<std::vector<std::string>> command_specials() {
    return {
        {R"({"severity":"x"})", R"({"swelling":"yes"})", R"({"duration_s":"90"})",
         R"({"colour":"red"})", R"({"request_id":"a/#"})", "[1]", R"("log")", "42",
         R"({"sleeper":7})"},
        {R"({"duration_s":NaN})", R"({"duration_s":1e400})", R"({"severity":1e308})",
         R"({"duration_s":1e300})"},
        {R"({"duration_s":-5})", R"({"severity":-1})", R"({"duration_s":-1e9})"},
        {R"({"start":"2099-01-01T00:00:00Z"})", R"({"start":"9999-12-31T23:59:59Z"})"},
        {"{\"notes\":\"\xff\xfe\"}", "{\"muscle\":\"\xed\xa0\x80\"}"},
    };
}

// Writes the flood's payload files into `dir`: per topic one line per
// message, mostly mutations of a valid payload plus the special cases, and
// three 2 MiB payloads.
inline void write_flood_payloads(const std::string& dir) {
    Flood f(20261126);
    const std::string valid_episode =
        R"({"id":"ok-1","ts":"2026-11-26T02:14:00Z","duration_s":45,"muscle":"calf","side":"left","severity":6})";
    const std::string valid_sensor = R"({"temperature":21.5,"humidity":40})";
    const std::string valid_state = R"({"state":"OFF","power":0,"linkquality":120})";
    const std::string valid_command =
        R"({"sleeper":"alex","start":"2026-11-26T21:30:00Z","duration_s":90,"muscle":"calf","side":"left"})";

    const auto episodes = make_payloads(f, kEpisodes, valid_episode, episode_specials());
    const auto sensors = make_payloads(f, kSensors, valid_sensor, sensor_specials());
    const auto states = make_payloads(f, kStates, valid_state, state_specials());
    const auto commands = make_payloads(f, kCommands, valid_command, command_specials());
    write_lines(dir + "/episodes.txt", episodes);
    write_lines(dir + "/sensors.txt", sensors);
    write_lines(dir + "/states.txt", states);
    ASSERT_FALSE(::testing::Test::HasFailure());

    std::vector<std::vector<std::string>> per_verb(kFloodVerbs.size());
    for (std::size_t i = 0; i < commands.size(); ++i)
        per_verb[i % kFloodVerbs.size()].push_back(commands[i]);
    for (std::size_t v = 0; v < kFloodVerbs.size(); ++v)
        write_lines(dir + "/cmd-" + kFloodVerbs[v] + ".txt", per_verb[v]);

    // 2 MiB: a valid episode padded past max_payload_bytes (it must be refused
    // whole, not stored), random-ish text, and a command with a huge note.
    const std::string two_mib(2 << 20, 'x');
    write_file(dir + "/big-episode.json",
               R"({"id":"big-1","duration_s":45,"pad":")" + two_mib + "\"}");
    write_file(dir + "/big-garbage.txt", two_mib + "\xff{[");
    write_file(dir + "/big-command.json", R"({"notes":")" + two_mib + "\"}");
    ASSERT_FALSE(::testing::Test::HasFailure());
}

}  // namespace bedtimed::test::flood
