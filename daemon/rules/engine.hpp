// The executor around ingest and rules: subscribes to the configured topics,
// turns messages into sensor readings and episodes, asks decide() what to do,
// and publishes the result.
//
// An episode is read once: a message the bus's DurableIntake read on its
// receive thread carries that reading (Message::reading) and is not parsed
// here again; only a message without one (no intake: simulate, tests, a
// store that failed to open) is read here, with the loop's clock. The
// listener gets the episode with its sleeper, routed once by that reading.
//
// Threads: loop thread only (handlers arrive there from the Bus). The Engine
// borrows the Clock, Bus and Counters (owned by App, which outlives it) and
// shares ownership of the current Config. Never throws after construction,
// apart from std::bad_alloc: bad input is rejected, logged and counted.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "bus.hpp"
#include "clock.hpp"
#include "config.hpp"
#include "counters.hpp"
#include "log.hpp"
#include "rules.hpp"

namespace bedtimed {

class Engine {
public:
    Engine(Clock& clock, Bus& bus, Counters& counters, std::shared_ptr<const config::Config> cfg);

    // Subscribes to every sensor and wearable topic.
    void start();
    // Swaps in a new config (SIGHUP) keeping readings, de-duplication memory
    // and counters; subscriptions follow the new topics.
    void apply_config(std::shared_ptr<const config::Config> cfg);

    const SensorTable& sensors() const noexcept { return sensors_; }

    // Listeners for the routine executor: an accepted (new) episode with the
    // sleeper who wears it ("" = none), a sensor update.
    using EpisodeListener = std::function<void(const Episode&, const std::string& sleeper)>;
    void on_episode(EpisodeListener fn) { episode_listener_ = std::move(fn); }
    void on_sensor(std::function<void(const std::string&)> fn) { sensor_listener_ = std::move(fn); }
    const config::Config& config() const noexcept { return *cfg_; }

private:
    void sync_subscriptions();
    void on_message(const std::string& filter, const Message& msg);
    struct TopicSensor;
    void on_sensor(TopicSensor& sensor, const Message& msg);
    void on_episode(const config::WearableSpec& spec, const Message& msg);
    void execute(const Decision& d);
    void reject(const Message& msg, const std::string& reason);
    bool remember_episode(const std::string& key);

    Clock& clock_;
    Bus& bus_;
    Counters& counters_;
    std::shared_ptr<const config::Config> cfg_;
    std::shared_ptr<spdlog::logger> log_;
    SensorTable sensors_;
    std::set<std::string> subscribed_;
    // Topic -> the wearables and sensors configured on it, in config order
    // (pointers into *cfg_, rebuilt with it): a house of 2,000 topics used to
    // compare every message's topic with all of them.
    struct TopicSensor {
        const config::SensorSpec* spec;
        // The last payload it accepted and the value it parsed to: most of a
        // night's readings repeat the one before (simulate's year: 77 %), and
        // the parse is a function of the spec and the payload alone.
        std::string last_payload;
        std::optional<Value> last_value;
    };
    struct OnTopic {
        std::vector<const config::WearableSpec*> wearables;
        std::vector<TopicSensor> sensors;
    };
    std::map<std::string, OnTopic, std::less<>> on_topic_;
    // Recently seen (source, id) pairs, as 64-bit hashes in a fixed ring: a
    // QoS 1 redelivery must not act twice. The ring is allocated once, so
    // memory stays flat however many episodes arrive; a false "seen" needs a
    // 64-bit collision among the last 4096 ids. The durable record is the
    // episode store. `seen_slots_` counts the ring's hashes by their low bits,
    // so a new id (the common case) is usually told apart without scanning
    // the ring (4096 compares, about 10k instructions per episode).
    std::vector<std::uint64_t> seen_ring_;
    std::vector<std::uint16_t>
        seen_slots_;  // kSeenSlots counters; at most 4096 in all, so no overflow
    std::size_t seen_next_ = 0;
    EpisodeListener episode_listener_;
    std::function<void(const std::string&)> sensor_listener_;
    RateLimitedLog reject_log_{10, std::chrono::minutes(1)};
    RateLimitedLog stale_log_{10, std::chrono::minutes(10)};
};

}  // namespace bedtimed
