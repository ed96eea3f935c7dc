// Internal to the payload parsers (ingest.cpp, untrusted_json.cpp): reading a
// field of a parsed JSON payload by its dotted path. Not a public interface.
// Pure; any thread; never throws apart from std::bad_alloc.
#pragma once

#include <nlohmann/json.hpp>

#include <string_view>

namespace bedtimed::ingest_detail {

// The value at "a.b.0.c" (object keys, or indexes into arrays), or nullptr.
const nlohmann::json* find_path(const nlohmann::json& root, std::string_view path);

}  // namespace bedtimed::ingest_detail
