// URLs of the HTTP notifiers: parsed strictly, and never displayed with
// their userinfo or query (where secrets go).
#include <gtest/gtest.h>

#include <string>

#include "http/url.hpp"

using namespace bedtimed::integrations;

TEST(HttpUrl, ParsesAndNeverDisplaysUserinfoOrQuery) {
    std::string error;
    auto u = http::parse_url("HTTPS://me:p%40ss@Push.Example:8443/base/path?token=x", error);
    ASSERT_TRUE(u) << error;
    EXPECT_TRUE(u->tls);
    EXPECT_EQ(u->host, "push.example");
    EXPECT_EQ(u->port, "8443");
    EXPECT_EQ(u->userinfo, "me:p@ss");
    EXPECT_EQ(u->target(), "/base/path?token=x");
    EXPECT_EQ(u->display(), "https://push.example:8443/base/path");
    EXPECT_EQ(u->host_header(), "push.example:8443");
    auto v6 = http::parse_url("http://[::1]:8080", error);
    ASSERT_TRUE(v6) << error;
    EXPECT_EQ(v6->host, "::1");
    EXPECT_EQ(v6->host_header(), "[::1]:8080");
    EXPECT_EQ(v6->path, "/");
    EXPECT_FALSE(http::parse_url("http://host:99999/", error));
    EXPECT_FALSE(http::parse_url("http:///path", error));
    EXPECT_FALSE(http::parse_url("http://host/a b", error));
    EXPECT_FALSE(http::parse_url("mqtt://host", error));
    EXPECT_EQ(http::join_path("/base/", "/message"), "/base/message");
    EXPECT_EQ(http::join_path("/", "message"), "/message");
}
