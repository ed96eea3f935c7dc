#include "template.hpp"

#include <cctype>

namespace bedtimed {

namespace {
std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

bool is_path_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
}
}  // namespace

Template Template::compile(std::string text) {
    Template t;
    t.text_ = std::move(text);
    const std::string& s = t.text_;
    std::string literal;
    std::size_t i = 0;
    while (i < s.size()) {
        if (s.compare(i, 2, "{{") != 0) {
            // A lone "}}" is literal text: nested JSON objects end with it, e.g. {"a":{"b":1}}.
            literal += s[i++];
            continue;
        }
        const std::size_t open = i;
        const std::size_t close = s.find("}}", i + 2);
        if (close == std::string::npos) throw TemplateError(open, "'{{' is never closed");
        std::string_view inner = trim(std::string_view(s).substr(i + 2, close - i - 2));
        Placeholder ph;
        ph.offset = open;
        if (auto bar = inner.find('|'); bar != std::string_view::npos) {
            std::string_view filter = trim(inner.substr(bar + 1));
            if (filter != "json")
                throw TemplateError(open, "unknown template filter '" + std::string(filter) +
                                              "' (only 'json' exists)");
            ph.as_json = true;
            inner = trim(inner.substr(0, bar));
        }
        if (inner.empty()) throw TemplateError(open, "empty placeholder '{{}}'");
        for (char c : inner)
            if (!is_path_char(c))
                throw TemplateError(
                    open, "placeholder '" + std::string(inner) + "' is not a path like episode.id");
        ph.path = std::string(inner);
        t.parts_.push_back(Part{std::move(literal), static_cast<int>(t.placeholders_.size())});
        literal.clear();
        t.placeholders_.push_back(std::move(ph));
        i = close + 2;
    }
    if (!literal.empty() || t.parts_.empty()) t.parts_.push_back(Part{std::move(literal), -1});
    return t;
}

std::string Template::render(const Resolver& resolve) const {
    std::string out;
    out.reserve(text_.size() + 16);
    for (const Part& part : parts_) {
        out += part.literal;
        if (part.placeholder < 0) continue;
        const Placeholder& ph = placeholders_[static_cast<std::size_t>(part.placeholder)];
        const Value v = resolve(ph.path);
        out += ph.as_json ? to_json_text(v) : to_text(v);
    }
    return out;
}

}  // namespace bedtimed
