// The pure parts of daemon/web/: the Prometheus text, the latency
// histogram's buckets, the query and cookie readers, the embedded assets.
#include <gtest/gtest.h>

#include "assets.hpp"
#include "metrics.hpp"
#include "query.hpp"

namespace bedtimed::web {
namespace {

TEST(WebMetrics, CounterGaugeAndHistogramFamiliesInTheTextFormat) {
    MetricsText m;
    m.counter("x_total", "help of x", 3);
    m.gauge("g", "a gauge", {{{{"sleeper", "a\"b\\c"}}, 1.5}});
    LatencyHistogram h;
    h.observe(std::chrono::microseconds(700));    // <= 1 ms
    h.observe(std::chrono::microseconds(30000));  // <= 50 ms
    h.observe(std::chrono::seconds(9));           // only +Inf
    m.histogram("lat_seconds", "latency", h);
    const std::string& t = m.text();
    EXPECT_NE(t.find("# HELP x_total help of x\n# TYPE x_total counter\nx_total 3\n"),
              std::string::npos)
        << t;
    EXPECT_NE(t.find("g{sleeper=\"a\\\"b\\\\c\"} 1.5\n"), std::string::npos) << t;
    EXPECT_NE(t.find("lat_seconds_bucket{le=\"0.0005\"} 0\n"), std::string::npos) << t;
    EXPECT_NE(t.find("lat_seconds_bucket{le=\"0.001\"} 1\n"), std::string::npos) << t;
    EXPECT_NE(t.find("lat_seconds_bucket{le=\"0.05\"} 2\n"), std::string::npos) << t;
    EXPECT_NE(t.find("lat_seconds_bucket{le=\"2.5\"} 2\n"), std::string::npos) << t;
    EXPECT_NE(t.find("lat_seconds_bucket{le=\"+Inf\"} 3\n"), std::string::npos) << t;
    EXPECT_NE(t.find("lat_seconds_count 3\n"), std::string::npos) << t;
    EXPECT_NEAR(h.sum_seconds(), 9.0307, 1e-9);
}

TEST(WebQuery, ValuesAreDecodedAndCookiesFound) {
    EXPECT_EQ(query_value("a=1&sleeper=al%20ex&b", "sleeper"), "al ex");
    EXPECT_EQ(query_value("a=1&b", "b"), "");
    EXPECT_FALSE(query_value("a=1", "c"));
    EXPECT_EQ(url_decode("100%25+sure%zz%4"), "100% sure%zz%4");
    EXPECT_EQ(cookie_value("x=1; bedtimed_token=abc ; y=2", "bedtimed_token"), "abc");
    EXPECT_EQ(cookie_value("x=1", "bedtimed_token"), "");
}

TEST(WebAssets, ThePageItsScriptAndStyleAreEmbedded) {
    const Asset* index = find_asset("/index.html");
    ASSERT_NE(index, nullptr);
    EXPECT_NE(std::string(index->type).find("text/html"), std::string::npos);
    const std::string page = render_index(index->body, "0123abcd");
    EXPECT_NE(page.find(R"(<meta name="csrf" content="0123abcd">)"), std::string::npos);
    ASSERT_NE(find_asset("/app.js"), nullptr);
    // Relative URLs only: the page works under any path prefix.
    EXPECT_EQ(std::string(find_asset("/app.js")->body).find("fetch('/"), std::string::npos);
    EXPECT_EQ(page.find("href=\"/"), std::string::npos);
    EXPECT_EQ(page.find("src=\"/"), std::string::npos);
    ASSERT_NE(find_asset("/app.css"), nullptr);
    EXPECT_EQ(find_asset("/secret.txt"), nullptr);
}

}  // namespace
}  // namespace bedtimed::web
