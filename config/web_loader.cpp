// The `web` section: the local page's address, port, path prefix and token.
#include <arpa/inet.h>
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cstring>
#include <optional>

#include <fstream>
#include <sstream>

#include "block.hpp"
#include "loader.hpp"
#include "sections.hpp"
#include "web_settings.hpp"

namespace bedtimed::config::detail {

WebSettings parse_web(Block b);

namespace {

// true for 127.0.0.0/8 and ::1; nullopt when `address` is no IP address.
std::optional<bool> is_loopback(const std::string& address) {
    in_addr v4{};
    if (inet_pton(AF_INET, address.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
    in6_addr v6{};
    if (inet_pton(AF_INET6, address.c_str(), &v6) == 1)
        return std::memcmp(&v6, &in6addr_loopback, sizeof v6) == 0;
    return std::nullopt;
}

// "" or "/segment[/segment...]" of URL-safe characters, no trailing slash.
bool valid_prefix(const std::string& p) {
    if (p.empty()) return true;
    if (p.front() != '/' || p.back() == '/' || p.find("//") != std::string::npos) return false;
    for (const unsigned char c : p)
        if (!(std::isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.')) return false;
    return p.find("/.") == std::string::npos;
}

}  // namespace

WebSettings parse_web(Block b) {
    WebSettings w;
    w.enabled = b.boolean_or("enabled", true);
    w.address = b.string_or("address", w.address);
    const auto loopback = is_loopback(w.address);
    if (!loopback)
        b.fail(b.get("address"),
               "address '" + w.address + "' must be an IP address (127.0.0.1, ::1, 0.0.0.0, ...)");
    w.loopback = *loopback;
    w.port = static_cast<int>(b.integer_or("port", w.port, 0, 65535));
    w.path_prefix = b.string_or("path_prefix", "");
    if (!valid_prefix(w.path_prefix))
        b.fail(b.get("path_prefix"), "path_prefix '" + w.path_prefix +
                                         "' must be like /bedtimed: a leading '/', no trailing "
                                         "'/', letters, digits, - _ .");
    w.token = parse_secret(b, "token");
    if (!w.loopback && !w.token)
        b.fail(b.get("address"),
               "address '" + w.address +
                   "' is reachable from other machines: set token_credential (or token_file, "
                   "token_env), or listen on 127.0.0.1 behind a reverse proxy");
    b.warn_unknown_keys();
    return w;
}

}  // namespace bedtimed::config::detail

namespace bedtimed::config {

WebSettings parse_web_settings(const std::string& yaml_text, const std::string& path) {
    // load_config() has already refused a file that is no YAML mapping.
    const YAML::Node root = YAML::Load(yaml_text);
    if (!root.IsMap() || !root["web"].IsDefined() || root["web"].IsNull()) return {};
    std::vector<std::string> warnings;
    detail::Block top(root, path, yaml_text, warnings);
    try {
        WebSettings w = detail::parse_web(top.child("web"));
        w.warnings = std::move(warnings);
        return w;
    } catch (const YAML::Exception& e) {
        throw ConfigError(Location{path, e.mark.line + 1, e.mark.column + 1}, e.msg);
    }
}

WebSettings load_web_settings(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ConfigError(Location{path, 0, 0}, "cannot read the file");
    std::ostringstream text;
    text << in.rdbuf();
    return parse_web_settings(text.str(), path);
}

}  // namespace bedtimed::config
