// Payload and topic templates: literal text with `{{ path }}` placeholders,
// e.g. `{"state":"ON","id":{{episode.id}}}` or `{{ sensor.bedroom_temp | json }}`.
//
// A Template is compiled once at config load (compile() throws TemplateError
// with the column of the fault) and rendered many times on the loop thread
// (render() is noexcept apart from allocation). Placeholders are looked up
// through a caller-supplied resolver so this file knows nothing of episodes.
#pragma once

#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "value.hpp"

namespace bedtimed {

class TemplateError : public std::runtime_error {
public:
    TemplateError(std::size_t offset, const std::string& what)
        : std::runtime_error(what), offset_(offset) {}
    // 0-based byte offset inside the template text.
    std::size_t offset() const noexcept { return offset_; }

private:
    std::size_t offset_;
};

class Template {
public:
    struct Placeholder {
        std::string path;  // e.g. "episode.id"
        bool as_json = false;
        std::size_t offset = 0;  // where `{{` starts, for error messages
    };
    // Resolves a placeholder path to a value; unknown paths yield monostate.
    using Resolver = std::function<Value(std::string_view path)>;

    Template() = default;
    // Throws TemplateError on an unterminated or empty placeholder, or an unknown filter.
    static Template compile(std::string text);

    std::string render(const Resolver& resolve) const;
    const std::string& text() const noexcept { return text_; }
    const std::vector<Placeholder>& placeholders() const noexcept { return placeholders_; }
    bool is_literal() const noexcept { return placeholders_.empty(); }

private:
    struct Part {
        std::string literal;   // emitted before the placeholder (if any)
        int placeholder = -1;  // index into placeholders_, or -1 for a trailing literal
    };
    std::string text_;
    std::vector<Part> parts_;
    std::vector<Placeholder> placeholders_;
};

}  // namespace bedtimed
