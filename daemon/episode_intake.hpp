// Commits wearable episodes to the store *before* the broker gets its PUBACK.
//
// Paho C delivers an inbound QoS 1 message to message_arrived() and only then
// sends the PUBACK (pitfalls.md §1.1), so a synchronous insert inside that
// callback makes "acknowledged" mean "on disk". The reaction does not wait for
// it: the bus posts the message to the loop first, then calls take().
//
// Threads: take() runs on Paho's callback thread only and owns its own SQLite
// connection there; update() is called on the loop thread (reload) and
// synchronises through a mutex; counters are atomics read from any thread.
// Nothing throws out of take() (a failed commit is logged and counted).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
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
    // The routes, or none when a payload of `payload_size` bytes is too large to take.
    std::vector<Route> routes_snapshot(std::size_t payload_size) const;

    std::unique_ptr<EpisodeStore> store_;
    std::shared_ptr<spdlog::logger> log_;
    mutable std::mutex mutex_;
    std::vector<Route> routes_;
    // mqtt.max_payload_bytes: a larger payload is refused by the loop, so it is never stored either.
    std::size_t max_payload_bytes_ = 0;
    std::atomic<std::uint64_t> committed_{0}, duplicates_{0}, failures_{0};
    std::atomic<bool> failing_{false};
};

}  // namespace bedtimed
