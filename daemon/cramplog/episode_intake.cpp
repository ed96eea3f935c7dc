#include "episode_intake.hpp"

#include <algorithm>

namespace bedtimed {

EpisodeIntake::EpisodeIntake(const std::string& db_path, const config::Config& cfg,
                             const Clock& clock)
    : clock_(clock), db_path_(db_path), store_(std::make_unique<EpisodeStore>(db_path)),
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
    for (const auto& w : cfg.wearables)
        routes->routes.push_back(Route{w, sleeper_wearing(cfg, w.name)});
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

std::shared_ptr<const IntakeReading> EpisodeIntake::read(const Message& msg) noexcept {
    try {
        const auto snapshot = routes();
        auto reading = std::make_shared<IntakeReading>();
        bool wanted = false;
        // Oversized: the loop refuses it (payloads_oversized), so it must not reach the log either.
        const bool oversized = msg.payload.size() > snapshot->max_payload_bytes;
        const WallTime now = clock_.wall_now();  // the episode's one clock reading
        for (const auto& r : snapshot->routes) {
            if (!topic_matches(r.wearable.topic, msg.topic)) continue;
            wanted = true;
            if (oversized) continue;
            // A rejected payload is the loop's to count and report.
            reading->episodes.push_back(
                EpisodeReading{r.wearable.name,
                               parse_episode(r.wearable, msg.topic, msg.payload, now), r.sleeper});
        }
        if (!wanted) return nullptr;
        return reading;
    } catch (const std::exception& ex) {
        failed(ex, 1);
        return nullptr;
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

void EpisodeIntake::commit(const IntakeReading& reading, int qos) noexcept {
    try {
        std::vector<EpisodeStore::NewEpisode> episodes;
        for (const auto& r : reading.episodes)
            if (const auto* e = std::get_if<Episode>(&r.result))
                episodes.push_back({*e, r.sleeper});
        if (episodes.empty()) return;
        if (qos == 0) {
            {
                std::lock_guard lock(queue_mutex_);
                if (queued_.size() >= kMaxQueued) throw StoreError("the write queue is full");
                for (auto& n : episodes) queued_.push_back(std::move(n));
            }
            queue_cv_.notify_one();
            return;
        }
        std::vector<EpisodeStore::Insert> results;
        for (const auto& n : episodes) results.push_back(store_->insert(n.episode, n.sleeper));
        count(results);
    } catch (const std::exception& ex) {
        failed(ex, 1);
    }
}

void EpisodeIntake::take(const Message& msg) noexcept {
    if (const auto reading = read(msg)) commit(*reading, msg.qos);
}

void EpisodeIntake::write_queued() {
    std::deque<EpisodeStore::NewEpisode> batch;
    for (;;) {
        {
            std::unique_lock lock(queue_mutex_);
            queue_cv_.wait(lock, [this] { return stopping_ || !queued_.empty(); });
            if (queued_.empty()) return;  // stopping, and everything is written
            // Out of the reaction's way: the episode's action leaves within about a millisecond,
            // and a commit started beside it competes for the CPU (and the disk) it needs.
            queue_cv_.wait_for(lock, kGroupWindow, [this] { return stopping_; });
            batch.swap(queued_);
        }
        try {
            // Opened on first use: a daemon that never sees a QoS 0 episode keeps no second
            // connection (its schema and page cache) in memory.
            if (!writer_store_) writer_store_ = std::make_unique<EpisodeStore>(db_path_);
            const std::vector<EpisodeStore::NewEpisode> episodes(
                std::make_move_iterator(batch.begin()), std::make_move_iterator(batch.end()));
            count(writer_store_->insert_all(episodes));
        } catch (const std::exception& ex) {
            failed(ex, std::max<std::size_t>(batch.size(), 1));
        }
        batch.clear();
    }
}

}  // namespace bedtimed
