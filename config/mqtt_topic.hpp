// MQTT topic rules (MQTT 3.1.1 §4.7), shared by config validation and the bus.
// Pure functions, any thread, noexcept.
#pragma once

#include <string_view>

namespace bedtimed {

// A topic a message may be published to: non-empty, no wildcards, no NUL, < 64 KiB.
bool is_valid_publish_topic(std::string_view topic) noexcept;
// A subscription filter: '#' only as the whole last level, '+' only as a whole level.
bool is_valid_topic_filter(std::string_view filter) noexcept;
// Whether `topic` matches `filter`; topics starting with '$' never match a leading wildcard.
bool topic_matches(std::string_view filter, std::string_view topic) noexcept;

}  // namespace bedtimed
