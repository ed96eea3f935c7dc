#include "report.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <map>

#include "ingest.hpp"
#include "local_time.hpp"
#include "night.hpp"

namespace bedtimed::cramplog {

namespace {

std::vector<StoredEpisode> oldest_first(std::vector<StoredEpisode> rows) {
    std::stable_sort(rows.begin(), rows.end(), [](const StoredEpisode& a, const StoredEpisode& b) {
        return a.start != b.start ? a.start < b.start : a.row < b.row;
    });
    return rows;
}

std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

std::string number(double v) { return fmt::format("{}", v); }

std::string xml_escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '&':
                out += "&amp;";
                break;
            case '"':
                out += "&quot;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

std::string fixed(double v, int digits) { return fmt::format("{:.{}f}", v, digits); }
std::string ratio_text(double v) { return std::isinf(v) ? "unbounded" : fixed(v, 2); }

constexpr int kExperimentHeight = 188;

// The experiment's result as a small table; the same numbers as `bedtimectl
// experiment status` (both come from experiment_report()).
std::string experiment_section(const ExperimentReport& x, int top, int margin) {
    const auto& r = x.result;
    const std::string interim = r.interim
                                    ? fmt::format("Interim ({} of {} nights)", r.done, r.planned)
                                    : fmt::format("{} of {} nights", r.done, r.planned);
    std::string svg = fmt::format(
        "<g class=\"experiment\"><title>{}</title>\n"
        "<text x=\"{}\" y=\"{}\" font-size=\"13\">Experiment: {} ({}, from {}). {}</text>\n",
        xml_escape(x.text), margin, top + 12, xml_escape(x.step_label), xml_escape(x.status),
        xml_escape(x.record.first_night), interim);
    const int cols[] = {0, 130, 200, 330, 400};
    const char* heads[] = {"", "Nights", "Nights with a cramp", "Cramps", "Cramps per night"};
    for (int c = 0; c < 5; ++c)
        svg += fmt::format("<text x=\"{}\" y=\"{}\" fill=\"#555\">{}</text>\n", margin + cols[c],
                           top + 34, heads[c]);
    const std::pair<const char*, const ArmResult*> arms[] = {{"With the step", &r.with_step},
                                                             {"Without", &r.without_step}};
    for (int i = 0; i < 2; ++i) {
        const ArmResult& a = *arms[i].second;
        const std::string cells[] = {arms[i].first, std::to_string(a.nights),
                                     std::to_string(a.nights_with_cramp), std::to_string(a.cramps),
                                     fixed(a.rate, 2)};
        for (int c = 0; c < 5; ++c)
            svg += fmt::format("<text x=\"{}\" y=\"{}\" class=\"arm-{}\">{}</text>\n",
                               margin + cols[c], top + 52 + 18 * i, i == 0 ? "with" : "without",
                               cells[c]);
    }
    // One statement a line, 18 px apart below the table: the ratio with its
    // reason or interval, the probability, the nights left out, the caveat.
    // Kept apart, the longest (a long step label in the reason, "unbounded"
    // twice) stays inside the 680 px between the margins at 11 px.
    const std::string ratio =
        r.ratio ? fmt::format("Rate ratio {} (exact 95% interval {} to {}).",
                              ratio_text(r.ratio->estimate), ratio_text(r.ratio->interval.lower),
                              ratio_text(r.ratio->interval.upper))
                : why_no_ratio(r, x.step_label) + ": no rate ratio.";
    int y = top + 104;
    const auto line = [&](const std::string& text, bool grey) {
        svg += fmt::format("<text x=\"{}\" y=\"{}\"{}>{}</text>\n", margin, y,
                           grey ? " fill=\"#555\"" : "", xml_escape(text));
        y += 18;
    };
    line(ratio, false);
    line(fmt::format("Probability that the rate was lower with the step: {}%.",
                     fixed(100 * r.probability_lower, 0)),
         false);
    if (r.excluded)
        line(fmt::format("{} nights left out (not as assigned, or no answer).", r.excluded), true);
    line(
        "These numbers describe these nights only; they do not show that a step treats or "
        "prevents cramps.",
        true);
    svg += "</g>\n";
    return svg;
}

}  // namespace

std::string export_csv(const std::vector<StoredEpisode>& episodes) {
    std::string out = "source,source_id,sleeper,start,duration_s,muscle,side,severity,status\r\n";
    for (const auto& e : oldest_first(episodes)) {
        out += fmt::format("{},{},{},{},{},{},{},{},{}\r\n", csv_field(e.source),
                           csv_field(e.source_id), csv_field(e.sleeper), format_iso8601(e.start),
                           number(e.duration_s), csv_field(e.muscle), csv_field(e.side),
                           e.severity ? number(*e.severity) : "", csv_field(e.status));
    }
    return out;
}

std::string export_json(const std::vector<StoredEpisode>& episodes) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& e : oldest_first(episodes)) {
        out.push_back(
            {{"source", e.source},
             {"source_id", e.source_id},
             {"sleeper", e.sleeper},
             {"start", format_iso8601(e.start)},
             {"duration_s", e.duration_s},
             {"muscle", e.muscle},
             {"side", e.side},
             {"severity", e.severity ? nlohmann::json(*e.severity) : nlohmann::json(nullptr)},
             {"status", e.status}});
    }
    return out.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

