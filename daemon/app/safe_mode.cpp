#include "safe_mode.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "ingest.hpp"

namespace bedtimed {

namespace {
std::int64_t epoch_s(WallTime t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}
WallTime from_epoch(std::int64_t s) { return WallTime{std::chrono::seconds(s)}; }
}  // namespace

StartHistory record_start(StartHistory h, WallTime now, const CrashLoopPolicy& policy) {
    // A clock that stepped back must not keep old starts "in the window" forever.
    std::erase_if(h.starts, [&](WallTime t) { return t <= now - policy.window || t > now; });
    h.starts.push_back(now);
    if (!h.safe_mode && static_cast<int>(h.starts.size()) > policy.max_starts) {
        h.safe_mode = true;
        h.since = now;
    }
    return h;
}

SafeMode::SafeMode(std::string path, CrashLoopPolicy policy)
    : file_(std::move(path)), policy_(policy) {
    const auto doc = file_.path().empty() ? nlohmann::json::object() : file_.load();
    if (doc.contains("starts") && doc["starts"].is_array())
        for (const auto& s : doc["starts"])
            if (s.is_number_integer()) history_.starts.push_back(from_epoch(s.get<std::int64_t>()));
    history_.safe_mode = doc.value("safe_mode", false);
    if (doc.contains("since") && doc["since"].is_number_integer())
        history_.since = from_epoch(doc["since"].get<std::int64_t>());
    std::sort(history_.starts.begin(), history_.starts.end());
}

bool SafeMode::on_start(WallTime now) {
    history_ = record_start(std::move(history_), now, policy_);
    save();
    return history_.safe_mode;
}

void SafeMode::resume() {
    history_ = StartHistory{};
    save();
}

std::string SafeMode::json() const {
    nlohmann::json j{{"active", history_.safe_mode},
                     {"since", history_.safe_mode ? nlohmann::json(format_iso8601(history_.since))
                                                  : nlohmann::json()},
                     {"starts", history_.starts.size()},
                     {"max_starts", policy_.max_starts},
                     {"window_min", policy_.window.count()}};
    return j.dump();
}

void SafeMode::save() {
    if (file_.path().empty()) return;
    nlohmann::json starts = nlohmann::json::array();
    for (const auto t : history_.starts) starts.push_back(epoch_s(t));
    file_.save({{"starts", starts},
                {"safe_mode", history_.safe_mode},
                {"since", epoch_s(history_.since)}});
}

}  // namespace bedtimed
