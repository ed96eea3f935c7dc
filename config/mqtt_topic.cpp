#include "mqtt_topic.hpp"

namespace bedtimed {

namespace {
constexpr std::size_t kMaxTopicBytes = 65535;

bool common_checks(std::string_view t) noexcept {
    return !t.empty() && t.size() <= kMaxTopicBytes && t.find('\0') == std::string_view::npos;
}
}  // namespace

bool is_valid_publish_topic(std::string_view topic) noexcept {
    return common_checks(topic) && topic.find_first_of("+#") == std::string_view::npos;
}

bool is_valid_topic_filter(std::string_view filter) noexcept {
    if (!common_checks(filter)) return false;
    std::size_t start = 0;
    while (true) {
        const std::size_t slash = filter.find('/', start);
        const std::string_view level = filter.substr(
            start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
        if (level.find_first_of("+#") != std::string_view::npos) {
            if (level.size() != 1) return false;
            if (level == "#" && slash != std::string_view::npos) return false;
        }
        if (slash == std::string_view::npos) return true;
        start = slash + 1;
    }
}

bool topic_matches(std::string_view filter, std::string_view topic) noexcept {
    if (!topic.empty() && topic.front() == '$' && !filter.empty() &&
        (filter.front() == '+' || filter.front() == '#'))
        return false;
    std::size_t f = 0, t = 0;
    while (true) {
        const std::size_t fs = filter.find('/', f);
        const std::string_view flevel =
            filter.substr(f, fs == std::string_view::npos ? fs : fs - f);
        if (flevel == "#") return true;
        if (t > topic.size()) return false;  // topic has fewer levels than the filter
        const std::size_t ts = topic.find('/', t);
        const std::string_view tlevel = topic.substr(t, ts == std::string_view::npos ? ts : ts - t);
        if (flevel != "+" && flevel != tlevel) return false;
        const bool filter_done = fs == std::string_view::npos;
        const bool topic_done = ts == std::string_view::npos;
        if (filter_done || topic_done) {
            if (filter_done && topic_done) return true;
            // "a/#" also matches "a": the filter's next (last) level is '#'.
            return topic_done && filter.substr(fs + 1) == "#";
        }
        f = fs + 1;
        t = ts + 1;
    }
}

}  // namespace bedtimed
