#include "episode_intake.hpp"

#include <algorithm>

namespace bedtimed {

EpisodeIntake::EpisodeIntake(const std::string& db_path, const config::Config& cfg)
    : store_(std::make_unique<EpisodeStore>(db_path)), writer_store_(std::make_unique<EpisodeStore>(db_path)),
      log_(logger("store")) {
    update(cfg);
    writer_ = std::thread([this] { write_queued(); });
}

EpisodeIntake::~EpisodeIntake() {
    {
        std::lock_guard lock(queue_mutex_);
        stopping_ = true;
    }
    queue_cv_.notify_one();
    writer_.join();
}

void EpisodeIntake::update(const config::Config& cfg) {
    auto routes = std::make_shared<Routes>();
    for (const auto& w : cfg.wearables) {
        Route r{w, ""};
        for (const auto& s : cfg.sleepers)
            if (s.wearable == w.name) r.sleeper = s.name;
        routes->routes.push_back(std::move(r));
    }
    routes->max_payload_bytes = cfg.mqtt.max_payload_bytes;
    std::lock_guard lock(mutex_);
    routes_ = std::move(routes);
}

std::shared_ptr<const EpisodeIntake::Routes> EpisodeIntake::routes() const {
    std::lock_guard lock(mutex_);
    return routes_;
}

bool EpisodeIntake::wants(const std::string& topic) const noexcept {
    for (const auto& r : routes()->routes)
        if (topic_matches(r.wearable.topic, topic)) return true;
    return false;
}

void EpisodeIntake::parse_into(const Routes& routes, const Message& msg,
                               std::vector<EpisodeStore::NewEpisode>& out) {
    // Oversized: the loop refuses it (payloads_oversized), so it must not reach the log either.
    if (msg.payload.size() > routes.max_payload_bytes) return;
    for (const auto& r : routes.routes) {
        if (!topic_matches(r.wearable.topic, msg.topic)) continue;
        // Same strict parser as the loop; a rejected payload is the loop's to report.
        auto parsed = parse_episode(r.wearable, msg.topic, msg.payload, std::chrono::system_clock::now());
        if (auto* e = std::get_if<Episode>(&parsed)) out.push_back({std::move(*e), r.sleeper});
    }
}

void EpisodeIntake::count(const std::vector<EpisodeStore::Insert>& results) {
    for (auto r : results) {
        if (r == EpisodeStore::Insert::added) ++committed_;
        else ++duplicates_;
    }
    if (!results.empty() && failing_.exchange(false)) log_->info("episode store writable again");
}

void EpisodeIntake::failed(const std::exception& ex, std::size_t episodes_lost) {
    failures_ += episodes_lost;
    // Once per failure streak: a full disk would otherwise log every message.
    if (!failing_.exchange(true)) log_->error("episode not saved: {}", ex.what());
}

void EpisodeIntake::take(const Message& msg) noexcept {
    try {
        if (msg.qos == 0) {
            {
                std::lock_guard lock(queue_mutex_);
                if (queued_.size() >= kMaxQueued) throw StoreError("the write queue is full");
                queued_.push_back(msg);
            }
            queue_cv_.notify_one();
            return;
        }
        std::vector<EpisodeStore::NewEpisode> episodes;
        parse_into(*routes(), msg, episodes);
        std::vector<EpisodeStore::Insert> results;
        for (const auto& n : episodes) results.push_back(store_->insert(n.episode, n.sleeper));
        count(results);
    } catch (const std::exception& ex) {
        failed(ex, 1);
    }
}

void EpisodeIntake::write_queued() {
    std::deque<Message> batch;
    for (;;) {
        {
            std::unique_lock lock(queue_mutex_);
            queue_cv_.wait(lock, [this] { return stopping_ || !queued_.empty(); });
            if (queued_.empty()) return;  // stopping, and everything is written
            batch.swap(queued_);
        }
        std::vector<EpisodeStore::NewEpisode> episodes;
        try {
            const auto snapshot = routes();
            for (const auto& msg : batch) parse_into(*snapshot, msg, episodes);
            if (!episodes.empty()) count(writer_store_->insert_all(episodes));
        } catch (const std::exception& ex) {
            failed(ex, std::max<std::size_t>(episodes.size(), 1));
        }
        batch.clear();
    }
}

}  // namespace bedtimed
