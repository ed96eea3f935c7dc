// What of the pads survives a restart: the running period, a hand's OFF
// tonight, the short-break bookkeeping, a cool-down and the pad test's result,
// in actuators.json (see actuators.hpp).
#include "actuators.hpp"

#include <fmt/format.h>

#include "actuator_parts.hpp"

namespace bedtimed {

using namespace actuator_parts;

void Actuators::restore(Pad& pad, const nlohmann::json& entry) {
    const ClockPair clocks(clock_);
    if (entry.contains("off_at") && entry["off_at"].is_number_integer()) {
        const WallTime off_at = from_epoch(entry["off_at"].get<std::int64_t>());
        // Older state files have no start: count from the earliest it could have been.
        const WallTime since = entry.contains("on_since") && entry["on_since"].is_number_integer()
                                   ? from_epoch(entry["on_since"].get<std::int64_t>())
                                   : off_at - pad.spec->max_on;
        if (off_at > clocks.wall_now && since + pad.spec->max_on > clocks.wall_now) {
            interrupted_[pad.spec->name] = std::min(off_at, since + pad.spec->max_on);
            pad.gov.interrupted_since = clocks.steady(since);
            const auto left = std::chrono::duration_cast<std::chrono::seconds>(
                interrupted_[pad.spec->name] - clocks.wall_now);
            note(pad.spec->name,
                 fmt::format("was on with {} s left when bedtimed stopped", left.count()));
        } else {
            note(pad.spec->name, "its session ran out while bedtimed was stopped");
        }
    }
    pad.gov.manual_off_tonight = entry.value("manual_off", false);
    if (entry.contains("last_off_at") && entry["last_off_at"].is_number_integer() &&
        entry.contains("period_used_s") && entry["period_used_s"].is_number_integer()) {
        pad.gov.last_off_at = clocks.steady(from_epoch(entry["last_off_at"].get<std::int64_t>()));
        pad.gov.period_used = std::chrono::seconds(entry["period_used_s"].get<std::int64_t>());
    }
    if (entry.contains("cool_until") && entry["cool_until"].is_number_integer()) {
        const WallTime until = from_epoch(entry["cool_until"].get<std::int64_t>());
        if (until > clocks.wall_now) pad.gov.cool_until = clocks.steady(until);
    }
    if (entry.contains("test") && entry["test"].is_object()) pad.test_result = entry["test"];
}

void Actuators::persist() {
    if (options_.state_path.empty()) return;
    unsaved_all_ = true;
    save_unsaved();
}

void Actuators::persist(const Pad& pad) {
    if (options_.state_path.empty()) return;
    unsaved_pads_.insert(pad.spec->name);
    save_unsaved();
}

void Actuators::save_unsaved() {
    // Built when the (possibly deferred) save runs: it writes the latest state.
    state_.save_soon([this](nlohmann::json& doc) {
        auto& pads = doc["pads"];
        const bool whole = unsaved_all_ || !pads.is_object();
        if (whole) {
            // Rebuilt from scratch: drops what a pad no longer in the config left behind.
            pads = nlohmann::json::object();
            state_.changed("pads");
        }
        for (const auto& [name, pad] : pads_) {
            if (!whole && !unsaved_pads_.count(name)) continue;
            auto entry = pad_entry(*pad);
            if (entry.empty()) pads.erase(name);
            else pads[name] = std::move(entry);
            if (!whole) state_.changed("pads", name);
        }
        unsaved_all_ = false;
        unsaved_pads_.clear();
    });
}

nlohmann::json Actuators::pad_entry(const Pad& pad) const {
    const ClockPair clocks(clock_);
    auto wall = [&](SteadyTime t) { return epoch_s(clocks.wall(t)); };
    nlohmann::json entry = nlohmann::json::object();
    // Only bedtimed's sessions are resumed after a restart; a pad switched
    // on by other means stays off.
    if (pad.gov.on && pad.gov.origin == heat::Origin::bedtimed && !pad.testing) {
        entry["off_at"] = wall(pad.gov.off_at);
        entry["on_since"] = wall(pad.gov.on_since);
    }
    if (pad.gov.manual_off_tonight) entry["manual_off"] = true;
    if (pad.gov.last_off_at && pad.gov.period_used.count() > 0) {
        entry["last_off_at"] = wall(*pad.gov.last_off_at);
        entry["period_used_s"] = pad.gov.period_used.count();
    }
    if (pad.gov.cool_until) entry["cool_until"] = wall(*pad.gov.cool_until);
    if (pad.test_result.is_object()) entry["test"] = pad.test_result;
    return entry;
}

}  // namespace bedtimed
