// HTTP(S) URLs as the HTTP notifiers need them: parsed once at config time,
// with the user:password part kept apart so that it never reaches a log line.
//
// Threads: any; no state. Nothing throws apart from std::bad_alloc.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace bedtimed::integrations::http {

struct Url {
    bool tls = false;          // https
    std::string host;          // a name, an IPv4 address, or an IPv6 address without brackets
    std::string port;          // explicit, else "80" or "443"
    bool default_port = true;  // no port written (or the scheme's own)
    std::string path = "/";    // percent-encoded as written, at least "/"
    std::string query;         // after '?', without it; may carry a token, so never logged
    std::string userinfo;      // "user:password", percent-decoded; empty if none; never logged

    // "path?query": what goes on the request line.
    std::string target() const { return query.empty() ? path : path + "?" + query; }
    // "host", "host:port", "[::1]:8080": the Host header.
    std::string host_header() const;
    // "https://host:port/path": for log lines. Leaves out userinfo and query.
    std::string display() const;
    // The same scheme, host and port with another path (e.g. "/message" below a base path).
    Url with_path(std::string new_path) const;
};

// Parses "http(s)://[user[:password]@]host[:port][/path][?query]". On failure
// returns nullopt and says why in `error` (without echoing the password).
std::optional<Url> parse_url(std::string_view text, std::string& error);

// `base` + "/" + `segment`, with exactly one slash between them.
std::string join_path(std::string_view base, std::string_view segment);

}  // namespace bedtimed::integrations::http
