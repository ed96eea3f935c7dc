// Untrusted payload parsing field by field: an episode's id, start, duration
// and severity against its wearable's spec, the fields conditions and
// templates read, and sensor values.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <variant>

#include "ingest.hpp"
#include "payload_specs.hpp"

using bedtimed::Episode;
using bedtimed::Rejection;
using bedtimed::Value;
using bedtimed::WallTime;
using bedtimed::test::band_spec;
using namespace std::chrono_literals;

namespace {

// 2026-11-26T22:00:00Z, the "now" of these payloads.
const WallTime kNow = WallTime(std::chrono::seconds(1795730400));

std::variant<Episode, Rejection> parse(const std::string& json,
                                       const bedtimed::config::WearableSpec& spec = band_spec()) {
    return bedtimed::parse_episode(spec, "wearables/left/episode", json, kNow);
}

}  // namespace

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
    EXPECT_TRUE(
        std::holds_alternative<Episode>(parse(R"({"id":"a","duration_s":1,"severity":5})", spec)));
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
