#include "value.hpp"

#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace bedtimed {

namespace {
template <class... Ts>
struct overloaded : Ts... {
    using Ts::operator()...;
};
template <class... Ts>
overloaded(Ts...) -> overloaded<Ts...>;
}  // namespace

std::string to_text(const Value& v) {
    return std::visit(overloaded{[](std::monostate) { return std::string(); },
                                 [](bool b) { return std::string(b ? "true" : "false"); },
                                 [](std::int64_t i) { return std::to_string(i); },
                                 [](double d) { return fmt::format("{}", d); },
                                 [](const std::string& s) { return s; }},
                      v);
}

std::string to_json_text(const Value& v) {
    return std::visit(overloaded{[](std::monostate) { return std::string("null"); },
                                 [](bool b) { return std::string(b ? "true" : "false"); },
                                 [](std::int64_t i) { return std::to_string(i); },
                                 [](double d) {
                                     // JSON has no NaN or infinity; those never reach here from
                                     // validated input, but stay well-formed if they do.
                                     return std::isfinite(d) ? fmt::format("{}", d)
                                                             : std::string("null");
                                 },
                                 [](const std::string& s) {
                                     return nlohmann::json(s).dump(
                                         -1, ' ', false, nlohmann::json::error_handler_t::replace);
                                 }},
                      v);
}

std::optional<double> as_number(const Value& v) {
    if (auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
    if (auto* d = std::get_if<double>(&v)) return *d;
    if (auto* b = std::get_if<bool>(&v)) return *b ? 1.0 : 0.0;
    return std::nullopt;
}

}  // namespace bedtimed
