// Export formats and the SVG report of the cramp log.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "ingest.hpp"
#include "local_time.hpp"
#include "report.hpp"

namespace bedtimed::cramplog {
namespace {

StoredEpisode row(std::int64_t id, const std::string& start_iso, double duration,
                  const std::string& muscle = "calf") {
    StoredEpisode e;
    e.row = id;
    e.sleeper = "sam";
    e.source = "band";
    e.source_id = "e" + std::to_string(id);
    e.start = *parse_iso8601(start_iso);
    e.received = e.start;
    e.duration_s = duration;
    e.muscle = muscle;
    e.side = "left";
    e.status = "unconfirmed";
    return e;
}

TEST(CramplogReport, CsvIsOldestFirstAndQuotesWhereNeeded) {
    auto late = row(2, "2026-11-27T02:00:00Z", 45, "calf, left \"inner\"");
    late.severity = 6;
    const std::string csv = export_csv({late, row(1, "2026-11-26T01:00:00Z", 30)});
    EXPECT_EQ(
        csv,
        "source,source_id,sleeper,start,duration_s,muscle,side,severity,status\r\n"
        "band,e1,sam,2026-11-26T01:00:00Z,30,calf,left,,unconfirmed\r\n"
        "band,e2,sam,2026-11-27T02:00:00Z,45,\"calf, left \"\"inner\"\"\",left,6,unconfirmed\r\n");
}

TEST(CramplogReport, JsonHasTheDocumentedFields) {
    const auto j = nlohmann::json::parse(export_json({row(1, "2026-11-26T01:00:00Z", 30)}));
    ASSERT_TRUE(j.is_array());
    ASSERT_EQ(j.size(), 1u);
    for (const char* key : {"source", "source_id", "sleeper", "start", "duration_s", "muscle"})
        EXPECT_TRUE(j[0].contains(key)) << key;
    EXPECT_EQ(j[0]["start"], "2026-11-26T01:00:00Z");
    EXPECT_EQ(j[0]["duration_s"], 30);
    EXPECT_TRUE(j[0]["severity"].is_null());
}

TEST(CramplogReport, ReportDataCountsNightsAndBinsByLocalTime) {
    const auto* berlin = zone_named("Europe/Berlin");
    std::vector<StoredEpisode> rows{
        row(1, "2026-11-27T01:14:00Z", 30),  // 02:14 CET, night of 26 Nov, clock bin 8
        row(2, "2026-11-27T02:00:00Z", 30),  // 03:00 CET, same night, bin 12
        row(3, "2026-11-20T22:00:00Z", 30),  // 23:00 CET, night of 20 Nov, bin 92
    };
    auto fp = row(4, "2026-11-27T02:30:00Z", 30);
    fp.status = "false_positive";
    rows.push_back(fp);
    const auto d = report_data(rows, berlin, *parse_iso8601("2026-11-27T10:00:00Z"), 14);
    ASSERT_EQ(d.per_night.size(), 14u);
    EXPECT_EQ(d.per_night.back(), (std::pair<std::string, int>{"2026-11-26", 2}));
    EXPECT_EQ(d.per_night[14 - 7].first, "2026-11-20");
    EXPECT_EQ(d.per_night[14 - 7].second, 1);
    EXPECT_EQ(d.clock_histogram[8], 1);
    EXPECT_EQ(d.clock_histogram[12], 1);
    EXPECT_EQ(d.clock_histogram[92], 1);
    int total = 0;
    for (int n : d.clock_histogram) total += n;
    EXPECT_EQ(total, 3) << "the false positive is left out";
}

TEST(CramplogReport, SvgDrawsOneBarPerNightAndPerTimeBin) {
    ReportData d;
    d.title = "Leg cramps <test>";
    for (int i = 0; i < 56; ++i) d.per_night.emplace_back("2026-10-" + std::to_string(i), i % 3);
    d.clock_histogram[8] = 4;
    const std::string svg = svg_report(d);
    EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
    EXPECT_NE(svg.find("Leg cramps &lt;test&gt;"), std::string::npos);
    std::size_t rects = 0;
    for (std::size_t p = svg.find("<rect x="); p != std::string::npos;
         p = svg.find("<rect x=", p + 1))
        ++rects;
    EXPECT_EQ(rects, 56u + 72u);
    EXPECT_NE(svg.find("<title>02:00: 4</title>"), std::string::npos);
    EXPECT_EQ(svg.substr(svg.size() - 7), "</svg>\n");
}

}  // namespace
}  // namespace bedtimed::cramplog
