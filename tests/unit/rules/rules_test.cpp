// decide(): which publishes a trigger calls for. The config is written in YAML
// and loaded by the real loader, so these tests also pin down how conditions and
// templates written by users behave end to end.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "loader.hpp"
#include "rules.hpp"

using bedtimed::Decision;
using bedtimed::Episode;
using bedtimed::SensorReading;
using bedtimed::SensorTable;
using bedtimed::SteadyTime;
using bedtimed::Trigger;
using bedtimed::Value;
using bedtimed::WallTime;
using namespace std::chrono_literals;

namespace {

const char* const kConfig = R"(
sensors:
  - name: bedroom_temp
    topic: zigbee2mqtt/bedroom_sensor
    json: temperature
    stale_after: 30m
  - name: bed_occupied
    topic: bedroom/bed/occupied
    type: bool
    stale_after: 12h
  - name: room_mode
    topic: home/bedroom/mode
    type: enum
    options: [day, night, "odd+"]
  - name: steps_today
    topic: home/activity/steps
wearables:
  - name: left_band
    topic: wearables/left/episode
  - name: right_band
    topic: wearables/right/episode
rules:
  - name: long_cramp_left
    on: {episode: left_band}
    when: ["episode.duration_s >= 10"]
    do:
      - publish:
          topic: bedtimed/notify/left
          payload: >-
            {"id":{{episode.id | json}},"duration_s":{{episode.duration_s}},
            "muscle":{{episode.muscle | json}}}
          qos: 1
  - name: any_cramp_log
    on: {episode: any}
    do:
      - publish:
          topic: bedtimed/log/{{episode.source}}
          payload: >-
            {{episode.id}} {{trigger.topic}} q{{trigger.qos}} t={{sensor.bedroom_temp | json}}
          qos: inherit
  - name: cold_cramp
    on: {episode: any}
    when: ["sensor.bedroom_temp < 17"]
    do:
      - publish: {topic: bedtimed/cold, payload: 'cold {{sensor.bedroom_temp}}', qos: 0}
  - name: calf_on_the_right
    on: {episode: right_band}
    when: ["episode.muscle == 'calf'", "episode.side != \"left\""]
    do:
      - publish: {topic: bedtimed/right/calf, payload: calf}
  - name: night_in_bed
    on: {sensor: bed_occupied}
    when: ["sensor.bed_occupied == true", "sensor.room_mode == 'night'"]
    do:
      - publish:
          topic: bedtimed/night
          payload: '{"mode":{{sensor.room_mode | json}}}'
          qos: 2
          retain: true
      - publish: {topic: bedtimed/night/count, payload: '{{sensor.steps_today}}', qos: 0}
  - name: out_of_bed
    on: {sensor: bed_occupied}
    when: ["sensor.bed_occupied != true"]
    do:
      - publish: {topic: bedtimed/out, payload: out}
  - name: mode_topic
    on: {sensor: room_mode}
    do:
      - publish: {topic: 'bedtimed/mode/{{sensor.room_mode}}', payload: x}
      - publish: {topic: bedtimed/mode, payload: '{{sensor.room_mode}}'}
  - name: active_day
    on: {sensor: steps_today}
    when: ["sensor.steps_today >= 15000"]
    do:
      - publish: {topic: bedtimed/stretch, payload: '{{sensor.steps_today}} steps'}
)";

class RulesTest : public ::testing::Test {
protected:
    RulesTest() : cfg_(bedtimed::config::parse_config(kConfig, "rules.yaml")) {}

    Episode episode(const std::string& source, double duration_s, Value id = std::string("e-1")) {
        Episode e;
        e.source = source;
        e.topic = "wearables/" + std::string(source == "left_band" ? "left" : "right") + "/episode";
        e.id = id;
        e.id_text = bedtimed::to_text(id);
        e.start = WallTime(std::chrono::seconds(1795659240));
        e.received = e.start;
        e.duration_s = duration_s;
        return e;
    }

    Decision on_episode(const Episode& e, int qos = 1) {
        Trigger t;
        t.episode = &e;
        t.topic = e.topic;
        t.qos = qos;
        return bedtimed::decide(cfg_, t, sensors_, now_);
    }

    Decision on_sensor(const std::string& name, int qos = 0) {
        Trigger t;
        t.sensor = name;
        t.topic = cfg_.find_sensor(name)->topic;
        t.qos = qos;
        return bedtimed::decide(cfg_, t, sensors_, now_);
    }

