// RFC 3339 / ISO-8601 times, the one reader and writer of them: payloads,
// templates, state topics, notifier bodies and bedtimectl all use these.
//
// Threads: any (pure functions). Never throw (apart from std::bad_alloc).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "clock.hpp"

namespace bedtimed {

// "2026-11-26T22:31:05Z", with optional fraction and offset; a zone is
// required (a time without one is refused: nullopt).
std::optional<WallTime> parse_iso8601(std::string_view s);
// Whole seconds, UTC, "Z".
std::string format_iso8601(WallTime t);

}  // namespace bedtimed
