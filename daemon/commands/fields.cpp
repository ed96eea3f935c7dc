#include "fields.hpp"

#include <cctype>
#include <cmath>

#include "ingest.hpp"

namespace bedtimed::commands {

const nlohmann::json* Fields::get(const char* key) {
    read_.insert(key);
    auto it = obj_.find(key);
    return it == obj_.end() || it->is_null() ? nullptr : &*it;
}

std::string Fields::text(const char* key, std::size_t max_len, bool required) {
    const nlohmann::json* v = get(key);
    if (!v) {
        if (required) throw Refused{std::string("missing \"") + key + "\""};
        return {};
    }
    if (!v->is_string()) throw Refused{std::string("\"") + key + "\" must be a string"};
    auto s = v->get<std::string>();
    if (s.size() > max_len)
        throw Refused{std::string("\"") + key + "\" is longer than " + std::to_string(max_len) +
                      " bytes"};
    for (unsigned char c : s)
        if (c < 0x20) throw Refused{std::string("\"") + key + "\" contains control characters"};
    return s;
}

std::optional<double> Fields::number(const char* key, double lo, double hi) {
    const nlohmann::json* v = get(key);
    if (!v) return std::nullopt;
    if (!v->is_number()) throw Refused{std::string("\"") + key + "\" must be a number"};
    const double d = v->get<double>();
    if (!std::isfinite(d) || d < lo || d > hi)
        throw Refused{std::string("\"") + key + "\" must be between " +
                      std::to_string(static_cast<int>(lo)) + " and " +
                      std::to_string(static_cast<int>(hi))};
    return d;
}

std::optional<bool> Fields::flag(const char* key) {
    const nlohmann::json* v = get(key);
    if (!v) return std::nullopt;
    if (!v->is_boolean()) throw Refused{std::string("\"") + key + "\" must be true or false"};
    return v->get<bool>();
}

bool Fields::required_flag(const char* key) {
    auto v = flag(key);
    if (!v) throw Refused{std::string("missing \"") + key + "\""};
    return *v;
}

std::optional<WallTime> Fields::time(const char* key, WallTime now) {
    const std::string s = text(key, 40);
    if (s.empty()) return std::nullopt;
    auto t = parse_iso8601(s);
    if (!t) throw Refused{std::string("\"") + key + "\" is not an ISO-8601 time"};
    if (*t > now + std::chrono::minutes(5))
        throw Refused{std::string("\"") + key + "\" is in the future"};
    if (*t < now - std::chrono::hours(24 * 3653))
        throw Refused{std::string("\"") + key + "\" is too far back"};
    return t;
}

std::string Fields::side() {
    std::string s = text("side", 10);
    if (!s.empty() && s != "left" && s != "right" && s != "both")
        throw Refused{"\"side\" must be left, right or both"};
    return s;
}

EpisodeFlags Fields::flags(bool& given) {
    EpisodeFlags flags;
    given = false;
    auto read = [&](const char* key, bool& out) {
        if (auto v = flag(key)) {
            out = *v;
            given = true;
        }
    };
    read("swelling", flags.swelling);
    read("redness", flags.redness);
    read("warmth", flags.warmth);
    read("numbness", flags.numbness);
    read("back_pain", flags.back_pain);
    return flags;
}

void Fields::no_others() const {
    for (auto it = obj_.begin(); it != obj_.end(); ++it)
        if (!read_.count(it.key())) throw Refused{"unknown field \"" + it.key() + "\""};
}

bool valid_request_id(std::string_view id) noexcept {
    if (id.empty() || id.size() > 64) return false;
    for (char c : id)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) return false;
    return true;
}

std::optional<int> hhmm_minutes(const std::string& t) {
    auto digit = [&](std::size_t i) { return std::isdigit(static_cast<unsigned char>(t[i])) != 0; };
    if (t.size() != 5 || t[2] != ':' || !digit(0) || !digit(1) || !digit(3) || !digit(4))
        return std::nullopt;
    const int h = (t[0] - '0') * 10 + (t[1] - '0'), m = (t[3] - '0') * 10 + (t[4] - '0');
    if (h > 23 || m > 59) return std::nullopt;
    return h * 60 + m;
}

}  // namespace bedtimed::commands
