// Commits wearable episodes to the store *before* the broker gets its PUBACK.
//
// Paho C delivers an inbound QoS 1 message to message_arrived() and only then
// sends the PUBACK (docs/architecture.md, Threads), so a synchronous insert inside that
// callback makes "acknowledged" mean "on disk". The reaction does not wait for
// it: the bus posts the message to the loop first, then calls take().
//
// A QoS 0 episode has no acknowledgement to hold back, so take() only queues
// it for a writer thread that commits whatever has queued up in one
// transaction (group commit): Paho's thread, which holds Paho C's global
// mutex during the callback, never waits for the disk for it. It is on disk
// within one commit (well under a second); a QoS 0 episode can be lost only
// if the process dies inside that window. The destructor commits what is
// queued before it returns.
//
// Threads: take() runs on Paho's callback thread only and owns one SQLite
// connection there; the writer thread owns a second one. update() is called
// on the loop thread (reload) and synchronises through a mutex; counters are
// atomics read from any thread. Nothing throws out of take() or the writer
// (a failed commit is logged and counted).
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bus.hpp"
#include "config.hpp"
#include "episode_store.hpp"
#include "log.hpp"
#include "mqtt_topic.hpp"

namespace bedtimed {

class EpisodeIntake final : public DurableIntake {
public:
    // Throws StoreError when the database cannot be opened.
    EpisodeIntake(const std::string& db_path, const config::Config& cfg);
    ~EpisodeIntake() override;  // commits the queued QoS 0 episodes, then joins the writer

    // QoS 0 episodes queued beyond this are refused (counted as failures).
    static constexpr std::size_t kMaxQueued = 8192;

    void update(const config::Config& cfg);  // loop thread
    bool wants(const std::string& topic) const noexcept override;
    void take(const Message& msg) noexcept override;  // Paho thread

    std::uint64_t committed() const noexcept { return committed_; }
    std::uint64_t duplicates() const noexcept { return duplicates_; }
    std::uint64_t failures() const noexcept { return failures_; }

private:
    struct Route {
        config::WearableSpec wearable;
        std::string sleeper;
    };
    // Replaced whole by update(), so a reader keeps a consistent snapshot.
    struct Routes {
        std::vector<Route> routes;
        // mqtt.max_payload_bytes: a larger payload is refused by the loop, so it is never stored either.
        std::size_t max_payload_bytes = 0;
    };
    std::shared_ptr<const Routes> routes() const;
    // The episodes in `msg`; oversized and malformed payloads yield none.
    static void parse_into(const Routes& routes, const Message& msg, std::vector<EpisodeStore::NewEpisode>& out);
    void count(const std::vector<EpisodeStore::Insert>& results);
    void failed(const std::exception& ex, std::size_t episodes_lost);
    void write_queued();  // the writer thread's body

    std::unique_ptr<EpisodeStore> store_;         // Paho's thread (QoS >= 1)
    std::unique_ptr<EpisodeStore> writer_store_;  // the writer thread (QoS 0)
    std::mutex queue_mutex_;
    std::condition_variable queue_cv_;
    std::deque<Message> queued_;
    bool stopping_ = false;
    std::thread writer_;
    std::shared_ptr<spdlog::logger> log_;
    mutable std::mutex mutex_;
    std::shared_ptr<const Routes> routes_;
    std::atomic<std::uint64_t> committed_{0}, duplicates_{0}, failures_{0};
    std::atomic<bool> failing_{false};
};

}  // namespace bedtimed
