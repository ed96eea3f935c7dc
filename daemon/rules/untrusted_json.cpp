// The strict JSON reader for untrusted payloads (nesting capped before
// parsing, no key twice in one object), UTF-8 validation and dotted-path
// lookup: what the payload parsers and the command topic share.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <string>
#include <vector>

#include "ingest.hpp"
#include "json_path.hpp"

namespace bedtimed {

using nlohmann::json;

namespace {

// One pass over the raw bytes, before the parser allocates anything: the
// bracket depth outside strings (to refuse hostile nesting) and how many
// object keys the text holds (a string followed by ':').
struct JsonShape {
    bool nesting_ok = true;
    std::size_t keys = 0;
};

JsonShape scan_json(std::string_view s, int depth_limit) {
    JsonShape shape;
    int depth = 0;
    bool in_string = false, escaped = false, string_just_closed = false;
    for (char c : s) {
        if (in_string) {
            if (escaped) escaped = false;
            else if (c == '\\') escaped = true;
            else if (c == '"') in_string = false, string_just_closed = true;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
        if (c == ':' && string_just_closed) ++shape.keys;
        string_just_closed = false;
        if (c == '"') in_string = true;
        else if (c == '{' || c == '[') {
            if (++depth > depth_limit) {
                shape.nesting_ok = false;
                return shape;
            }
        } else if (c == '}' || c == ']') --depth;
    }
    return shape;
}

// Members of every object in the parsed tree.
std::size_t object_members(const json& j) {
    std::size_t n = 0;
    if (j.is_object()) n += j.size();
    if (j.is_structured())
        for (const auto& child : j) n += object_members(child);
    return n;
}

// The first key given twice in one object, by a second, slower parse that
// watches the keys go by; only run once the counts say there is one.
std::string first_duplicate_key(std::string_view payload) {
    std::vector<std::vector<std::string>> open_objects;  // keys so far, innermost last
    std::string duplicate;
    const json::parser_callback_t watch = [&](int, json::parse_event_t event, json& parsed) {
        if (event == json::parse_event_t::object_start) {
            open_objects.emplace_back();
        } else if (event == json::parse_event_t::object_end) {
            if (!open_objects.empty()) open_objects.pop_back();
        } else if (event == json::parse_event_t::key && !open_objects.empty() &&
                   parsed.is_string() && duplicate.empty()) {
            auto& keys = open_objects.back();
            const auto& key = parsed.get_ref<const std::string&>();
            if (std::find(keys.begin(), keys.end(), key) != keys.end()) duplicate = key;
            else keys.push_back(key);
        }
        return true;
    };
    const json parsed =
        json::parse(payload.begin(), payload.end(), watch, /*allow_exceptions=*/false);
    (void)parsed;
    return duplicate;
}

}  // namespace

std::optional<json> parse_untrusted_json(std::string_view payload, std::string& error) {
    const JsonShape shape = scan_json(payload, kMaxJsonDepth);
    if (!shape.nesting_ok) {
        error = "JSON nested deeper than " + std::to_string(kMaxJsonDepth);
        return std::nullopt;
    }
    json j = json::parse(payload.begin(), payload.end(), nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) {
        error = "not valid JSON";
        return std::nullopt;
    }
    // A key given twice is refused: nlohmann keeps the last one silently,
    // another reader of the same payload might take the first
    // ({"duration_s": 5, "duration_s": 3600}). Fewer members than keys in
    // the text means one was overwritten.
    if (object_members(j) != shape.keys) {
        error = "duplicate key \"" + first_duplicate_key(payload).substr(0, 40) + "\"";
        return std::nullopt;
    }
    return j;
}

bool valid_utf8(std::string_view s) {
    // A raw (non-JSON) payload must still be text we can log and template.
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        std::size_t n = c < 0x80           ? 1
                        : (c >> 5) == 0x6  ? 2
                        : (c >> 4) == 0xE  ? 3
                        : (c >> 3) == 0x1E ? 4
                                           : 0;
        if (n == 0 || i + n > s.size()) return false;
        for (std::size_t k = 1; k < n; ++k)
            if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return false;
        i += n;
    }
    return true;
}

namespace ingest_detail {

const json* find_path(const json& root, std::string_view path) {
    const json* cur = &root;
    while (!path.empty()) {
        const auto dot = path.find('.');
        const std::string_view part = path.substr(0, dot);
        if (cur->is_object()) {
            auto it = cur->find(part);
            if (it == cur->end()) return nullptr;
            cur = &*it;
        } else if (cur->is_array()) {
            std::size_t index = 0;
            auto [p, ec] = std::from_chars(part.data(), part.data() + part.size(), index);
            if (ec != std::errc() || p != part.data() + part.size() || index >= cur->size())
                return nullptr;
            cur = &(*cur)[index];
        } else {
            return nullptr;
        }
        path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
    }
    return cur;
}

}  // namespace ingest_detail

}  // namespace bedtimed
