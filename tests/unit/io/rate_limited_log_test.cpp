// The warning rate limit that keeps a flood of bad payloads out of the journal.
#include <gtest/gtest.h>

#include "log.hpp"

namespace bedtimed {
namespace {

using namespace std::chrono_literals;

TEST(RateLimitedLog, LetsABurstThroughThenSuppressesAndReportsTheCount) {
    RateLimitedLog limit(3, 60s);
    const auto t0 = std::chrono::steady_clock::time_point{} + 1000s;
    std::uint64_t suppressed = 99;
    for (int i = 0; i < 3; ++i) {
        EXPECT_TRUE(limit.allow(t0 + std::chrono::seconds(i), suppressed));
        EXPECT_EQ(suppressed, 0u);
    }
    int let_through = 0;
    for (int i = 0; i < 1000; ++i) let_through += limit.allow(t0 + 10s, suppressed) ? 1 : 0;
    EXPECT_EQ(let_through, 0) << "no more than the burst within one window";
    // The next window opens: the first line through carries the count of what was swallowed.
    EXPECT_TRUE(limit.allow(t0 + 61s, suppressed));
    EXPECT_EQ(suppressed, 1000u);
    EXPECT_TRUE(limit.allow(t0 + 62s, suppressed));
    EXPECT_EQ(suppressed, 0u);
}

}  // namespace
}  // namespace bedtimed
