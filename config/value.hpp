// A scalar value as seen by conditions and templates: a sensor reading or an
// episode field. Threads: plain value type, any thread. Nothing here throws
// except std::bad_alloc.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

namespace bedtimed {

using Value = std::variant<std::monostate, bool, std::int64_t, double, std::string>;

// Text for templates: strings verbatim, numbers in shortest round-trip form,
// booleans as true/false, missing values as the empty string.
std::string to_text(const Value& v);
// The same value as a JSON literal (strings quoted and escaped, missing = null).
std::string to_json_text(const Value& v);
// Numeric view for comparisons; nullopt for strings and missing values.
std::optional<double> as_number(const Value& v);

}  // namespace bedtimed
