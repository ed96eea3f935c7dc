// The page's check-ins and latest experiment, read as bedtimectl reads them
// (experiment_report.hpp), so the page, the stats topic and `bedtimectl
// experiment report` say the same.
#include "views_nights.hpp"

#include "checkin.hpp"
#include "experiment_report.hpp"
#include "iso8601.hpp"
#include "local_time.hpp"

namespace bedtimed::web {

nlohmann::json checkin_rows(const EpisodeStore& store, const std::string& sleeper,
                            const std::string& from, const std::string& to, long limit) {
    nlohmann::json rows = nlohmann::json::array();
    const auto all = store.checkins(sleeper, from);
    for (auto it = all.rbegin(); it != all.rend() && static_cast<long>(rows.size()) < limit; ++it) {
        if (!to.empty() && it->night > to) continue;  // night texts sort as dates
        const auto answer = cramplog::answer_from(it->answer);
        rows.push_back({{"sleeper", it->sleeper},
                        {"night", it->night},
                        {"answer", it->answer},
                        {"answer_label", answer ? cramplog::answer_label(*answer) : it->answer},
                        {"answered_at", format_iso8601(it->answered)},
                        {"channel", it->channel}});
    }
    return rows;
}

nlohmann::json latest_experiment_json(const std::string& db_path, const config::SleeperSpec& spec,
                                      WallTime now) {
    const EpisodeStore store(db_path, EpisodeStore::Mode::read_only);
    const auto all = store.experiments(spec.name);  // newest first
    if (all.empty()) return nullptr;
    return cramplog::experiment_report_json(cramplog::experiment_report(
        store, all.front(), zone_named(spec.timezone), !spec.wearable.empty(), now));
}

}  // namespace bedtimed::web
