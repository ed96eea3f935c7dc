// Untrusted payload parsing against the corpora in tests/payloads (format and
// specs are documented at the top of each file): every line gets its verdict.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "ingest.hpp"
#include "payload_specs.hpp"

using bedtimed::Episode;
using bedtimed::Rejection;
using bedtimed::Value;
using bedtimed::WallTime;
using bedtimed::test::band_spec;
using namespace std::chrono_literals;

namespace {

const std::string kTestData = BEDTIMED_TEST_DATA;

// 2026-11-26T22:00:00Z, the "now" the corpora are written against.
const WallTime kNow = WallTime(std::chrono::seconds(1795730400));

struct CorpusLine {
    int number = 0;
    std::string verdict;  // "ok" or "reject"
    std::string spec;
    std::string expectation;  // CHECKS / VALUE for ok, REASON for reject
    std::string payload;
};

// "\xNN" becomes the byte 0xNN; every other backslash stays, so JSON escapes survive.
std::string unescape(const std::string& s) {
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] == 'x' && hex(s[i + 2]) >= 0 &&
            hex(s[i + 3]) >= 0) {
            out += static_cast<char>(hex(s[i + 2]) * 16 + hex(s[i + 3]));
            i += 3;
        } else {
            out += s[i];
        }
    }
    return out;
}

std::vector<CorpusLine> read_corpus(const std::string& name) {
    std::ifstream in(kTestData + "/payloads/" + name);
    EXPECT_TRUE(in) << "cannot open " << name;
    std::vector<CorpusLine> out;
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
        ++number;
        if (line.empty() || line[0] == '#') continue;
        // Exactly four fields; the payload is everything after the third TAB, so
        // a payload may itself contain TABs.
        std::vector<std::string> f;
        std::size_t start = 0;
        for (int k = 0; k < 3; ++k) {
            const std::size_t tab = line.find('\t', start);
            if (tab == std::string::npos) break;
            f.push_back(line.substr(start, tab - start));
            start = tab + 1;
        }
        if (f.size() != 3 || (f[0] != "ok" && f[0] != "reject")) {
            ADD_FAILURE() << name << ":" << number << ": malformed corpus line";
            continue;
        }
        out.push_back(CorpusLine{number, f[0], f[1], f[2], unescape(line.substr(start))});
    }
    return out;
}

std::map<std::string, bedtimed::config::WearableSpec> wearable_specs() {
    std::map<std::string, bedtimed::config::WearableSpec> specs;
    specs["band"] = band_spec();

    auto ms = band_spec();
    ms.name = "band_ms";
    ms.fields.start = "t";
    ms.fields.duration = "len";
    ms.start_epoch_unit = bedtimed::config::TimeUnit::milliseconds;
    ms.duration_scale = 0.001;
    specs["band_ms"] = ms;

    auto ns = band_spec();
    ns.name = "band_ns";
    ns.start_epoch_unit = bedtimed::config::TimeUnit::nanoseconds;
    specs["band_ns"] = ns;

    bedtimed::config::WearableSpec nostart;
    nostart.name = "nostart";
    nostart.topic = "wearables/nostart";
    specs["nostart"] = nostart;  // the EpisodeMapping defaults: id, duration_s, nothing else

    auto nested = band_spec();
    nested.name = "nested";
    nested.fields = {};
    nested.fields.id = "meta.id";
    nested.fields.duration = "data.0.seconds";
    nested.fields.start = "meta.when";
    specs["nested"] = nested;
    return specs;
}

std::map<std::string, bedtimed::config::SensorSpec> sensor_specs() {
    using bedtimed::config::SensorType;
    std::map<std::string, bedtimed::config::SensorSpec> specs;
    bedtimed::config::SensorSpec temp;
    temp.name = "temp";
    temp.json_path = "temperature";
    temp.type = SensorType::number;
    temp.min = -30;
    temp.max = 60;
    specs["temp"] = temp;

    bedtimed::config::SensorSpec raw;
    raw.name = "raw_num";
    raw.type = SensorType::number;
    specs["raw_num"] = raw;

    bedtimed::config::SensorSpec bed;
    bed.name = "bed";
    bed.type = SensorType::boolean;
    specs["bed"] = bed;

    auto bed_json = bed;
    bed_json.name = "bed_json";
    bed_json.json_path = "occupancy";
    specs["bed_json"] = bed_json;

    bedtimed::config::SensorSpec mode;
    mode.name = "mode";
    mode.type = SensorType::enumeration;
    mode.options = {"day", "evening", "night"};
    specs["mode"] = mode;

    bedtimed::config::SensorSpec nested;
    nested.name = "nested";
    nested.json_path = "readings.1.value";
    specs["nested"] = nested;
    return specs;
}

