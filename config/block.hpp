// Internal to the config library: the YAML reading helpers shared by the
// loader's section parsers (loader.cpp and the *_loader.cpp files). Not a public interface.
// Threads: any; no shared state. Everything throws ConfigError on bad input.
#pragma once

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "config.hpp"
#include "loader.hpp"
#include "mqtt_topic.hpp"

namespace bedtimed::config::detail {

// A YAML mapping being read, MPD ConfigBlock style: every value keeps its
// position, and keys nobody read become warnings.
class Block {
public:
    Block(YAML::Node node, const std::string& file, const std::string& text,
          std::vector<std::string>& warnings)
        : node_(std::move(node)), file_(&file), text_(&text), warnings_(&warnings) {
        // yaml-cpp keeps the last of two equal keys without a word; a user who
        // wrote `topic:` twice meant one of them, so say which line repeats.
        if (!node_.IsMap()) return;
        std::map<std::string, YAML::Node> seen;
        for (const auto& kv : node_) {
            if (!kv.first.IsScalar()) continue;
            auto [it, fresh] = seen.emplace(kv.first.Scalar(), kv.first);
            if (!fresh)
                throw ConfigError(at(kv.first), "duplicate key '" + kv.first.Scalar() +
                                                    "' (first at line " +
                                                    std::to_string(at(it->second).line) + ")");
        }
    }

    Location where() const { return at(node_); }
    Location at(const YAML::Node& n) const {
        const YAML::Mark m = n.Mark();
        // yaml-cpp marks are 0-based, and -1 when unknown.
        return Location{*file_, m.line >= 0 ? m.line + 1 : 0, m.column >= 0 ? m.column + 1 : 0};
    }
    [[noreturn]] void fail(const YAML::Node& n, const std::string& msg) const {
        throw ConfigError(at(n), msg);
    }
    [[noreturn]] void fail(const std::string& msg) const { fail(node_, msg); }

    bool has(const std::string& key) const {
        return node_[key].IsDefined() && !node_[key].IsNull();
    }

    YAML::Node get(const std::string& key) {
        used_.insert(key);
        // The const lookup: yaml-cpp's non-const operator[] adds an undefined
        // entry to the document for every absent key it is asked for, and
        // those stay until the document goes (15 MiB of a house of 500
        // sleepers' 75 MiB peak, bench/house.py). An absent key reads as a
        // fresh undefined node, as it did.
        const YAML::Node& node = node_;
        YAML::Node found = node[key];
        return found.IsDefined() ? found : YAML::Node(YAML::NodeType::Undefined);
    }
    YAML::Node require(const std::string& key) {
        YAML::Node n = get(key);
        if (!n.IsDefined() || n.IsNull()) fail("missing required key '" + key + "'");
        return n;
    }

