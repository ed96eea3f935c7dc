// Export formats and the SVG report of the cramp log, with an experiment's
// result per arm.
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

// 42 finished nights of a 56-night experiment: with the step 20 nights, 3 with
// one cramp each; without 22 nights, 9 cramps on 7 of them.
ExperimentReport experiment_of_42_nights() {
    std::vector<ExperimentNight> nights;
    for (int i = 0; i < 20; ++i)
        nights.push_back(
            {"2026-10-" + std::to_string(i), Arm::with_step, true, i < 3 ? 1 : 0, true, true});
    for (int i = 0; i < 22; ++i)
        nights.push_back({"2026-11-" + std::to_string(i), Arm::without_step, true,
                          i < 2   ? 2
                          : i < 7 ? 1
                                  : 0,
                          false, true});
    ExperimentReport x;
    x.record.first_night = "2026-10-01";
    x.step_label = "the pre-warm";
    x.status = "running";
    x.nights = nights;
    x.result = summarize(nights, 56, true);
    x.text = describe_result(x.result, x.step_label);
    return x;
}

TEST(CramplogReport, SvgShowsTheExperimentPerArmWithItsInterval) {
    ReportData d;
    d.title = "Leg cramps";
    d.per_night.emplace_back("2026-11-26", 0);
    EXPECT_EQ(svg_report(d).find("Experiment:"), std::string::npos);  // none: no section
    d.experiment = experiment_of_42_nights();
    const std::string svg = svg_report(d);
    auto has = [&](const std::string& text) { return svg.find(text) != std::string::npos; };
    EXPECT_TRUE(
        has("Experiment: the pre-warm (running, from 2026-10-01). Interim (42 of 56 "
            "nights)"));
    // Per arm: nights, nights with a cramp, cramps, cramps per night.
    for (const char* cell : {">20<", ">3<", ">0.15<"})
        EXPECT_TRUE(has(std::string("class=\"arm-with\"") + cell)) << cell;
    for (const char* cell : {">22<", ">7<", ">9<", ">0.41<"})
        EXPECT_TRUE(has(std::string("class=\"arm-without\"") + cell)) << cell;
    // Rate ratio (3/20)/(9/22) = 0.367 with the exact interval 0.0638 to 1.469, and
    // P(lower) = 0.9448: the mpmath values of cramplog_rate_ratio_test.cpp
    // (rate_ratio_expected.py), rounded as shown.
    EXPECT_TRUE(has("Rate ratio 0.37 (exact 95% interval 0.06 to 1.47)"));
    EXPECT_TRUE(has("Probability that the rate was lower with the step: 94%."));
    EXPECT_TRUE(has("do not show that a step treats or prevents cramps"));
    EXPECT_EQ(svg.substr(svg.size() - 7), "</svg>\n");
}

// Without a rate ratio the report says why, as the text does; the lines
// below the table are 18 px apart and all inside the section's height.
TEST(CramplogReport, SvgSaysWhyThereIsNoRateRatioAndKeepsItsLinesApart) {
    ReportData d;
    d.title = "Leg cramps";
    d.per_night.emplace_back("2026-11-26", 0);
    ExperimentReport x;
    x.record.first_night = "2026-11-01";
    x.step_label = "the supplement reminder";
    x.status = "running";
    x.nights = {{"2026-11-01", Arm::with_step, true, 0, false, true},
                {"2026-11-02", Arm::without_step, true, 2, false, true}};
    x.result = summarize(x.nights, 42, true);
    d.experiment = x;
    const std::string svg = svg_report(d);
    auto has = [&](const std::string& text) { return svg.find(text) != std::string::npos; };
    EXPECT_TRUE(has(">No counted nights with the supplement reminder yet: no rate ratio.<"));
    EXPECT_FALSE(has("either arm"));
    EXPECT_TRUE(has(">1 nights left out (not as assigned, or no answer).<"));
    // The y of each text line in the section, after the table's header and rows.
    const int height = std::stoi(svg.substr(svg.find("height=\"") + 8));
    std::vector<int> ys;
    for (auto at = svg.find("<g class=\"experiment\">");
         (at = svg.find(" y=\"", at)) != std::string::npos; ++at)
        ys.push_back(std::stoi(svg.substr(at + 4)));
    ASSERT_GE(ys.size(), 4u);
    const std::vector<int> last(ys.end() - 4, ys.end());
    for (std::size_t i = 1; i < last.size(); ++i) EXPECT_EQ(last[i] - last[i - 1], 18);
    EXPECT_LE(last.back() + 12, height) << "the caveat is inside the picture";
}

}  // namespace
}  // namespace bedtimed::cramplog