    // A reading that arrived `age` before now.
    void set(const std::string& name, Value v, bedtimed::Duration age = 0s) {
        sensors_[name] = SensorReading{std::move(v), WallTime(), now_ - age};
    }

    static bool fired(const Decision& d, const std::string& rule) {
        return std::find(d.rules_fired.begin(), d.rules_fired.end(), rule) != d.rules_fired.end();
    }

    static const bedtimed::PlannedPublish* publish_to(const Decision& d, const std::string& topic) {
        for (const auto& p : d.publishes)
            if (p.topic == topic) return &p;
        return nullptr;
    }

    bedtimed::config::Config cfg_;
    SensorTable sensors_;
    SteadyTime now_ = SteadyTime(24h);
};

}  // namespace

TEST_F(RulesTest, ConfigLoadsCleanly) {
    EXPECT_TRUE(cfg_.warnings.empty());
    EXPECT_EQ(cfg_.rules.size(), 8u);
}

TEST_F(RulesTest, DurationThresholdDecidesWhetherTheCrampRuleFires) {
    const Episode long_one = episode("left_band", 10);
    const Decision d = on_episode(long_one);
    EXPECT_TRUE(fired(d, "long_cramp_left"));
    EXPECT_TRUE(fired(d, "any_cramp_log"));
    EXPECT_NE(publish_to(d, "bedtimed/notify/left"), nullptr);

    const Episode short_one = episode("left_band", 5);
    const Decision d2 = on_episode(short_one);
    EXPECT_FALSE(fired(d2, "long_cramp_left"));
    EXPECT_EQ(publish_to(d2, "bedtimed/notify/left"), nullptr);
    EXPECT_TRUE(fired(d2, "any_cramp_log"));  // no condition: every episode

    const Episode just_under = episode("left_band", 9.999);
    EXPECT_FALSE(fired(on_episode(just_under), "long_cramp_left"));
}

TEST_F(RulesTest, WearableSpecificRulesIgnoreOtherWearables) {
    const Episode right = episode("right_band", 45);
    const Decision d = on_episode(right);
    EXPECT_FALSE(fired(d, "long_cramp_left"));
    EXPECT_TRUE(fired(d, "any_cramp_log"));
    const auto* log = publish_to(d, "bedtimed/log/right_band");
    ASSERT_NE(log, nullptr);
    EXPECT_EQ(log->rule, "any_cramp_log");
}

TEST_F(RulesTest, RenderedPayloadContent) {
    Episode e = episode("left_band", 12, std::string("e-\"1042\""));
    e.muscle = "calf";
    const Decision d = on_episode(e);
    const auto* p = publish_to(d, "bedtimed/notify/left");
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->payload, R"({"id":"e-\"1042\"","duration_s":12, "muscle":"calf"})");
    const auto j = nlohmann::json::parse(p->payload);
    EXPECT_EQ(j["id"], "e-\"1042\"");
    EXPECT_EQ(j["duration_s"], 12);
    EXPECT_FALSE(p->retain);

    // A missing muscle becomes JSON null; a fractional duration stays fractional;
    // an integer id stays a JSON number.
    const Episode bare = episode("left_band", 12.5, std::int64_t{77});
    const Decision d2 = on_episode(bare);
    const auto* p2 = publish_to(d2, "bedtimed/notify/left");
    ASSERT_NE(p2, nullptr);
    EXPECT_EQ(p2->payload, R"({"id":77,"duration_s":12.5, "muscle":null})");
}

TEST_F(RulesTest, QosIsInheritedOrFixed) {
    const Episode e = episode("left_band", 30);
    for (int qos : {0, 1, 2}) {
        const Decision d = on_episode(e, qos);
        const auto* inherit = publish_to(d, "bedtimed/log/left_band");
        const auto* fixed = publish_to(d, "bedtimed/notify/left");
        ASSERT_NE(inherit, nullptr);
        ASSERT_NE(fixed, nullptr);
        EXPECT_EQ(inherit->qos, qos);
        EXPECT_EQ(fixed->qos, 1);
    }
}

