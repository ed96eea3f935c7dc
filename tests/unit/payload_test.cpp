// Untrusted payload parsing: the corpora in tests/payloads (format and specs are
// documented at the top of each file) plus a few field-by-field checks.
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

using bedtimed::Episode;
using bedtimed::Rejection;
using bedtimed::Value;
using bedtimed::WallTime;
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

bedtimed::config::WearableSpec band_spec() {
    bedtimed::config::WearableSpec w;
    w.name = "band";
    w.topic = "wearables/left/episode";
    w.fields.id = "id";
    w.fields.start = "ts";
    w.fields.duration = "duration_s";
    w.fields.muscle = "muscle";
    w.fields.side = "side";
    w.fields.severity = "severity";
    w.start_epoch_unit = bedtimed::config::TimeUnit::seconds;
    w.duration_scale = 1;
    w.max_duration_s = 3600;
    w.severity_min = 0;
    w.severity_max = 10;
    return w;
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

std::variant<Episode, Rejection> parse(const std::string& json,
                                       const bedtimed::config::WearableSpec& spec = band_spec()) {
    return bedtimed::parse_episode(spec, "wearables/left/episode", json, kNow);
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

TEST(ParseEpisode, StringIdAndAllFields) {
    const auto r = parse(R"({"id":"e-1042","ts":"2026-11-26T02:14:00.250Z","duration_s":45,)"
                         R"("muscle":"calf","side":"left","severity":6})");
    ASSERT_TRUE(std::holds_alternative<Episode>(r)) << std::get<Rejection>(r).reason;
    const Episode& e = std::get<Episode>(r);
    ASSERT_TRUE(std::holds_alternative<std::string>(e.id));
    EXPECT_EQ(std::get<std::string>(e.id), "e-1042");
    EXPECT_EQ(e.id_text, "e-1042");
    // Sub-second precision survives parsing even though format_iso8601 drops it.
    EXPECT_EQ(e.start, WallTime(std::chrono::seconds(1795659240) + 250ms));
    EXPECT_EQ(e.duration_s, 45.0);
    EXPECT_EQ(e.muscle, "calf");
    EXPECT_EQ(e.side, "left");
    ASSERT_TRUE(e.severity);
    EXPECT_EQ(*e.severity, 6.0);
}

TEST(ParseEpisode, IntegerIdStaysAnInteger) {
    const auto r = parse(R"({"id":1042,"duration_s":3})");
    ASSERT_TRUE(std::holds_alternative<Episode>(r));
    const Episode& e = std::get<Episode>(r);
    ASSERT_TRUE(std::holds_alternative<std::int64_t>(e.id));
    EXPECT_EQ(std::get<std::int64_t>(e.id), 1042);
    EXPECT_EQ(e.id_text, "1042");
    EXPECT_EQ(e.start, kNow);  // no `ts`: arrival time
    EXPECT_FALSE(e.severity);
}

TEST(ParseEpisode, EpochUnitsAgree) {
    const WallTime expected(std::chrono::seconds(1795659240) + 500ms);
    auto spec = band_spec();
    const auto s = parse(R"({"id":"a","ts":1795659240.5,"duration_s":1})", spec);
    spec.start_epoch_unit = bedtimed::config::TimeUnit::milliseconds;
    const auto ms = parse(R"({"id":"a","ts":1795659240500,"duration_s":1})", spec);
    spec.start_epoch_unit = bedtimed::config::TimeUnit::nanoseconds;
    const auto ns = parse(R"({"id":"a","ts":1795659240500000000,"duration_s":1})", spec);
    for (const auto* r : {&s, &ms, &ns}) {
        ASSERT_TRUE(std::holds_alternative<Episode>(*r)) << std::get<Rejection>(*r).reason;
        // Doubles carry ~15 digits, so ns epochs land within a microsecond.
        const auto diff = std::get<Episode>(*r).start - expected;
        EXPECT_LT(std::chrono::abs(diff), 1us);
    }
}

TEST(ParseEpisode, DurationScaleAndLimitUseSeconds) {
    auto spec = band_spec();
    spec.duration_scale = 60;  // minutes
    spec.max_duration_s = 600;
    const auto ok = parse(R"({"id":"a","duration_s":2.5})", spec);
    ASSERT_TRUE(std::holds_alternative<Episode>(ok));
    EXPECT_EQ(std::get<Episode>(ok).duration_s, 150.0);
    const auto too_long = parse(R"({"id":"a","duration_s":11})", spec);
    ASSERT_TRUE(std::holds_alternative<Rejection>(too_long));
    EXPECT_EQ(std::get<Rejection>(too_long).reason, "duration 660s exceeds the maximum of 600s");
}

TEST(ParseEpisode, FutureSkewAndMaxAgeAreConfigurable) {
    auto spec = band_spec();
    spec.max_future_skew = 0s;
    spec.max_age = std::chrono::hours(1);
    EXPECT_TRUE(std::holds_alternative<Episode>(
        parse(R"({"id":"a","ts":"2026-11-26T22:00:00Z","duration_s":1})", spec)));
    EXPECT_TRUE(std::holds_alternative<Rejection>(
        parse(R"({"id":"a","ts":"2026-11-26T22:00:01Z","duration_s":1})", spec)));
    EXPECT_TRUE(std::holds_alternative<Episode>(
        parse(R"({"id":"a","ts":"2026-11-26T21:00:00Z","duration_s":1})", spec)));
    EXPECT_TRUE(std::holds_alternative<Rejection>(
        parse(R"({"id":"a","ts":"2026-11-26T20:59:59Z","duration_s":1})", spec)));
}

TEST(ParseEpisode, SeverityRangeFollowsTheSpec) {
    auto spec = band_spec();
    spec.severity_min = 1;
    spec.severity_max = 5;
    EXPECT_TRUE(std::holds_alternative<Episode>(
        parse(R"({"id":"a","duration_s":1,"severity":5})", spec)));
    const auto r = parse(R"({"id":"a","duration_s":1,"severity":0})", spec);
    ASSERT_TRUE(std::holds_alternative<Rejection>(r));
    EXPECT_EQ(std::get<Rejection>(r).reason, "severity is outside 1..5");
}

TEST(EpisodeField, ValuesForConditionsAndTemplates) {
    Episode e;
    e.source = "left_band";
    e.topic = "wearables/left/episode";
    e.id = std::int64_t{7};
    e.start = WallTime(std::chrono::seconds(1795659240) + 999ms);
    e.duration_s = 12;
    EXPECT_EQ(bedtimed::episode_field(e, "id"), Value(std::int64_t{7}));
    EXPECT_EQ(bedtimed::episode_field(e, "source"), Value(std::string("left_band")));
    EXPECT_EQ(bedtimed::episode_field(e, "topic"), Value(std::string("wearables/left/episode")));
    EXPECT_EQ(bedtimed::episode_field(e, "start"), Value(std::string("2026-11-26T02:14:00Z")));
    // Whole durations are integers so templates print `12`, not `12.0`.
    EXPECT_EQ(bedtimed::episode_field(e, "duration_s"), Value(std::int64_t{12}));
    e.duration_s = 12.5;
    EXPECT_EQ(bedtimed::episode_field(e, "duration_s"), Value(12.5));
    // Unset optional fields are missing (null in JSON), not empty strings.
    EXPECT_EQ(bedtimed::episode_field(e, "muscle"), Value());
    EXPECT_EQ(bedtimed::episode_field(e, "side"), Value());
    EXPECT_EQ(bedtimed::episode_field(e, "severity"), Value());
    e.severity = 3;
    e.side = "left";
    EXPECT_EQ(bedtimed::episode_field(e, "severity"), Value(3.0));
    EXPECT_EQ(bedtimed::episode_field(e, "side"), Value(std::string("left")));
    EXPECT_EQ(bedtimed::episode_field(e, "bogus"), Value());
}

TEST(ParseSensor, NumberIsADouble) {
    bedtimed::config::SensorSpec spec;
    spec.name = "steps";
    const auto r = bedtimed::parse_sensor_value(spec, "15000");
    ASSERT_TRUE(std::holds_alternative<Value>(r));
    const Value& v = std::get<Value>(r);
    ASSERT_TRUE(std::holds_alternative<double>(v));
    EXPECT_EQ(std::get<double>(v), 15000.0);
}

TEST(ParseSensor, CustomTrueAndFalseValues) {
    bedtimed::config::SensorSpec spec;
    spec.name = "door";
    spec.type = bedtimed::config::SensorType::boolean;
    spec.true_values = {"OPEN"};
    spec.false_values = {"CLOSED"};
    EXPECT_EQ(std::get<Value>(bedtimed::parse_sensor_value(spec, "OPEN")), Value(true));
    EXPECT_EQ(std::get<Value>(bedtimed::parse_sensor_value(spec, "CLOSED")), Value(false));
    // The defaults no longer apply once replaced.
    EXPECT_TRUE(std::holds_alternative<Rejection>(bedtimed::parse_sensor_value(spec, "on")));
    // A JSON boolean is always a boolean.
    EXPECT_EQ(std::get<Value>(bedtimed::parse_sensor_value(spec, "true")), Value(true));
}

TEST(ParseSensor, LongRejectedTextIsTruncatedInTheReason) {
    bedtimed::config::SensorSpec spec;
    spec.name = "mode";
    spec.type = bedtimed::config::SensorType::enumeration;
    spec.options = {"a"};
    const auto r = bedtimed::parse_sensor_value(spec, std::string(1000, 'z'));
    ASSERT_TRUE(std::holds_alternative<Rejection>(r));
    // Reasons go to the log; a hostile payload must not flood it.
    EXPECT_LT(std::get<Rejection>(r).reason.size(), 100u);
}
