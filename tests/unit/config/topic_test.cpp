// MQTT topic rules (MQTT 3.1.1 section 4.7): what config accepts and what the bus matches.
#include <gtest/gtest.h>

#include <string>

#include "mqtt_topic.hpp"

using bedtimed::is_valid_publish_topic;
using bedtimed::is_valid_topic_filter;
using bedtimed::topic_matches;

TEST(PublishTopic, PlainTopicsAreValid) {
    EXPECT_TRUE(is_valid_publish_topic("bedtimed/notify/left"));
    EXPECT_TRUE(is_valid_publish_topic("a"));
    EXPECT_TRUE(is_valid_publish_topic("/leading/slash"));
    EXPECT_TRUE(is_valid_publish_topic("trailing/"));
    EXPECT_TRUE(is_valid_publish_topic("a//b"));
    EXPECT_TRUE(is_valid_publish_topic("with space/é"));
}

TEST(PublishTopic, WildcardsEmptyAndNulAreInvalid) {
    EXPECT_FALSE(is_valid_publish_topic(""));
    EXPECT_FALSE(is_valid_publish_topic("a/#"));
    EXPECT_FALSE(is_valid_publish_topic("a/+/b"));
    EXPECT_FALSE(is_valid_publish_topic("a+b"));
    EXPECT_FALSE(is_valid_publish_topic(std::string("a\0b", 3)));
}

TEST(PublishTopic, LengthLimit) {
    EXPECT_TRUE(is_valid_publish_topic(std::string(65535, 'a')));
    EXPECT_FALSE(is_valid_publish_topic(std::string(65536, 'a')));
}

TEST(TopicFilter, ValidFilters) {
    for (const char* f :
         {"#", "+", "a/#", "a/+", "+/b", "+/+/+", "a/+/c/#", "/#", "a/b", "$SYS/#", "a//b", "/"})
        EXPECT_TRUE(is_valid_topic_filter(f)) << f;
}

TEST(TopicFilter, InvalidFilters) {
    for (const char* f : {"", "a/#/b", "#/a", "a#", "a/b#", "a+/b", "a/+b", "++", "a/##", "+#"})
        EXPECT_FALSE(is_valid_topic_filter(f)) << f;
    EXPECT_FALSE(is_valid_topic_filter(std::string("a/\0", 3)));
    EXPECT_FALSE(is_valid_topic_filter(std::string(65536, 'a')));
}

TEST(TopicMatches, ExactLevels) {
    EXPECT_TRUE(topic_matches("a/b", "a/b"));
    EXPECT_FALSE(topic_matches("a/b", "a/c"));
    EXPECT_FALSE(topic_matches("a/b", "a/b/c"));
    EXPECT_FALSE(topic_matches("a/b/c", "a/b"));
    EXPECT_FALSE(topic_matches("a/b", "a/bc"));
    EXPECT_TRUE(topic_matches("a//b", "a//b"));
    EXPECT_FALSE(topic_matches("a/b", "A/b"));  // case-sensitive
}

TEST(TopicMatches, SingleLevelWildcard) {
    EXPECT_TRUE(topic_matches("a/+", "a/b"));
    EXPECT_TRUE(topic_matches("a/+/c", "a/b/c"));
    EXPECT_TRUE(topic_matches("+/+", "/finance"));  // the spec's own example
    EXPECT_TRUE(topic_matches("a/+", "a/"));        // '+' matches an empty level
    EXPECT_FALSE(topic_matches("a/+", "a"));
    EXPECT_FALSE(topic_matches("a/+", "a/b/c"));
    EXPECT_TRUE(topic_matches("+", "a"));
    EXPECT_FALSE(topic_matches("+", "a/b"));
    EXPECT_FALSE(topic_matches("+", "/a"));
}

TEST(TopicMatches, MultiLevelWildcard) {
    EXPECT_TRUE(topic_matches("#", "a"));
    EXPECT_TRUE(topic_matches("#", "a/b/c"));
    EXPECT_TRUE(topic_matches("#", "/a"));
    EXPECT_TRUE(topic_matches("a/#", "a/b"));
    EXPECT_TRUE(topic_matches("a/#", "a/b/c/d"));
    // "sport/tennis/#" also matches "sport/tennis" (MQTT 3.1.1 4.7.1.2).
    EXPECT_TRUE(topic_matches("a/#", "a"));
    EXPECT_TRUE(topic_matches("a/b/#", "a/b"));
    EXPECT_FALSE(topic_matches("a/b/#", "a"));
    EXPECT_FALSE(topic_matches("a/#", "b"));
    EXPECT_FALSE(topic_matches("a/#", "ab"));
    EXPECT_TRUE(topic_matches("+/b/#", "x/b"));
    EXPECT_TRUE(topic_matches("a/+/#", "a/x/y/z"));
}

TEST(TopicMatches, DollarTopicsNeedAnExplicitFirstLevel) {
    EXPECT_FALSE(topic_matches("#", "$SYS/broker/uptime"));
    EXPECT_FALSE(topic_matches("+/broker/uptime", "$SYS/broker/uptime"));
    EXPECT_FALSE(topic_matches("+/#", "$SYS/x"));
    EXPECT_TRUE(topic_matches("$SYS/#", "$SYS/broker/uptime"));
    EXPECT_TRUE(topic_matches("$SYS/+/uptime", "$SYS/broker/uptime"));
    // Only a leading '$' is special.
    EXPECT_TRUE(topic_matches("a/#", "a/$b"));
    EXPECT_TRUE(topic_matches("a/+", "a/$b"));
}
