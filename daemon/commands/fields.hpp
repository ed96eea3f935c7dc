// The field reader every verb's parser uses: reads the fields of one command
// object strictly (type, length, range, control characters) and remembers
// which were read, so that anything else is refused as unknown.
//
// Pure: no I/O, no clock ("now" is passed in). Any thread. A refused field
// throws Refused, which parse_command (commands.hpp) turns into a
// CommandError; nothing else is thrown apart from std::bad_alloc.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "clock.hpp"
#include "episode_store.hpp"

namespace bedtimed::commands {

// Why a payload is refused; thrown inside the parsers only.
struct Refused {
    std::string reason;
};

// Reads the fields of one JSON object, which must outlive the reader.
class Fields {
public:
    explicit Fields(const nlohmann::json& obj) : obj_(obj) {}

    // The field, or null when absent or JSON null; marks it as read.
    const nlohmann::json* get(const char* key);
    // A string of at most `max_len` bytes without control characters; "" when absent.
    std::string text(const char* key, std::size_t max_len = 200, bool required = false);
    std::optional<double> number(const char* key, double lo, double hi);
    std::optional<bool> flag(const char* key);
    // A boolean that must be present.
    bool required_flag(const char* key);
    // An ISO-8601 instant no later than a few minutes from now (clock skew
    // between phone and server) and no earlier than ten years back.
    std::optional<WallTime> time(const char* key, WallTime now);
    // "left", "right", "both" or "" (absent).
    std::string side();
    // The five symptom flags; `given` says whether any was present.
    EpisodeFlags flags(bool& given);
    // Refuses the first field nobody read.
    void no_others() const;

private:
    const nlohmann::json& obj_;
    std::set<std::string> read_;
};

// [A-Za-z0-9_-]{1,64}: a request id, or an id safe in a topic level.
bool valid_request_id(std::string_view id) noexcept;

// "22:30" -> 1350; exactly two digits, a colon, two digits.
std::optional<int> hhmm_minutes(const std::string& text);

}  // namespace bedtimed::commands
