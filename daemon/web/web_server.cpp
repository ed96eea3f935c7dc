// Routing and the page's security checks; the views are in views.cpp, the
// assets in assets.cpp (generated from assets/).
#include "web_server.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <random>

#include "assets.hpp"
#include "query.hpp"
#include "responses.hpp"

namespace bedtimed::web {

namespace {

// 32 bytes from the kernel, as hex: the per-process CSRF token.
std::string random_token() {
    unsigned char bytes[32] = {};
    const int fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    bool filled = false;
    if (fd >= 0) {
        filled = ::read(fd, bytes, sizeof bytes) == static_cast<ssize_t>(sizeof bytes);
        ::close(fd);
    }
    if (!filled) {
        std::random_device rd;
        for (auto& b : bytes) b = static_cast<unsigned char>(rd());
    }
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (const unsigned char b : bytes) (out += hex[b >> 4]) += hex[b & 15];
    return out;
}

// Compares without stopping at the first difference (the token's length is no secret).
bool same_secret(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    unsigned char diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

}  // namespace

nlohmann::json Health::json() const {
    return {{"status", ok() ? "ok" : "degraded"},
            {"connected", connected},
            {"loop_alive", loop_alive},
            {"store_writable", store_writable},
            {"safe_mode", safe_mode}};
}

WebServer::WebServer(boost::asio::io_context& io, Parts parts, config::WebSettings settings,
                     std::string db_path, std::function<Health()> health, std::string token)
    : parts_(std::move(parts)), settings_(std::move(settings)), db_path_(std::move(db_path)),
      health_(std::move(health)), token_(std::move(token)), csrf_(random_token()),
      log_(logger("web")),
      discovery_(parts_.clock, parts_.bus, [this] { changed("discovery", ""); }),
      http_(
          io, [this](const Request& r) { return route(r); },
          [this](const char* reason) { count_refusal(reason); }, HttpServer::Limits{}) {}

WebServer::~WebServer() { stop(); }

std::uint16_t WebServer::start() {
    const auto& w = settings_;
    const auto port = http_.listen(w.address, static_cast<std::uint16_t>(w.port));
    log_->info("web page on http://{}:{}{}/{}",
               w.address.find(':') != std::string::npos ? "[" + w.address + "]" : w.address, port,
               w.path_prefix, token_.empty() ? "" : " (token required)");
    return port;
}

void WebServer::stop() noexcept { http_.stop(); }

void WebServer::changed(const std::string& what, const std::string& name) {
    http_.broadcast("update", nlohmann::json{{"what", what}, {"name", name}}.dump());
}

void WebServer::count_refusal(const char* reason) {
    ++refused_[reason];
    ++refused_total_;
}

Answer WebServer::refuse(const Request& req, http::status status, const char* reason,
                         const std::string& why) {
    count_refusal(reason);
    std::uint64_t suppressed = 0;
    if (refusal_log_.allow(parts_.clock.steady_now(), suppressed))
        log_->warn("web request {} {} refused ({}): {}{}", std::string(req.method_string()),
                   std::string(req.target().substr(0, 200)), reason, why,
                   suppressed ? " (" + std::to_string(suppressed) + " similar suppressed)" : "");
    return text(req, status, why + "\n");
}

bool WebServer::authorised(const Request& req, const std::string& query, Answer& refused) {
    if (token_.empty()) return true;
    const std::string bearer = "Bearer " + token_;
    if (same_secret(std::string(req[http::field::authorization]), bearer)) return true;
    if (same_secret(cookie_value(std::string(req[http::field::cookie]), "bedtimed_token"), token_))
        return true;
    // `/?token=...` once: a cookie for the page, and the token out of the address bar.
    if (const auto given = query_value(query, "token"); given && same_secret(*given, token_)) {
        refused = text(req, http::status::see_other, "");
        refused.response.set(http::field::location, "./");
        refused.response.set(
            http::field::set_cookie,
            "bedtimed_token=" + token_ + "; HttpOnly; SameSite=Strict; Path=/; Max-Age=31536000");
        return false;
    }
    refused = refuse(req, http::status::unauthorized, "unauthorised",
                     "a token is required: open /?token=... once, or send Authorization: Bearer");
    refused.response.set(http::field::www_authenticate, "Bearer realm=\"bedtimed\"");
    return false;
}

bool WebServer::same_origin(const Request& req) const {
    const std::string site(req["Sec-Fetch-Site"]);
    if (!site.empty()) return site == "same-origin" || site == "none";
    const std::string origin(req[http::field::origin]);
    if (origin.empty())
        return true;  // not a browser's cross-site request; the CSRF token still counts
    const auto host_at = origin.find("://");
    return host_at != std::string::npos && origin.substr(host_at + 3) == req[http::field::host];
}

Answer WebServer::route(const Request& req) {
    ++requests_;
    std::string target(req.target());
    const auto qmark = target.find('?');
    const std::string query = qmark == std::string::npos ? "" : target.substr(qmark + 1);
    std::string path = target.substr(0, qmark);
    const std::string& prefix = settings_.path_prefix;
    if (!prefix.empty()) {
        if (path == prefix) path = "/";
        else if (path.rfind(prefix + "/", 0) == 0) path = path.substr(prefix.size());
    }
    if (path == "/healthz") {
        const Health h = health_();
        return json_answer(req, h.json(),
                           h.ok() ? http::status::ok : http::status::service_unavailable);
    }
    Answer refused;
    if (!authorised(req, query, refused)) return refused;
    if (req.method() == http::verb::get || req.method() == http::verb::head)
        return route_get(req, path, query);
    if (req.method() == http::verb::post) return route_post(req, path);
    auto a = refuse(req, http::status::method_not_allowed, "method", "only GET and POST");
    a.response.set(http::field::allow, "GET, HEAD, POST");
    return a;
}

Answer WebServer::route_get(const Request& req, const std::string& path, const std::string& query) {
    if (path == "/metrics") return metrics(req);
    if (path == "/api/state") return json_answer(req, state_json());
    if (path == "/api/episodes") return episodes(req, query);
    if (path == "/api/discovery") return json_answer(req, discovery_.json());
    if (path == "/events") {
        Answer a = text(req, http::status::ok, "retry: 3000\n\n", "text/event-stream");
        a.event_stream = true;
        return a;
    }
    if (path.rfind("/charts/", 0) == 0 && path.size() > 12 &&
        path.compare(path.size() - 4, 4, ".svg") == 0)
        return chart(req, url_decode(path.substr(8, path.size() - 12)));
    if (const Asset* asset = find_asset(path == "/" ? "/index.html" : path)) {
        std::string body(asset->body);
        if (path == "/" || path == "/index.html") body = render_index(body, csrf_);
        Answer a = text(req, http::status::ok, std::move(body), asset->type);
        a.response.set("Content-Security-Policy",
                       "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                       "script-src 'self'; connect-src 'self'; frame-ancestors 'self'");
        a.response.set("Referrer-Policy", "no-referrer");
        return a;
    }
    return refuse(req, http::status::not_found, "not_found", "no such page");
}

Answer WebServer::route_post(const Request& req, const std::string& path) {
    static const std::string kCmd = "/api/cmd/", kScan = "/api/discovery/scan";
    if (path.rfind(kCmd, 0) != 0 && path != kScan)
        return refuse(req, http::status::not_found, "not_found", "no such page");
    if (!same_origin(req))
        return refuse(req, http::status::forbidden, "cross_site",
                      "cross-site requests are refused");
    if (!same_secret(std::string(req["X-CSRF-Token"]), csrf_))
        return refuse(req, http::status::forbidden, "csrf",
                      "missing or stale X-CSRF-Token (reload the page)");
    if (req[http::field::content_type].substr(0, 16) != "application/json")
        return refuse(req, http::status::unsupported_media_type, "content_type",
                      "send Content-Type: application/json");
    if (path == kScan) return scan(req);
    const std::string verb = path.substr(kCmd.size());
    if (!commands::find_verb(verb))
        return refuse(req, http::status::not_found, "unknown_verb", "unknown verb '" + verb + "'");
    const auto reply = parts_.commands.execute(verb, req.body(), "web /api/cmd/" + verb);
    return json_answer(
        req, reply,
        reply.value("ok", false) ? http::status::ok : http::status::unprocessable_entity);
}

Answer WebServer::scan(const Request& req) {
    const std::string why_not = discovery_.start();
    if (!why_not.empty())
        return json_answer(req, {{"ok", false}, {"error", why_not}},
                           http::status::service_unavailable);
    return json_answer(req, {{"ok", true}, {"discovery", discovery_.json()}});
}

}  // namespace bedtimed::web