    std::string scalar(const YAML::Node& n, const std::string& key) const {
        if (!n.IsScalar()) fail(n, "'" + key + "' must be a string, not a " + kind(n));
        return n.Scalar();
    }
    std::string require_string(const std::string& key) { return scalar(require(key), key); }
    std::string string_or(const std::string& key, std::string fallback) {
        if (!has(key)) return (used_.insert(key), fallback);
        return scalar(get(key), key);
    }
    double number(const YAML::Node& n, const std::string& key) const {
        const std::string s = scalar(n, key);
        double v = 0;
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v))
            fail(n, "'" + key + "' must be a number, not '" + s + "'");
        return v;
    }
    double number_or(const std::string& key, double fallback, double lo, double hi) {
        if (!has(key)) return (used_.insert(key), fallback);
        YAML::Node n = get(key);
        const double v = number(n, key);
        if (v < lo || v > hi)
            fail(n, "'" + key + "' is " + s_num(v) + ", outside " + s_num(lo) + ".." + s_num(hi));
        return v;
    }
    long integer_or(const std::string& key, long fallback, long lo, long hi) {
        if (!has(key)) return (used_.insert(key), fallback);
        YAML::Node n = get(key);
        const std::string s = scalar(n, key);
        long v = 0;
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (ec != std::errc() || p != s.data() + s.size())
            fail(n, "'" + key + "' must be a whole number, not '" + s + "'");
        if (v < lo || v > hi)
            fail(n, "'" + key + "' is " + s + ", outside " + std::to_string(lo) + ".." +
                        std::to_string(hi));
        return v;
    }
    bool boolean_or(const std::string& key, bool fallback) {
        if (!has(key)) return (used_.insert(key), fallback);
        YAML::Node n = get(key);
        const std::string s = scalar(n, key);
        if (s == "true" || s == "yes" || s == "on") return true;
        if (s == "false" || s == "no" || s == "off") return false;
        fail(n, "'" + key + "' must be true or false, not '" + s + "'");
    }
    // "90", "90s", "15m", "2h", "1h30m" → seconds, within [lo, hi].
    std::chrono::seconds duration_or(const std::string& key, std::chrono::seconds fallback,
                                     std::chrono::seconds lo, std::chrono::seconds hi) {
        if (!has(key)) return (used_.insert(key), fallback);
        YAML::Node n = get(key);
        const std::string s = scalar(n, key);
        const auto d = parse_duration(s);
        if (!d) fail(n, "'" + key + "' must be a duration like 30s, 15m or 2h, not '" + s + "'");
        if (*d < lo || *d > hi)
            fail(n, "'" + key + "' is " + s + ", outside " + std::to_string(lo.count()) + "s.." +
                        std::to_string(hi.count()) + "s");
        return *d;
    }
    std::vector<std::string> string_list_or(const std::string& key,
                                            std::vector<std::string> fallback) {
        if (!has(key)) return (used_.insert(key), fallback);
        YAML::Node n = get(key);
        if (!n.IsSequence()) fail(n, "'" + key + "' must be a list, not a " + kind(n));
        std::vector<std::string> out;
        for (const auto& item : n) out.push_back(scalar(item, key));
        return out;
    }
    Block child(const std::string& key) {
        YAML::Node n = require(key);
        if (!n.IsMap()) fail(n, "'" + key + "' must be a mapping, not a " + kind(n));
        return Block(n, *file_, *text_, *warnings_);
    }

    // Call once every key has been read: unread keys are reported, not fatal.
    void warn_unknown_keys() const {
        for (const auto& kv : node_) {
            const std::string key = kv.first.Scalar();
            if (!used_.count(key))
                warnings_->push_back(at(kv.first).str() + ": unknown key '" + key + "' (ignored)");
        }
    }

    const YAML::Node& node() const { return node_; }
    const std::string& file() const { return *file_; }
    const std::string& text() const { return *text_; }
    std::vector<std::string>& warnings() const { return *warnings_; }

    static std::string kind(const YAML::Node& n) {
        switch (n.Type()) {
            case YAML::NodeType::Map:
                return "mapping";
            case YAML::NodeType::Sequence:
                return "list";
            case YAML::NodeType::Scalar:
                return "string";
            case YAML::NodeType::Null:
                return "null";
            default:
                return "nothing";
        }
    }
    static std::optional<std::chrono::seconds> parse_duration(const std::string& s) {
        if (s.empty()) return std::nullopt;
        long long total = 0;
        std::size_t i = 0;
        bool any = false;
        while (i < s.size()) {
            long long n = 0;
            auto [p, ec] = std::from_chars(s.data() + i, s.data() + s.size(), n);
            if (ec != std::errc() || n < 0 || n > 10'000'000) return std::nullopt;
            i = static_cast<std::size_t>(p - s.data());
            long long unit = 1;
            if (i < s.size()) {
                switch (s[i]) {
                    case 's':
                        unit = 1;
                        break;
                    case 'm':
                        unit = 60;
                        break;
                    case 'h':
                        unit = 3600;
                        break;
                    case 'd':
                        unit = 86400;
                        break;
                    default:
                        return std::nullopt;
                }
                ++i;
            } else if (any) {
                return std::nullopt;  // "1h30" is ambiguous
            }
            total += n * unit;
            any = true;
        }
        return std::chrono::seconds(total);
    }
    static std::string s_num(double v) {
        std::ostringstream os;
        os << v;
        return os.str();
    }