TEST_F(RulesTest, TriggerFieldsAndMissingSensorsInTemplates) {
    const Episode e = episode("left_band", 3, std::int64_t{9});
    const Decision d = on_episode(e, 2);
    const auto* p = publish_to(d, "bedtimed/log/left_band");
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->payload, "9 wearables/left/episode q2 t=null");
    set("bedroom_temp", 18.5);
    const Decision d2 = on_episode(e, 2);
    const auto* p2 = publish_to(d2, "bedtimed/log/left_band");
    ASSERT_NE(p2, nullptr);
    EXPECT_EQ(p2->payload, "9 wearables/left/episode q2 t=18.5");
}

TEST_F(RulesTest, FreshSensorConditionLetsTheRuleFire) {
    set("bedroom_temp", 16.0, 29min);
    const Episode e = episode("right_band", 3);
    const Decision d = on_episode(e);
    EXPECT_TRUE(fired(d, "cold_cramp"));
    EXPECT_TRUE(d.stale_notes.empty());
    const auto* p = publish_to(d, "bedtimed/cold");
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->payload, "cold 16");
    EXPECT_EQ(p->qos, 0);
}

TEST_F(RulesTest, StaleSensorBlocksTheRuleAndLeavesANote) {
    set("bedroom_temp", 16.0, 31min);
    const Episode e = episode("right_band", 3);
    const Decision d = on_episode(e);
    EXPECT_FALSE(fired(d, "cold_cramp"));
    EXPECT_EQ(publish_to(d, "bedtimed/cold"), nullptr);
    ASSERT_EQ(d.stale_notes.size(), 1u);
    EXPECT_EQ(d.stale_notes[0],
              "rule 'cold_cramp': sensor 'bedroom_temp' is stale (last reading 1860s ago)");
    // Other rules are unaffected.
    EXPECT_TRUE(fired(d, "any_cramp_log"));
}

TEST_F(RulesTest, MissingSensorReadingBlocksTheRuleAndLeavesANote) {
    const Episode e = episode("right_band", 3);
    const Decision d = on_episode(e);
    EXPECT_FALSE(fired(d, "cold_cramp"));
    ASSERT_EQ(d.stale_notes.size(), 1u);
    EXPECT_EQ(d.stale_notes[0], "rule 'cold_cramp': sensor 'bedroom_temp' has no reading yet");
}

TEST_F(RulesTest, ConditionFalseIsNotStale) {
    set("bedroom_temp", 21.0);
    const Episode e = episode("right_band", 3);
    const Decision d = on_episode(e);
    EXPECT_FALSE(fired(d, "cold_cramp"));
    EXPECT_TRUE(d.stale_notes.empty());
}

TEST_F(RulesTest, StringEqualityAndInequality) {
    Episode e = episode("right_band", 3);
    e.muscle = "calf";
    EXPECT_TRUE(fired(on_episode(e), "calf_on_the_right"));
    e.side = "right";
    EXPECT_TRUE(fired(on_episode(e), "calf_on_the_right"));
    e.side = "left";
    EXPECT_FALSE(fired(on_episode(e), "calf_on_the_right"));
    e.side = "";
    e.muscle = "Calf";  // case-sensitive
    EXPECT_FALSE(fired(on_episode(e), "calf_on_the_right"));
    e.muscle = "";  // missing never equals a string
    EXPECT_FALSE(fired(on_episode(e), "calf_on_the_right"));
}

TEST_F(RulesTest, SensorTriggeredRuleWithBoolAndEnumConditions) {
    set("bed_occupied", true);
    set("room_mode", std::string("night"), 2h);  // no stale_after: never stale
    set("steps_today", 12345.0);
    const Decision d = on_sensor("bed_occupied", 1);
    EXPECT_TRUE(fired(d, "night_in_bed"));
    EXPECT_FALSE(fired(d, "out_of_bed"));
    EXPECT_FALSE(fired(d, "long_cramp_left"));  // episode rules never see sensor triggers
    EXPECT_FALSE(fired(d, "any_cramp_log"));
    ASSERT_EQ(d.publishes.size(), 2u);
    EXPECT_EQ(d.publishes[0].topic, "bedtimed/night");
    EXPECT_EQ(d.publishes[0].payload, R"({"mode":"night"})");
    EXPECT_EQ(d.publishes[0].qos, 2);
    EXPECT_TRUE(d.publishes[0].retain);
    EXPECT_EQ(d.publishes[1].payload, "12345");
    EXPECT_EQ(d.publishes[1].qos, 0);
}

