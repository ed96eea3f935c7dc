// Reading a request's query string and cookies (pure). Any thread; never
// throws apart from std::bad_alloc.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace bedtimed::web {

// %XX and '+' decoded; a bad escape is kept as it is.
std::string url_decode(std::string_view text);
// The decoded value of `key` in "a=1&b=2", or nullopt.
std::optional<std::string> query_value(std::string_view query, std::string_view key);
// The value of cookie `name` in a Cookie header ("a=1; b=2"), or "".
std::string cookie_value(std::string_view header, std::string_view name);

}  // namespace bedtimed::web
