#include "log_access.hpp"

#include <fmt/format.h>

#include <filesystem>

#include "cli.hpp"
#include "ingest.hpp"
#include "local_time.hpp"

namespace bedtimed::ctl {

std::string log_path(const std::string& state_dir) { return state_dir + "/bedtimed.db"; }

void with_log(const std::string& state_dir, const std::function<void(const EpisodeStore&)>& fn) {
    const std::string path = log_path(state_dir);
    std::error_code ec;
    // Checked first: SQLite's read-only open of a missing file says only
    // "unable to open database file", and a missing log is the usual case on
    // a machine where bedtimed has not run yet.
    if (!std::filesystem::exists(path, ec))
        throw CtlError(kExitNoLog, "no episode log at " + path + " (use --state-dir DIR)");
    try {
        const EpisodeStore store(path, EpisodeStore::Mode::read_only);
        fn(store);
    } catch (const StoreError& e) {
        throw CtlError(kExitLogError, std::string("cannot read the episode log: ") + e.what());
    }
}

nlohmann::json episode_json(const StoredEpisode& e) {
    nlohmann::json j = {{"sleeper", e.sleeper},
                        {"source", e.source},
                        {"source_id", e.source_id},
                        {"start", format_iso8601(e.start)},
                        {"duration_s", e.duration_s},
                        {"muscle", e.muscle},
                        {"side", e.side},
                        {"severity", nullptr},
                        {"status", e.status},
                        {"received", format_iso8601(e.received)},
                        {"swelling", e.flags.swelling},
                        {"redness", e.flags.redness},
                        {"warmth", e.flags.warmth},
                        {"numbness", e.flags.numbness},
                        {"back_pain", e.flags.back_pain},
                        {"notes", e.notes}};
    if (e.severity) j["severity"] = *e.severity;
    return j;
}

std::string episode_line(const StoredEpisode& e, const date::time_zone* zone) {
    std::string what = e.muscle.empty() ? "cramp" : e.muscle;
    if (!e.side.empty()) what += " " + e.side;
    what += fmt::format(" {:g} s", e.duration_s);
    if (e.severity) what += fmt::format(" sev {:g}", *e.severity);
    std::string flags;
    const std::pair<bool, const char*> all[] = {{e.flags.swelling, "swelling"},
                                                {e.flags.redness, "redness"},
                                                {e.flags.warmth, "warmth"},
                                                {e.flags.numbness, "numbness"},
                                                {e.flags.back_pain, "back pain"}};
    for (const auto& [on, name] : all)
        if (on) flags += std::string(flags.empty() ? "" : ", ") + name;
    std::string line = fmt::format("{}  {:<8} {:<28} [{} {}]  {}", local_text(zone, e.start),
                                   e.sleeper, what, e.source, e.source_id, e.status);
    if (!flags.empty()) line += "  (" + flags + ")";
    if (!e.notes.empty()) line += "  \"" + e.notes + "\"";
    return line;
}

}  // namespace bedtimed::ctl
