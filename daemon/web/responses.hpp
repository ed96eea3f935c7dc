// Internal to daemon/web/: the answers the routes and views build. Loop
// thread; never throws apart from std::bad_alloc.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "http_server.hpp"

namespace bedtimed::web {

inline Answer text(const Request& req, http::status status, std::string body,
                   const char* type = "text/plain; charset=utf-8") {
    Answer a{Response{status, req.version()}, false};
    a.response.set(http::field::content_type, type);
    a.response.set(http::field::cache_control, "no-store");
    a.response.set("X-Content-Type-Options", "nosniff");
    a.response.body() = std::move(body);
    return a;
}

inline Answer json_answer(const Request& req, const nlohmann::json& j,
                          http::status status = http::status::ok) {
    return text(req, status, j.dump(), "application/json");
}

}  // namespace bedtimed::web
