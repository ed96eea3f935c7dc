// Unclosed quotes, which yaml-cpp either accepts (swallowing the rest of the
// file) or reports far from where the mistake is.
#include <yaml-cpp/yaml.h>

#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "loader.hpp"
#include "sections.hpp"

namespace bedtimed::config::detail {

namespace {

// yaml-cpp 0.7 takes a quoted scalar that is never closed when it runs to
// the end of the file (`client_id: "bedtimed` as the last line, or with the
// rest of the file swallowed into it). From each quoted scalar's opening
// quote, look for its closing one; the first that has none is refused.
void check_quotes_closed_below(const YAML::Node& n, const std::string& text,
                               const std::vector<std::size_t>& line_starts,
                               const std::string& path) {
    if (n.IsMap()) {
        for (const auto& kv : n) {
            check_quotes_closed_below(kv.first, text, line_starts, path);
            check_quotes_closed_below(kv.second, text, line_starts, path);
        }
        return;
    }
    if (n.IsSequence()) {
        for (const auto& item : n) check_quotes_closed_below(item, text, line_starts, path);
        return;
    }
    if (!n.IsScalar()) return;
    const YAML::Mark m = n.Mark();
    if (m.line < 0 || m.column < 0 || static_cast<std::size_t>(m.line) >= line_starts.size())
        return;
    const std::size_t open =
        line_starts[static_cast<std::size_t>(m.line)] + static_cast<std::size_t>(m.column);
    if (open >= text.size() || (text[open] != '"' && text[open] != '\'')) return;
    const char q = text[open];
    for (std::size_t i = open + 1; i < text.size(); ++i) {
        if (q == '"' && text[i] == '\\') ++i;  // an escape: \" does not close
        else if (q == '\'' && text[i] == '\'' && i + 1 < text.size() && text[i + 1] == '\'')
            ++i;  // ''
        else if (text[i] == q) return;
    }
    throw ConfigError(Location{path, m.line + 1, m.column + 1},
                      std::string(q == '"' ? "double" : "single") +
                          "-quoted string is never closed: it runs to the end of the file");
}

}  // namespace

void check_quotes_closed(const YAML::Node& root, const std::string& text, const std::string& path) {
    std::vector<std::size_t> line_starts{0};
    for (std::size_t i = 0; i < text.size(); ++i)
        if (text[i] == '\n') line_starts.push_back(i + 1);
    check_quotes_closed_below(root, text, line_starts, path);
}

// A YAML error often follows from a quote opened earlier and closed only by
// some later quote (`client_id: "bedtimed` in the middle of a file). The
// first value before `error_line` (1-based) whose quote does not close on its
// own line, or nullopt.
std::optional<Location> unclosed_quote_before(const std::string& text, int error_line,
                                              const std::string& path) {
    std::istringstream in(text);
    std::string line;
    for (int n = 1; n < error_line && std::getline(in, line); ++n) {
        // Where a value may start: after "key: " or "- ", outside any quote.
        std::size_t i = line.find_first_not_of(" \t");
        if (i == std::string::npos || line[i] == '#') continue;
        if (line.compare(i, 2, "- ") == 0) i = line.find_first_not_of(" \t", i + 2);
        if (i == std::string::npos) continue;
        if (line[i] != '"' && line[i] != '\'') {
            const auto colon = line.find(": ", i);
            if (colon == std::string::npos || line.find_first_of("\"'#", i) < colon) continue;
            i = line.find_first_not_of(" \t", colon + 1);
            if (i == std::string::npos || (line[i] != '"' && line[i] != '\'')) continue;
        }
        const char q = line[i];
        bool closed = false;
        for (std::size_t j = i + 1; j < line.size() && !closed; ++j) {
            if (q == '"' && line[j] == '\\') ++j;
            else if (q == '\'' && line[j] == '\'' && j + 1 < line.size() && line[j + 1] == '\'')
                ++j;
            else closed = line[j] == q;
        }
        if (!closed) return Location{path, n, static_cast<int>(i) + 1};
    }
    return std::nullopt;
}

}  // namespace bedtimed::config::detail
