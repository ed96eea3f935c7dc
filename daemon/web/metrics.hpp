// Prometheus text exposition format (version 0.0.4) for /metrics, and the
// histogram of episode → command latency it shows. Pure string building.
//
// Threads: loop thread (the histogram is plain integers). Never throws apart
// from std::bad_alloc.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bedtimed::web {

// From an episode's arrival (its `received` stamp) to the moment the routine
// handed its reaction (the pad's command) to the bus.
class LatencyHistogram {
public:
    // Upper bounds in seconds; +Inf is implied.
    static constexpr std::array<double, 12> kBounds{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                    0.05,   0.1,   0.25,   0.5,   1.0,  2.5};
    void observe(std::chrono::microseconds latency) noexcept;
    std::uint64_t count() const noexcept { return count_; }
    double sum_seconds() const noexcept { return sum_s_; }
    // Cumulative counts per bound (Prometheus buckets).
    std::array<std::uint64_t, kBounds.size()> cumulative() const noexcept;

private:
    std::array<std::uint64_t, kBounds.size()> in_bucket_{};
    std::uint64_t count_ = 0;
    double sum_s_ = 0;
};

using Labels = std::vector<std::pair<std::string, std::string>>;

// Writes one family at a time: # HELP, # TYPE, its samples.
class MetricsText {
public:
    void counter(std::string_view name, std::string_view help, double value);
    void gauge(std::string_view name, std::string_view help,
               const std::vector<std::pair<Labels, double>>& samples);
    void labelled_counter(std::string_view name, std::string_view help,
                          const std::vector<std::pair<Labels, double>>& samples);
    void histogram(std::string_view name, std::string_view help, const LatencyHistogram& h);
    const std::string& text() const noexcept { return text_; }

private:
    void family(std::string_view name, std::string_view help, std::string_view type);
    void sample(std::string_view name, const Labels& labels, double value);
    std::string text_;
};

// A label value escaped as the format asks (\\, \", \n).
std::string escape_label(std::string_view value);

}  // namespace bedtimed::web
