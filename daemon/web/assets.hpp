// The page's files (daemon/web/assets/), embedded in the binary at build
// time (daemon/CMakeLists.txt writes them into web_assets.cpp): no build step
// outside CMake, nothing read from disk at run time.
//
// Threads: any (constant data). Never throws apart from std::bad_alloc.
#pragma once

#include <string>
#include <string_view>

namespace bedtimed::web {

struct Asset {
    std::string_view path;  // "/index.html", "/app.js", "/app.css"
    std::string_view body;
    const char* type;  // Content-Type
};

// The asset at `path`, or null.
const Asset* find_asset(std::string_view path);
// index.html with its {{csrf}} placeholder filled in.
std::string render_index(std::string_view html, const std::string& csrf_token);

}  // namespace bedtimed::web
