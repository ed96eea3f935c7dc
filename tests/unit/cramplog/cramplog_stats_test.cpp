// Cramp-log statistics (daemon/cramplog/stats.hpp): night and window
// boundaries, exclusions, histogram bins (also on DST change nights), median,
// severity and trend.
#include <gtest/gtest.h>

#include <algorithm>

#include "local_time.hpp"
#include "stats.hpp"

namespace bedtimed::cramplog {
namespace {

using namespace date;
using namespace std::chrono_literals;

const date::time_zone* berlin() { return zone_named("Europe/Berlin"); }

WallTime at(local_days day, int hour, int minute) {
    return at_local(berlin(), day, hour * 60 + minute);
}

StoredEpisode episode(WallTime start, double duration_s = 60,
                      std::optional<double> severity = std::nullopt,
                      const std::string& status = "confirmed") {
    StoredEpisode e;
    e.start = start;
    e.duration_s = duration_s;
    e.severity = severity;
    e.status = status;
    return e;
}

// Thursday 26 November 2026 is the current night's evening in most tests;
// "now" is the next morning.
constexpr local_days kNight{2026_y / November / 26};
const WallTime kNow = at(kNight + days(1), 10, 0);

TEST(CramplogStats, NightRunsNoonToNoonAndIsNamedByItsEvening) {
    const std::vector<StoredEpisode> rows{
        episode(at(kNight, 23, 0)),
        episode(at(kNight + days(1), 3, 0)),   // 03:00 belongs to the evening before
        episode(at(kNight, 11, 59)),           // before noon: the night before
        episode(at(kNight, 12, 0)),            // noon starts tonight
        episode(at(kNight + days(1), 12, 0)),  // a night after now: ignored
    };
    const Stats s = compute_stats(rows, berlin(), kNow);
    EXPECT_EQ(s.tonight, 3);
    ASSERT_EQ(s.per_night.size(), 56u);
    EXPECT_EQ(s.per_night.back().night, "2026-11-26");
    EXPECT_EQ(s.per_night.back().count, 3);
    EXPECT_EQ(s.per_night[54].night, "2026-11-25");
    EXPECT_EQ(s.per_night[54].count, 1);
    EXPECT_EQ(s.per_night.front().night, "2026-10-02") << "56 nights, oldest first";
    EXPECT_EQ(s.per_night.front().count, 0);
    EXPECT_EQ(s.last_7_days, 4) << "the future row is not counted anywhere";
}

TEST(CramplogStats, SevenAndTwentyEightNightWindows) {
    std::vector<StoredEpisode> rows;
    for (int ago : {0, 6, 7, 27, 28, 100}) rows.push_back(episode(at(kNight - days(ago), 23, 0)));
    // 02:00 after the evening 7 nights back is still that night: outside the 7-night window.
    rows.push_back(episode(at(kNight - days(6), 2, 0)));
    const Stats s = compute_stats(rows, berlin(), kNow);
    EXPECT_EQ(s.tonight, 1);
    EXPECT_EQ(s.last_7_days, 2);
    EXPECT_EQ(s.last_28_days, 5);
    EXPECT_DOUBLE_EQ(s.rate_7d_per_week, 2.0);
    EXPECT_DOUBLE_EQ(s.rate_28d_per_week, 1.25);
    int total = 0;
    for (const auto& n : s.per_night) total += n.count;
    EXPECT_EQ(total, 6) << "100 nights back is outside per_night";
    int clock_total = 0;
    for (int c : s.clock_histogram) clock_total += c;
    EXPECT_EQ(clock_total, 7) << "the histograms cover all history";
}

TEST(CramplogStats, PerNightLengthIsAParameter) {
    StatsOptions opt;
    opt.per_night_nights = 3;
    const Stats s = compute_stats({episode(at(kNight - days(2), 23, 0))}, berlin(), kNow, opt);
    ASSERT_EQ(s.per_night.size(), 3u);
    EXPECT_EQ(s.per_night[0].night, "2026-11-24");
    EXPECT_EQ(s.per_night[0].count, 1);
    EXPECT_EQ(s.per_night[2].count, 0);
}

TEST(CramplogStats, FalsePositivesAreExcludedEverywhere) {
    StatsOptions opt;
    opt.bedtime = Bedtimes{};
    opt.bedtime->fill(22 * 60 + 30);
    const std::vector<StoredEpisode> rows{
        episode(at(kNight, 23, 0), 10, 2.0),
        episode(at(kNight, 23, 30), 1000, 9.0, "false_positive"),
        episode(at(kNight - days(20), 23, 30), 1000, 9.0, "false_positive"),
    };
    const Stats s = compute_stats(rows, berlin(), kNow, opt);
    EXPECT_EQ(s.tonight, 1);
    EXPECT_EQ(s.last_28_days, 1);
    EXPECT_EQ(s.per_night.back().count, 1);
    EXPECT_EQ(s.clock_histogram[23 * 4 + 2], 0);
    EXPECT_EQ(s.clock_histogram[23 * 4], 1);
    EXPECT_EQ(s.bedtime_histogram[(60 + 180) / 15], 0) << "23:30 is +1 h after 22:30";
    EXPECT_EQ(s.bedtime_histogram[(30 + 180) / 15], 1);
    EXPECT_EQ(s.median_duration_s, 10.0);
    EXPECT_EQ(s.mean_severity, 2.0);
}

TEST(CramplogStats, ClockAndBedtimeHistogramBins) {
    StatsOptions opt;
    opt.bedtime = Bedtimes{};
    opt.bedtime->fill(22 * 60 + 30);
    (*opt.bedtime)[2].reset();  // no bedtime on Tuesdays
    const local_days tuesday{2026_y / November / 24};
    ASSERT_EQ(weekday(tuesday), Tuesday);
    const std::vector<StoredEpisode> rows{
        episode(at(kNight + days(1), 2, 14)),   // +3 h 44 min
        episode(at(kNight, 19, 29)),            // -3 h 01 min: outside
        episode(at(kNight, 19, 30)),            // -3 h exactly: bin 0
        episode(at(kNight + days(1), 10, 29)),  // +11 h 59 min: last bin
        episode(at(tuesday, 23, 0)),            // no bedtime that night
    };
    const Stats s = compute_stats(rows, berlin(), kNow, opt);
    EXPECT_EQ(s.clock_histogram[8], 1) << "02:14 is in [02:00, 02:15)";
    EXPECT_EQ(s.clock_histogram[19 * 4 + 1], 1) << "19:29";
    EXPECT_EQ(s.clock_histogram[19 * 4 + 2], 1) << "19:30";
    EXPECT_EQ(s.clock_histogram[10 * 4 + 1], 1) << "10:29";
    EXPECT_EQ(s.clock_histogram[23 * 4], 1);
    EXPECT_EQ(s.bedtime_histogram[26], 1) << "(3 h 44 min + 3 h) / 15 min";
    EXPECT_EQ(s.bedtime_histogram[0], 1);
    EXPECT_EQ(s.bedtime_histogram[59], 1);
    EXPECT_EQ(s.bedtime_outside, 1);
    EXPECT_EQ(s.bedtime_unplanned, 1);
    int binned = 0;
    for (int c : s.bedtime_histogram) binned += c;
    EXPECT_EQ(binned, 3);
}

TEST(CramplogStats, WithoutBedtimesEveryRowIsUnplanned) {
    const Stats s =
        compute_stats({episode(at(kNight, 23, 0)), episode(at(kNight, 23, 5))}, berlin(), kNow);
    EXPECT_EQ(s.bedtime_unplanned, 2);
    EXPECT_EQ(s.bedtime_outside, 0);
    EXPECT_EQ(std::count(s.bedtime_histogram.begin(), s.bedtime_histogram.end(), 0),
              Stats::kBedtimeBins);
}

TEST(CramplogStats, MedianDurationOddEvenAndEmpty) {
    std::vector<StoredEpisode> rows{
        episode(at(kNight, 23, 0), 30), episode(at(kNight - days(1), 23, 0), 90),
        episode(at(kNight - days(2), 23, 0), 10),
        episode(at(kNight - days(40), 23, 0), 5000)};  // outside 28 nights
    EXPECT_EQ(compute_stats(rows, berlin(), kNow).median_duration_s, 30.0);
    rows.push_back(episode(at(kNight - days(3), 23, 0), 100));
    EXPECT_EQ(compute_stats(rows, berlin(), kNow).median_duration_s, 60.0) << "mean of 30 and 90";
    EXPECT_FALSE(compute_stats({}, berlin(), kNow).median_duration_s.has_value());
}

TEST(CramplogStats, MeanSeverityUsesOnlyRatedRowsInTheWindow) {
    const std::vector<StoredEpisode> rows{episode(at(kNight, 23, 0), 60, 3.0),
                                          episode(at(kNight, 23, 10), 60, std::nullopt),
                                          episode(at(kNight - days(1), 23, 0), 60, 6.0),
                                          episode(at(kNight - days(30), 23, 0), 60, 10.0)};
    EXPECT_EQ(compute_stats(rows, berlin(), kNow).mean_severity, 4.5);
    EXPECT_FALSE(
        compute_stats({episode(at(kNight, 23, 0))}, berlin(), kNow).mean_severity.has_value());
}

TEST(CramplogStats, TrendRule) {
    EXPECT_EQ(trend_of(6, 4), Trend::steady) << "exactly 1.5× but only 2 more";
    EXPECT_EQ(trend_of(9, 6), Trend::rising) << "1.5× and 3 more";
    EXPECT_EQ(trend_of(3, 0), Trend::rising);
    EXPECT_EQ(trend_of(2, 0), Trend::steady);
    EXPECT_EQ(trend_of(10, 8), Trend::steady) << "3 more but only 1.25×";
    EXPECT_EQ(trend_of(6, 9), Trend::falling) << "0.667× and 3 fewer";
    EXPECT_EQ(trend_of(7, 10), Trend::steady) << "3 fewer but 0.7×";
    EXPECT_EQ(trend_of(0, 2), Trend::steady) << "only 2 fewer";
    EXPECT_EQ(trend_of(0, 3), Trend::falling);
    EXPECT_STREQ(trend_text(Trend::falling), "falling");
}

TEST(CramplogStats, TrendComparesLastFourteenNightsWithTheFourteenBefore) {
    auto rows_with = [](int recent, int prior) {
        std::vector<StoredEpisode> rows;
        for (int i = 0; i < recent; ++i) rows.push_back(episode(at(kNight - days(i % 14), 23, 0)));
        for (int i = 0; i < prior; ++i)
            rows.push_back(episode(at(kNight - days(14 + i % 14), 23, 0)));
        return rows;
    };
    Stats s = compute_stats(rows_with(9, 4), berlin(), kNow);
    EXPECT_EQ(s.last_14_days, 9);
    EXPECT_EQ(s.prior_14_days, 4);
    EXPECT_EQ(s.trend, Trend::rising);
    EXPECT_EQ(compute_stats(rows_with(2, 8), berlin(), kNow).trend, Trend::falling);
    EXPECT_EQ(compute_stats(rows_with(5, 5), berlin(), kNow).trend, Trend::steady);
    // Night 28 back is outside both halves.
    auto rows = rows_with(0, 0);
    for (int i = 0; i < 5; ++i) rows.push_back(episode(at(kNight - days(28), 23, 0)));
    EXPECT_EQ(compute_stats(rows, berlin(), kNow).trend, Trend::steady);
}

TEST(CramplogStats, FallBackNightBinsByLocalClockAndElapsedTimeSinceBedtime) {
    // 25 October 2026, Berlin: 03:00 CEST → 02:00 CET, so 02:14 happens twice.
    const local_days evening{2026_y / October / 24};
    StatsOptions opt;
    opt.bedtime = Bedtimes{};
    opt.bedtime->fill(22 * 60 + 30);                                   // 20:30 UTC
    const auto first = sys_days{2026_y / October / 25} + 14min;        // 02:14 CEST
    const auto second = sys_days{2026_y / October / 25} + 1h + 14min;  // 02:14 CET
    const std::vector<StoredEpisode> rows{episode(first), episode(second)};
    const Stats s = compute_stats(rows, berlin(), at(evening + days(1), 11, 0), opt);
    EXPECT_EQ(s.tonight, 2);
    EXPECT_EQ(s.clock_histogram[8], 2) << "both read 02:14 on the wall";
    EXPECT_EQ(s.bedtime_histogram[26], 1) << "the first is 3 h 44 min after bedtime";
    EXPECT_EQ(s.bedtime_histogram[30], 1) << "the second is 4 h 44 min after bedtime";
}

TEST(CramplogStats, SpringForwardNightBinsByLocalClockAndElapsedTimeSinceBedtime) {
    // 29 March 2026, Berlin: 02:00 CET → 03:00 CEST.
    const local_days evening{2026_y / March / 28};
    StatsOptions opt;
    opt.bedtime = Bedtimes{};
    opt.bedtime->fill(22 * 60 + 30);                                // 21:30 UTC
    const auto start = sys_days{2026_y / March / 29} + 1h + 14min;  // 03:14 CEST
    // A winter row and a summer row around it, out of order, to exercise the offset cache.
    const std::vector<StoredEpisode> rows{episode(at(evening - days(10), 23, 0)), episode(start),
                                          episode(at(evening - days(3), 23, 0))};
    const Stats s = compute_stats(rows, berlin(), at(evening + days(1), 11, 0), opt);
    EXPECT_EQ(s.tonight, 1);
    EXPECT_EQ(s.clock_histogram[12], 1) << "03:14 local, not 02:14";
    EXPECT_EQ(s.clock_histogram[23 * 4], 2);
    EXPECT_EQ(s.bedtime_histogram[26], 1) << "3 h 44 min elapsed though the wall says 4 h 44 min";
}

TEST(CramplogStats, RowOrderDoesNotMatter) {
    StatsOptions opt;
    opt.bedtime = Bedtimes{};
    opt.bedtime->fill(23 * 60);
    std::vector<StoredEpisode> rows;
    for (int i = 0; i < 400; ++i)
        rows.push_back(
            episode(at(kNight - days(i * 7 % 400), (i * 5) % 24, (i * 13) % 60), i, i % 10));
    const Stats a = compute_stats(rows, berlin(), kNow, opt);
    std::reverse(rows.begin(), rows.end());
    std::rotate(rows.begin(), rows.begin() + 123, rows.end());
    const Stats b = compute_stats(rows, berlin(), kNow, opt);
    EXPECT_EQ(a.clock_histogram, b.clock_histogram);
    EXPECT_EQ(a.bedtime_histogram, b.bedtime_histogram);
    EXPECT_EQ(a.bedtime_outside, b.bedtime_outside);
    EXPECT_EQ(a.last_28_days, b.last_28_days);
    EXPECT_EQ(a.median_duration_s, b.median_duration_s);
    // And the cached offsets agree with a per-row zone lookup.
    std::array<int, Stats::kClockBins> expected{};
    for (const auto& e : rows)
        ++expected[static_cast<std::size_t>(local_minutes(berlin(), e.start) / 15)];
    EXPECT_EQ(a.clock_histogram, expected);
}

}  // namespace
}  // namespace bedtimed::cramplog
