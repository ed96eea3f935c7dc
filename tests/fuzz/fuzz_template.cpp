// libFuzzer target: payload and topic templates (config/template.*): compile
// any text; render what compiles against values of every kind, including the
// awkward ones (NaN, huge numbers, quotes and control characters in strings).
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string>

#include "template.hpp"

using namespace bedtimed;

namespace {

Value value_for(std::string_view path) {
    switch (std::hash<std::string_view>{}(path) % 8) {
        case 0:
            return {};
        case 1:
            return true;
        case 2:
            return std::numeric_limits<std::int64_t>::min();
        case 3:
            return std::numeric_limits<double>::quiet_NaN();
        case 4:
            return -std::numeric_limits<double>::infinity();
        case 5:
            return 1e308;
        case 6:
            return std::string("quote \" backslash \\ newline \n nul ") + '\0' + "\xff";
        default:
            return std::string(path);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);
    try {
        const Template t = Template::compile(text);
        (void)t.render(value_for);
        for (const auto& ph : t.placeholders())
            if (ph.path.empty() || ph.offset >= size) std::abort();
    } catch (const TemplateError& e) {
        if (e.offset() >= size) std::abort();  // the column must point into the text
    }
    return 0;
}
