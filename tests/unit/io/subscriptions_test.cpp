// The bus's subscription index (daemon/io/subscriptions.hpp): for any set of
// filters and any topic it finds exactly the filters that trying every one
// in order (config's topic_matches) finds, in the same order.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "mqtt_topic.hpp"
#include "subscriptions.hpp"

namespace bedtimed {
namespace {

std::string random_path(std::mt19937& rng, bool filter) {
    static const char* const kLevels[] = {"a", "b", "zigbee2mqtt", "pad", "", "$SYS"};
    std::uniform_int_distribution<int> levels(1, 4), pick(0, 5), wild(0, 9);
    const int n = levels(rng);
    std::string out;
    for (int i = 0; i < n; ++i) {
        if (i) out += '/';
        const int w = filter ? wild(rng) : 9;
        if (w == 0 && i == n - 1) out += '#';
        else if (w == 1) out += '+';
        else out += kLevels[pick(rng) % (i == 0 ? 6 : 5)];
    }
    return out;
}

TEST(Subscriptions, FindsWhatTryingEveryFilterInOrderFinds) {
    std::mt19937 rng(20261202);
    for (int round = 0; round < 200; ++round) {
        Subscriptions<std::string> subs;
        std::vector<std::string> filters;
        for (int i = 0; i < 12; ++i) {
            const std::string f = random_path(rng, true);
            subs.set(f, f);
            filters.push_back(f);
        }
        // Some go again.
        for (int i = 0; i < 3; ++i) subs.erase(filters[rng() % filters.size()]);
        for (int t = 0; t < 20; ++t) {
            const std::string topic = random_path(rng, false);
            std::vector<std::string> expected;
            for (const auto& [filter, value] : subs.all())
                if (topic_matches(filter, topic)) expected.push_back(value);
            EXPECT_EQ(subs.matching(topic), expected) << "topic " << topic;
        }
    }
}

TEST(Subscriptions, AnExactAndAWildcardFilterBothMatchInFilterOrder) {
    Subscriptions<int> subs;
    subs.set("zigbee2mqtt/pad", 1);
    subs.set("zigbee2mqtt/+", 2);
    subs.set("#", 3);
    subs.set("other", 4);
    EXPECT_EQ(subs.matching("zigbee2mqtt/pad"), (std::vector<int>{3, 2, 1}));
    EXPECT_EQ(subs.matching("other"), (std::vector<int>{3, 4}));
    subs.set("zigbee2mqtt/pad", 5);  // replaced, not added
    EXPECT_EQ(subs.matching("zigbee2mqtt/pad"), (std::vector<int>{3, 2, 5}));
    EXPECT_TRUE(subs.erase("#"));
    EXPECT_FALSE(subs.erase("#"));
    EXPECT_EQ(subs.matching("other"), (std::vector<int>{4}));
    EXPECT_TRUE(subs.matching("$SYS/x").empty());
}

}  // namespace
}  // namespace bedtimed