private:
    YAML::Node node_;
    const std::string* file_;
    const std::string* text_;  // the whole YAML source, to locate bytes inside scalars
    std::vector<std::string>* warnings_;
    std::set<std::string> used_;
};

inline bool valid_name(const std::string& name) {
    if (name.empty() || name.size() > 64) return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
    });
}

inline std::string require_name(Block& b) {
    YAML::Node n = b.require("name");
    std::string name = b.scalar(n, "name");
    if (!valid_name(name))
        b.fail(n, "name '" + name + "' must be 1-64 letters, digits, '_' or '-'");
    return name;
}

template <class Spec>
void check_unique_names(const std::vector<Spec>& specs, const char* what) {
    std::map<std::string, const Spec*> seen;
    for (const auto& s : specs) {
        auto [it, fresh] = seen.emplace(s.name, &s);
        if (!fresh)
            throw ConfigError(s.where, std::string("duplicate ") + what + " name '" + s.name +
                                           "' (first defined at " + it->second->where.str() + ")");
    }
}

inline std::string subscribe_topic(Block& b, const std::string& key) {
    YAML::Node n = b.require(key);
    std::string t = b.scalar(n, key);
    if (!is_valid_topic_filter(t)) b.fail(n, "'" + t + "' is not a valid MQTT topic filter");
    return t;
}

// Location of the `{{` at byte `offset` of a scalar's value, for template errors.
// The value differs from the source text by quotes, escapes and folded lines, so
// adding the offset to the scalar's column is wrong for "..." with escapes and for
// `>-` blocks. Every template error offset is a `{{`, and no YAML escaping or
// folding creates or splits one, so the k-th `{{` of the value is the k-th `{{` in
// the source after the scalar's start.
inline Location location_in_scalar(const Block& b, const YAML::Node& n, std::size_t offset) {
    Location loc = b.at(n);
    const std::string& value = n.Scalar();
    const std::string& src = b.text();
    std::size_t k = 0;
    for (std::size_t p = value.find("{{"); p != std::string::npos && p < offset;
         p = value.find("{{", p + 2))
        ++k;
    std::size_t pos = 0;  // byte offset of the scalar's start in the source
    for (int line = 1; line < loc.line; ++line) {
        pos = src.find('\n', pos);
        if (pos == std::string::npos) return loc;
        ++pos;
    }
    pos += static_cast<std::size_t>(std::max(loc.column - 1, 0));
    std::size_t hit = src.find("{{", pos);
    for (; k > 0 && hit != std::string::npos; --k) hit = src.find("{{", hit + 2);
    if (hit == std::string::npos) return loc;
    const std::size_t newline = src.rfind('\n', hit);
    const std::size_t line_start = newline == std::string::npos ? 0 : newline + 1;
    loc.line += static_cast<int>(std::count(src.begin() + static_cast<std::ptrdiff_t>(pos),
                                            src.begin() + static_cast<std::ptrdiff_t>(hit), '\n'));
    loc.column = static_cast<int>(hit - line_start) + 1;
    return loc;
}

Condition parse_condition(const Block& rule, const YAML::Node& n);
// "" when `path` names something that exists, else what is wrong with it.
std::string check_reference(const std::string& path, const std::vector<SensorSpec>& sensors,
                            bool episode_available);
Template compile_template(Block& b, const std::string& key, bool required,
                          const std::vector<SensorSpec>& sensors, bool episode_available);

// The `actuators`, `notifiers` and `sleepers` sections (household_loader.cpp).
void parse_household(Block& top, Config& cfg);

template <class Fn>
void for_each_item(Block& root, const std::string& key, Fn&& fn) {
    if (!root.has(key)) return (void)root.get(key);
    YAML::Node list = root.get(key);
    if (!list.IsSequence()) root.fail(list, "'" + key + "' must be a list");
    for (const auto& item : list) {
        if (!item.IsMap()) root.fail(item, "each entry of '" + key + "' must be a mapping");
        fn(Block(item, root.file(), root.text(), root.warnings()));
    }
}

}  // namespace bedtimed::config::detail
