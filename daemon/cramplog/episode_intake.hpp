// Reads wearable episodes, once, and commits them to the store *before* the
// broker gets its PUBACK.
//
// read() is the one reading of an episode: the strict parser, one clock
// reading (the `received` time, and the `start` of an episode that has
// none) and the sleeper who wears the wearable. The bus posts the message to
// the loop with that reading, so the loop acts on the very episode that is
// stored: the same start on disk and in memory.
//
// Paho C delivers an inbound QoS 1 message to message_arrived() and only then
// sends the PUBACK (docs/architecture.md, Threads), so a synchronous insert inside that callback
// (commit()) makes "acknowledged" mean "on disk". The reaction does not wait for it: the bus posts
// the message to the loop first, then calls commit().
//
// A QoS 0 episode has no acknowledgement to hold back, so commit() only
// queues it for a writer thread that commits whatever has queued up in one
// transaction (group commit): Paho's thread, which holds Paho C's global
// mutex during the callback, never waits for the disk for it. The writer
// starts a commit kGroupWindow after the first episode it waits for, once
// the episode's reaction is out (bench/tail.py measures the tail); it is on
// disk within that window plus one commit (well under a second), and a QoS 0
// episode can be lost only if the process dies inside it. The destructor
// commits what is queued before it returns.
//
// Threads: read(), commit() and take() run on Paho's callback thread only;
// commit() owns one SQLite connection there; the writer thread owns a second
// one. read() reads the borrowed Clock's wall_now() there, which every Clock
// allows from any thread (clock.hpp). update() is called on the loop thread
// (reload) and synchronises through a mutex; counters are atomics read from
// any thread. Nothing throws out of read(), commit(), take() or the writer (a
// failed commit is logged and counted).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bus.hpp"
#include "clock.hpp"
#include "config.hpp"
#include "episode_store.hpp"
#include "ingest.hpp"
#include "log.hpp"
#include "mqtt_topic.hpp"

namespace bedtimed {

class EpisodeIntake final : public DurableIntake {
public:
    // Throws StoreError when the database cannot be opened. `clock` (owned by
    // App, which outlives the intake) stamps the episodes.
    EpisodeIntake(const std::string& db_path, const config::Config& cfg, const Clock& clock);
    ~EpisodeIntake() override;  // commits the queued QoS 0 episodes, then joins the writer

    // QoS 0 episodes queued beyond this are refused (counted as failures).
    static constexpr std::size_t kMaxQueued = 8192;
    // How long the writer lets QoS 0 episodes gather before it commits them.
    static constexpr std::chrono::milliseconds kGroupWindow{20};

    void update(const config::Config& cfg);  // loop thread
    bool wants(const std::string& topic) const noexcept override;
    std::shared_ptr<const IntakeReading> read(const Message& msg) noexcept override;  // Paho thread
    void commit(const IntakeReading& reading, int qos) noexcept override;             // Paho thread
    // read() then commit(), for a caller with no loop to post to (tests).
    void take(const Message& msg) noexcept;

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
        // mqtt.max_payload_bytes: a larger payload is refused by the loop, so it is never stored
        // either.
        std::size_t max_payload_bytes = 0;
    };
    std::shared_ptr<const Routes> routes() const;
    void count(const std::vector<EpisodeStore::Insert>& results);
    void failed(const std::exception& ex, std::size_t episodes_lost);
    void write_queued();  // the writer thread's body

    const Clock& clock_;
    const std::string db_path_;
    std::unique_ptr<EpisodeStore> store_;         // Paho's thread (QoS >= 1)
    std::unique_ptr<EpisodeStore> writer_store_;  // the writer thread (QoS 0), opened on first use
    std::mutex queue_mutex_;
    std::condition_variable queue_cv_;
    std::deque<EpisodeStore::NewEpisode> queued_;  // QoS 0, read, not yet committed
    bool stopping_ = false;
    std::thread writer_;
    std::shared_ptr<spdlog::logger> log_;
    mutable std::mutex mutex_;
    std::shared_ptr<const Routes> routes_;
    std::atomic<std::uint64_t> committed_{0}, duplicates_{0}, failures_{0};
    std::atomic<bool> failing_{false};
};

}  // namespace bedtimed
