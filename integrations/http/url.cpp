#include "url.hpp"

#include <algorithm>
#include <charconv>

namespace bedtimed::integrations::http {

namespace {

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::optional<std::string> percent_decode(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') {
            out += s[i];
            continue;
        }
        if (i + 2 >= s.size()) return std::nullopt;
        const int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
    }
    return out;
}

// Characters allowed as written in a path or query: RFC 3986 unreserved,
// sub-delims, ':', '@', '/', '?', and '%' escapes (checked separately).
bool is_path_char(char c) {
    if (is_alpha(c) || is_digit(c)) return true;
    return std::string_view("-._~!$&'()*+,;=:@/?%").find(c) != std::string_view::npos;
}

bool valid_escapes(std::string_view s) {
    for (std::size_t i = 0; i < s.size(); ++i)
        if (s[i] == '%' &&
            (i + 2 >= s.size() || hex_value(s[i + 1]) < 0 || hex_value(s[i + 2]) < 0))
            return false;
    return true;
}

// The host (a name, lowercased, or a [IPv6] address) and port of `authority`
// (userinfo already removed) into `u`; false with `error` set when refused.
bool parse_host_and_port(std::string_view authority, Url& u, std::string& error) {
    std::string_view port;
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) {
            error = "has an unterminated [IPv6] host";
            return false;
        }
        u.host = std::string(authority.substr(1, close - 1));
        const std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') {
                error = "has garbage after the [IPv6] host";
                return false;
            }
            port = after.substr(1);
        }
        if (u.host.empty() || !std::all_of(u.host.begin(), u.host.end(), [](char c) {
                return is_digit(c) || hex_value(c) >= 0 || c == ':' || c == '.';
            })) {
            error = "has an invalid IPv6 host";
            return false;
        }
    } else {
        const auto colon = authority.find(':');
        u.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) port = authority.substr(colon + 1);
        if (u.host.empty() || !std::all_of(u.host.begin(), u.host.end(), [](char c) {
                return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_';
            })) {
            error = "has no valid host name";
            return false;
        }
        u.host = lower(u.host);
    }
    if (!port.empty()) {
        int p = 0;
        const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
        if (ec != std::errc() || end != port.data() + port.size() || p < 1 || p > 65535) {
            error = "has an invalid port '" + std::string(port) + "'";
            return false;
        }
        u.port = std::to_string(p);
        u.default_port = p == (u.tls ? 443 : 80);
    } else {
        u.port = u.tls ? "443" : "80";
    }
    return true;
}

}  // namespace

std::string Url::host_header() const {
    const std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    return default_port ? h : h + ":" + port;
}

std::string Url::display() const {
    return std::string(tls ? "https://" : "http://") + host_header() + path;
}

Url Url::with_path(std::string new_path) const {
    Url u = *this;
    u.path = new_path.empty() ? "/" : std::move(new_path);
    u.query.clear();
    return u;
}

std::string join_path(std::string_view base, std::string_view segment) {
    std::string out(base);
    while (!out.empty() && out.back() == '/') out.pop_back();
    while (!segment.empty() && segment.front() == '/') segment.remove_prefix(1);
    out += '/';
    out += segment;
    return out;
}

std::optional<Url> parse_url(std::string_view text, std::string& error) {
    Url u;
    const auto scheme_end = text.find("://");
    if (scheme_end == std::string_view::npos) {
        error = "must start with http:// or https://";
        return std::nullopt;
    }
    const std::string scheme = lower(text.substr(0, scheme_end));
    if (scheme == "https") u.tls = true;
    else if (scheme != "http") {
        error = "must start with http:// or https://";
        return std::nullopt;
    }
    std::string_view rest = text.substr(scheme_end + 3);
    if (rest.find('#') != std::string_view::npos) {
        error = "must not have a #fragment";
        return std::nullopt;
    }
    const auto authority_end = std::min(rest.find('/'), rest.find('?'));
    std::string_view authority = rest.substr(0, authority_end);
    std::string_view tail =
        authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);
    if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
        auto decoded = percent_decode(authority.substr(0, at));
        if (!decoded || decoded->empty()) {
            error = "has a malformed user:password@ part";
            return std::nullopt;
        }
        u.userinfo = std::move(*decoded);
        authority.remove_prefix(at + 1);
    }
    if (!parse_host_and_port(authority, u, error)) return std::nullopt;
    if (!std::all_of(tail.begin(), tail.end(), is_path_char) || !valid_escapes(tail)) {
        error = "has characters that must be percent-encoded in its path or query";
        return std::nullopt;
    }
    const auto q = tail.find('?');
    u.path = std::string(tail.substr(0, q));
    if (u.path.empty()) u.path = "/";
    if (q != std::string_view::npos) u.query = std::string(tail.substr(q + 1));
    return u;
}

}  // namespace bedtimed::integrations::http