std::string describe(const Value& v) {
    if (std::holds_alternative<std::monostate>(v)) return "none";
    if (auto* s = std::get_if<std::string>(&v)) return "s:" + *s;
    if (auto* i = std::get_if<std::int64_t>(&v)) return "i:" + std::to_string(*i);
    if (auto* d = std::get_if<double>(&v)) return "n:" + bedtimed::to_text(*d);
    return std::string("b:") + (std::get<bool>(v) ? "true" : "false");
}

// Compares one CHECKS key=value against the parsed episode.
void check_episode_field(const Episode& e, const std::string& key, const std::string& want) {
    if (key == "id") {
        EXPECT_EQ(describe(e.id), want);
        EXPECT_EQ(e.id_text, want.substr(2));
    } else if (key == "start") {
        EXPECT_EQ(bedtimed::format_iso8601(e.start), want);
    } else if (key == "dur") {
        EXPECT_DOUBLE_EQ(e.duration_s, std::stod(want));
    } else if (key == "sev") {
        if (want == "none") EXPECT_FALSE(e.severity);
        else EXPECT_EQ(e.severity, std::stod(want));
    } else if (key == "side") {
        EXPECT_EQ(e.side, want == "none" ? "" : want);
    } else if (key == "muscle") {
        EXPECT_EQ(e.muscle, want == "none" ? "" : want);
    } else {
        ADD_FAILURE() << "unknown check '" << key << "'";
    }
}

}  // namespace

TEST(EpisodeCorpus, EveryLineGetsItsVerdict) {
    const auto specs = wearable_specs();
    const auto lines = read_corpus("episodes.txt");
    int ok = 0, rejected = 0;
    for (const CorpusLine& c : lines) {
        SCOPED_TRACE("episodes.txt:" + std::to_string(c.number));
        auto spec = specs.find(c.spec);
        ASSERT_NE(spec, specs.end()) << "unknown spec " << c.spec;
        const auto result =
            bedtimed::parse_episode(spec->second, "wearables/left/episode", c.payload, kNow);
        if (c.verdict == "ok") {
            ++ok;
            const auto* e = std::get_if<Episode>(&result);
            if (!e) {
                ADD_FAILURE() << "rejected: " << std::get<Rejection>(result).reason;
                continue;
            }
            EXPECT_EQ(e->source, spec->second.name);
            EXPECT_EQ(e->topic, "wearables/left/episode");
            EXPECT_EQ(e->received, kNow);
            if (c.expectation == "-") continue;
            std::istringstream checks(c.expectation);
            std::string check;
            while (checks >> check) {
                const auto eq = check.find('=');
                ASSERT_NE(eq, std::string::npos) << check;
                check_episode_field(*e, check.substr(0, eq), check.substr(eq + 1));
            }
        } else {
            ++rejected;
            const auto* r = std::get_if<Rejection>(&result);
            if (!r) {
                ADD_FAILURE() << "accepted, expected: " << c.expectation;
                continue;
            }
            EXPECT_NE(r->reason.find(c.expectation), std::string::npos)
                << "reason: " << r->reason << "\nwanted: " << c.expectation;
        }
    }
    EXPECT_GE(ok, 15);
    EXPECT_GE(rejected, 15);
    EXPECT_GE(ok + rejected, 30);
}

TEST(SensorCorpus, EveryLineGetsItsVerdict) {
    const auto specs = sensor_specs();
    const auto lines = read_corpus("sensors.txt");
    int ok = 0, rejected = 0;
    for (const CorpusLine& c : lines) {
        SCOPED_TRACE("sensors.txt:" + std::to_string(c.number));
        auto spec = specs.find(c.spec);
        ASSERT_NE(spec, specs.end()) << "unknown spec " << c.spec;
        const auto result = bedtimed::parse_sensor_value(spec->second, c.payload);
        if (c.verdict == "ok") {
            ++ok;
            if (const auto* r = std::get_if<Rejection>(&result)) {
                ADD_FAILURE() << "rejected: " << r->reason;
                continue;
            }
            EXPECT_EQ(describe(std::get<Value>(result)), c.expectation);
        } else {
            ++rejected;
            const auto* r = std::get_if<Rejection>(&result);
            if (!r) {
                ADD_FAILURE() << "accepted as " << describe(std::get<Value>(result));
                continue;
            }
            EXPECT_NE(r->reason.find(c.expectation), std::string::npos)
                << "reason: " << r->reason << "\nwanted: " << c.expectation;
        }
    }
    EXPECT_GE(ok, 10);
    EXPECT_GE(rejected, 10);
    EXPECT_GE(ok + rejected, 20);
}
