#include "episode_intake.hpp"

namespace bedtimed {

EpisodeIntake::EpisodeIntake(const std::string& db_path, const config::Config& cfg)
    : store_(std::make_unique<EpisodeStore>(db_path)), log_(logger("store")) {
    update(cfg);
}

void EpisodeIntake::update(const config::Config& cfg) {
    std::vector<Route> routes;
    for (const auto& w : cfg.wearables) {
        Route r{w, ""};
        for (const auto& s : cfg.sleepers)
            if (s.wearable == w.name) r.sleeper = s.name;
        routes.push_back(std::move(r));
    }
    std::lock_guard lock(mutex_);
    routes_ = std::move(routes);
    max_payload_bytes_ = cfg.mqtt.max_payload_bytes;
}

std::vector<EpisodeIntake::Route> EpisodeIntake::routes_snapshot(std::size_t payload_size) const {
    std::lock_guard lock(mutex_);
    if (payload_size > max_payload_bytes_) return {};
    return routes_;
}

bool EpisodeIntake::wants(const std::string& topic) const noexcept {
    std::lock_guard lock(mutex_);
    for (const auto& r : routes_)
        if (topic_matches(r.wearable.topic, topic)) return true;
    return false;
}

void EpisodeIntake::take(const Message& msg) noexcept {
    try {
        // Oversized: the loop refuses it (payloads_oversized), so it must not reach the log either.
        for (const auto& r : routes_snapshot(msg.payload.size())) {
            if (!topic_matches(r.wearable.topic, msg.topic)) continue;
            // Same strict parser as the loop; a rejected payload is the loop's to report.
            auto parsed = parse_episode(r.wearable, msg.topic, msg.payload, std::chrono::system_clock::now());
            const auto* e = std::get_if<Episode>(&parsed);
            if (!e) continue;
            if (store_->insert(*e, r.sleeper) == EpisodeStore::Insert::added) ++committed_;
            else ++duplicates_;
            if (failing_.exchange(false)) log_->info("episode store writable again");
        }
    } catch (const std::exception& ex) {
        ++failures_;
        // Once per failure streak: a full disk would otherwise log every message.
        if (!failing_.exchange(true)) log_->error("episode not saved: {}", ex.what());
    }
}

}  // namespace bedtimed