TEST_F(RulesTest, BoolConditionComparesBooleans) {
    set("room_mode", std::string("night"));
    set("bed_occupied", false);
    Decision d = on_sensor("bed_occupied");
    EXPECT_FALSE(fired(d, "night_in_bed"));
    EXPECT_TRUE(fired(d, "out_of_bed"));
    // A string "true" is not the boolean true.
    set("bed_occupied", std::string("true"));
    d = on_sensor("bed_occupied");
    EXPECT_FALSE(fired(d, "night_in_bed"));
    EXPECT_TRUE(fired(d, "out_of_bed"));
}

TEST_F(RulesTest, EnumMismatchDoesNotFire) {
    set("bed_occupied", true);
    set("room_mode", std::string("day"));
    const Decision d = on_sensor("bed_occupied");
    EXPECT_FALSE(fired(d, "night_in_bed"));
    EXPECT_TRUE(d.publishes.empty());
}

TEST_F(RulesTest, StaleBoolSensorOnItsOwnTrigger) {
    // A 13-hour-old reading is stale even if this trigger names the sensor.
    set("bed_occupied", true, 13h);
    set("room_mode", std::string("night"));
    const Decision d = on_sensor("bed_occupied");
    EXPECT_FALSE(fired(d, "night_in_bed"));
    ASSERT_FALSE(d.stale_notes.empty());
    EXPECT_NE(d.stale_notes[0].find("sensor 'bed_occupied' is stale"), std::string::npos);
}

TEST_F(RulesTest, OnlyRulesForTheTriggeringSensorRun) {
    set("steps_today", 20000.0);
    set("bed_occupied", true);
    set("room_mode", std::string("night"));
    const Decision d = on_sensor("steps_today");
    EXPECT_EQ(d.rules_fired, (std::vector<std::string>{"active_day"}));
    ASSERT_EQ(d.publishes.size(), 1u);
    EXPECT_EQ(d.publishes[0].payload, "20000 steps");
    EXPECT_EQ(d.publishes[0].qos, 1);  // the default when the action has no qos
    set("steps_today", 14999.0);
    EXPECT_TRUE(on_sensor("steps_today").rules_fired.empty());
}

TEST_F(RulesTest, UnpublishableRenderedTopicIsSkippedAndReported) {
    set("room_mode", std::string("odd+"));
    const Decision d = on_sensor("room_mode");
    EXPECT_TRUE(fired(d, "mode_topic"));
    ASSERT_EQ(d.bad_topics.size(), 1u);
    EXPECT_NE(d.bad_topics[0].find("'bedtimed/mode/odd+' is not valid"), std::string::npos);
    // The rule's other action still goes out.
    ASSERT_EQ(d.publishes.size(), 1u);
    EXPECT_EQ(d.publishes[0].topic, "bedtimed/mode");
    EXPECT_EQ(d.publishes[0].payload, "odd+");

    set("room_mode", std::string("night"));
    const Decision ok = on_sensor("room_mode");
    EXPECT_TRUE(ok.bad_topics.empty());
    EXPECT_NE(publish_to(ok, "bedtimed/mode/night"), nullptr);
}

TEST_F(RulesTest, UnknownTriggerFiresNothing) {
    Trigger t;
    t.sensor = "nobody";
    const Decision d = bedtimed::decide(cfg_, t, sensors_, now_);
    EXPECT_TRUE(d.rules_fired.empty());
    EXPECT_TRUE(d.publishes.empty());
}

TEST_F(RulesTest, IsStale) {
    const auto& temp = *cfg_.find_sensor("bedroom_temp");    // stale_after 30m
    const auto& steps = *cfg_.find_sensor("steps_today");    // never stale
    EXPECT_TRUE(bedtimed::is_stale(temp, sensors_, now_));   // missing
    EXPECT_TRUE(bedtimed::is_stale(steps, sensors_, now_));  // missing counts as stale too
    set("bedroom_temp", 20.0, 30min);
    EXPECT_FALSE(bedtimed::is_stale(temp, sensors_, now_));  // exactly at the limit
    set("bedroom_temp", 20.0, 30min + 1s);
    EXPECT_TRUE(bedtimed::is_stale(temp, sensors_, now_));
    set("steps_today", 1.0, 24h * 365);
    EXPECT_FALSE(bedtimed::is_stale(steps, sensors_, now_));
}
