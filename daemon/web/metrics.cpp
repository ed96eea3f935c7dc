#include "metrics.hpp"

#include <fmt/format.h>

#include <cmath>

namespace bedtimed::web {

void LatencyHistogram::observe(std::chrono::microseconds latency) noexcept {
    const double s = std::max<double>(0, static_cast<double>(latency.count()) / 1e6);
    ++count_;
    sum_s_ += s;
    for (std::size_t i = 0; i < kBounds.size(); ++i)
        if (s <= kBounds[i]) {
            ++in_bucket_[i];
            return;
        }
}

std::array<std::uint64_t, LatencyHistogram::kBounds.size()> LatencyHistogram::cumulative()
    const noexcept {
    std::array<std::uint64_t, kBounds.size()> out{};
    std::uint64_t running = 0;
    for (std::size_t i = 0; i < kBounds.size(); ++i) out[i] = running += in_bucket_[i];
    return out;
}

std::string escape_label(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (const char c : value) {
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
    return out;
}

namespace {

std::string number(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    return fmt::format("{}", v);
}

}  // namespace

void MetricsText::family(std::string_view name, std::string_view help, std::string_view type) {
    text_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

void MetricsText::sample(std::string_view name, const Labels& labels, double value) {
    text_ += name;
    if (!labels.empty()) {
        text_ += '{';
        for (std::size_t i = 0; i < labels.size(); ++i)
            text_ += fmt::format("{}{}=\"{}\"", i ? "," : "", labels[i].first,
                                 escape_label(labels[i].second));
        text_ += '}';
    }
    text_ += ' ' + number(value) + '\n';
}

void MetricsText::counter(std::string_view name, std::string_view help, double value) {
    family(name, help, "counter");
    sample(name, {}, value);
}

void MetricsText::gauge(std::string_view name, std::string_view help,
                        const std::vector<std::pair<Labels, double>>& samples) {
    family(name, help, "gauge");
    for (const auto& [labels, value] : samples) sample(name, labels, value);
}

void MetricsText::labelled_counter(std::string_view name, std::string_view help,
                                   const std::vector<std::pair<Labels, double>>& samples) {
    family(name, help, "counter");
    for (const auto& [labels, value] : samples) sample(name, labels, value);
}

void MetricsText::histogram(std::string_view name, std::string_view help,
                            const LatencyHistogram& h) {
    family(name, help, "histogram");
    const auto cumulative = h.cumulative();
    const std::string bucket = std::string(name) + "_bucket";
    for (std::size_t i = 0; i < cumulative.size(); ++i)
        sample(bucket, {{"le", number(LatencyHistogram::kBounds[i])}},
               static_cast<double>(cumulative[i]));
    sample(bucket, {{"le", "+Inf"}}, static_cast<double>(h.count()));
    sample(std::string(name) + "_sum", {}, h.sum_seconds());
    sample(std::string(name) + "_count", {}, static_cast<double>(h.count()));
}

}  // namespace bedtimed::web