ReportData report_data(const std::vector<StoredEpisode>& episodes, const date::time_zone* zone,
                       WallTime now, int nights) {
    ReportData d;
    const date::local_days last = night_of(zone, now);
    const date::local_days first = last - date::days(nights - 1);
    std::map<date::local_days, int> counts;
    for (const auto& e : episodes) {
        if (e.status == "false_positive") continue;
        const date::local_days n = night_of(zone, e.start);
        if (n < first || n > last) continue;
        ++counts[n];
        const int bin = local_minutes(zone, e.start) / 15;
        ++d.clock_histogram[static_cast<std::size_t>(std::clamp(bin, 0, 95))];
    }
    for (date::local_days n = first; n <= last; n += date::days(1))
        d.per_night.emplace_back(night_text(n), counts[n]);
    d.title = fmt::format("Leg cramps, {} nights to {}", nights, night_text(last));
    return d;
}

std::string svg_report(const ReportData& data) {
    // Two charts, one above the other: cramps per night, then time of night.
    const int width = 760, chart_h = 160, margin = 40, gap = 70;
    const int height =
        margin + chart_h + gap + chart_h + margin + (data.experiment ? kExperimentHeight : 0);
    int max_night = 1, max_bin = 1;
    for (const auto& [night, n] : data.per_night) max_night = std::max(max_night, n);
    for (int n : data.clock_histogram) max_bin = std::max(max_bin, n);
    std::string svg = fmt::format(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} "
        "{1}\" "
        "font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" "
        "fill=\"white\"/>\n"
        "<text x=\"{2}\" y=\"22\" font-size=\"15\">{3}</text>\n",
        width, height, margin, xml_escape(data.title));
    // Cramps per night.
    const int top1 = margin;
    const double bar_w =
        static_cast<double>(width - 2 * margin) / std::max<std::size_t>(data.per_night.size(), 1);
    svg += fmt::format("<text x=\"{}\" y=\"{}\">Cramps per night</text>\n", margin, top1 + 12);
    svg += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"#888\"/>\n",
                       margin, top1 + chart_h, width - margin);
    for (std::size_t i = 0; i < data.per_night.size(); ++i) {
        const int n = data.per_night[i].second;
        const double h = (chart_h - 20) * static_cast<double>(n) / max_night;
        svg += fmt::format(
            "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" "
            "fill=\"#4a78b5\"><title>{}: {}</title></rect>\n",
            margin + i * bar_w + 1, top1 + chart_h - h, std::max(bar_w - 2, 1.0), h,
            data.per_night[i].first, n);
        if (i % 7 == 0)
            svg += fmt::format("<text x=\"{:.1f}\" y=\"{}\" fill=\"#555\">{}</text>\n",
                               margin + i * bar_w, top1 + chart_h + 14,
                               data.per_night[i].first.substr(5));
    }
    svg += fmt::format("<text x=\"{}\" y=\"{}\" fill=\"#555\">max {}</text>\n", width - margin - 40,
                       top1 + 12, max_night);
    // Time of night: 18:00 → 12:00 (72 bins), where night-time cramps fall.
    const int top2 = margin + chart_h + gap;
    svg +=
        fmt::format("<text x=\"{}\" y=\"{}\">Time of night (15-minute bins, local time)</text>\n",
                    margin, top2 + 12);
    svg += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"#888\"/>\n",
                       margin, top2 + chart_h, width - margin);
    const double bin_w = static_cast<double>(width - 2 * margin) / 72;
    for (int k = 0; k < 72; ++k) {
        const int bin = (72 + k) % 96;  // 18:00 is bin 72
        const int n = data.clock_histogram[static_cast<std::size_t>(bin)];
        const double h = (chart_h - 20) * static_cast<double>(n) / max_bin;
        svg += fmt::format(
            "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" "
            "fill=\"#c2703d\"><title>{:02}:{:02}: {}</title></rect>\n",
            margin + k * bin_w + 0.5, top2 + chart_h - h, std::max(bin_w - 1, 1.0), h, bin / 4,
            (bin % 4) * 15, n);
        if (k % 8 == 0)
            svg += fmt::format("<text x=\"{:.1f}\" y=\"{}\" fill=\"#555\">{:02}:00</text>\n",
                               margin + k * bin_w, top2 + chart_h + 14, bin / 4);
    }
    if (data.experiment)
        svg += experiment_section(*data.experiment, top2 + chart_h + margin, margin);
    svg += "</svg>\n";
    return svg;
}

}  // namespace bedtimed::cramplog
