#include "engine.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace bedtimed {

namespace {
constexpr std::size_t kEpisodeMemory = 4096;

// A printable, bounded rendering of an untrusted topic for the log.
std::string printable(std::string_view s, std::size_t max = 96) {
    std::string out;
    for (char c : s.substr(0, max))
        out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
    if (s.size() > max) out += "...";
    return out;
}
}  // namespace

Engine::Engine(Clock& clock, Bus& bus, Counters& counters,
               std::shared_ptr<const config::Config> cfg)
    : clock_(clock), bus_(bus), counters_(counters), cfg_(std::move(cfg)), log_(logger("engine")) {}

void Engine::start() { sync_subscriptions(); }

void Engine::apply_config(std::shared_ptr<const config::Config> cfg) {
    cfg_ = std::move(cfg);
    // Readings of sensors that no longer exist are dropped; the rest are kept.
    for (auto it = sensors_.begin(); it != sensors_.end();)
        it = cfg_->find_sensor(it->first) ? std::next(it) : sensors_.erase(it);
    sync_subscriptions();
}

void Engine::sync_subscriptions() {
    on_topic_.clear();
    for (const auto& w : cfg_->wearables) on_topic_[w.topic].wearables.push_back(&w);
    for (const auto& s : cfg_->sensors) on_topic_[s.topic].sensors.push_back({&s, {}, {}});
    std::map<std::string, int> wanted;  // filter → highest QoS asked for
    for (const auto& s : cfg_->sensors) wanted.emplace(s.topic, 0);
    for (const auto& w : cfg_->wearables) {
        auto [it, fresh] = wanted.emplace(w.topic, w.qos);
        if (!fresh) it->second = std::max(it->second, w.qos);
    }
    for (auto it = subscribed_.begin(); it != subscribed_.end();) {
        if (wanted.count(*it)) {
            ++it;
            continue;
        }
        bus_.unsubscribe(*it);
        it = subscribed_.erase(it);
    }
    for (const auto& [filter, qos] : wanted) {
        bus_.subscribe(filter, qos,
                       [this, filter = filter](const Message& m) { on_message(filter, m); });
        subscribed_.insert(filter);
    }
}

void Engine::on_message(const std::string& filter, const Message& msg) {
    if (msg.payload.size() > cfg_->mqtt.max_payload_bytes) {
        ++counters_.payloads_oversized;
        reject(msg, fmt::format("payload of {} bytes exceeds max_payload_bytes ({})",
                                msg.payload.size(), cfg_->mqtt.max_payload_bytes));
        return;
    }
    const auto readers = on_topic_.find(filter);
    if (readers == on_topic_.end()) return;
    for (const auto* w : readers->second.wearables) on_episode(*w, msg);
    for (auto& s : readers->second.sensors) on_sensor(s, msg);
}

void Engine::on_sensor(TopicSensor& sensor, const Message& msg) {
    const config::SensorSpec& spec = *sensor.spec;
    if (!sensor.last_value || sensor.last_payload != msg.payload) {
        auto parsed = parse_sensor_value(spec, msg.payload);
        if (auto* r = std::get_if<Rejection>(&parsed)) {
            ++counters_.sensor_values_rejected;
            reject(msg, fmt::format("sensor '{}': {}", spec.name, r->reason));
            return;
        }
        sensor.last_value = std::get<Value>(std::move(parsed));
        sensor.last_payload = msg.payload;
    }
    const Value& value = *sensor.last_value;
    ++counters_.sensor_updates;
    auto it = sensors_.find(spec.name);
    const bool changed = it == sensors_.end() || it->second.value != value;
    const SensorReading reading{value, clock_.wall_now(), clock_.steady_now()};
    if (it == sensors_.end()) sensors_.emplace(spec.name, reading);
    else it->second = reading;
    log_->debug("sensor {} = {}{}", spec.name, to_text(value), spec.unit);
    if (sensor_listener_) sensor_listener_(spec.name);
    Trigger t;
    t.sensor = spec.name;
    t.topic = msg.topic;
    t.qos = msg.qos;
    t.unchanged = !changed;  // only `every_reading` rules fire again
    t.retained = msg.retained;
    execute(decide(*cfg_, t, sensors_, clock_.steady_now()));
}

void Engine::on_episode(const config::WearableSpec& spec, const Message& msg) {
    const EpisodeReading* reading = nullptr;
    if (msg.reading)
        for (const auto& r : msg.reading->episodes)
            if (r.wearable == spec.name) reading = &r;
    // Not read by an intake (or by one that did not know this wearable yet, just after a reload).
    EpisodeReading here;
    if (!reading) {
        here = EpisodeReading{spec.name,
                              parse_episode(spec, msg.topic, msg.payload, clock_.wall_now()),
                              sleeper_wearing(*cfg_, spec.name)};
        reading = &here;
    }
    const auto& parsed = reading->result;
    if (const auto* r = std::get_if<Rejection>(&parsed)) {
        ++counters_.episodes_rejected;
        reject(msg, fmt::format("episode from '{}': {}", spec.name, r->reason));
        return;
    }
    const Episode& e = std::get<Episode>(parsed);
    if (!remember_episode(e.source + '\0' + e.id_text)) {
        ++counters_.episodes_duplicate;
        log_->debug("episode {}/{} already seen; ignored", e.source, e.id_text);
        return;
    }
    ++counters_.episodes_accepted;
    log_->info("episode {}/{}: {}s{}{}", e.source, e.id_text,
               to_text(episode_field(e, "duration_s")), e.muscle.empty() ? "" : " " + e.muscle,
               e.side.empty() ? "" : " (" + e.side + ")");
    if (episode_listener_) episode_listener_(e, reading->sleeper);
    Trigger t;
    t.episode = &e;
    t.topic = msg.topic;
    t.qos = msg.qos;
    execute(decide(*cfg_, t, sensors_, clock_.steady_now()));
}

void Engine::execute(const Decision& d) {
    for (const auto& note : d.stale_notes) {
        ++counters_.stale_sensor_checks;
        std::uint64_t suppressed = 0;
        if (stale_log_.allow(clock_.steady_now(), suppressed))
            log_->warn("{}; rule not applied", note);
    }
    for (const auto& bad : d.bad_topics) log_->warn("{}; action skipped", bad);
    counters_.rules_fired += d.rules_fired.size();
    for (const auto& p : d.publishes) {
        log_->info("rule {} → {}", p.rule, p.topic);
        bus_.publish(p.topic, p.payload, p.qos, p.retain);
    }
}

void Engine::reject(const Message& msg, const std::string& reason) {
    ++counters_.payloads_rejected;
    std::uint64_t suppressed = 0;
    if (!reject_log_.allow(clock_.steady_now(), suppressed)) return;
    log_->warn("rejected payload on {}: {}{}", printable(msg.topic), reason,
               suppressed ? fmt::format(" ({} more rejections not shown)", suppressed) : "");
}

bool Engine::remember_episode(const std::string& key) {
    // 0 marks an empty slot; a real hash of 0 is nudged to 1.
    constexpr std::size_t kSeenSlots = 16384;  // a power of two, 32 KiB
    const std::uint64_t h = std::max<std::uint64_t>(std::hash<std::string>{}(key), 1);
    if (seen_ring_.empty()) {
        seen_ring_.assign(kEpisodeMemory, 0);
        seen_slots_.assign(kSeenSlots, 0);
    }
    auto& slot = seen_slots_[h & (kSeenSlots - 1)];
    if (slot != 0 && std::find(seen_ring_.begin(), seen_ring_.end(), h) != seen_ring_.end())
        return false;
    auto& oldest = seen_ring_[seen_next_];
    if (oldest != 0) --seen_slots_[oldest & (kSeenSlots - 1)];
    oldest = h;
    ++slot;
    seen_next_ = (seen_next_ + 1) % kEpisodeMemory;
    return true;
}

}  // namespace bedtimed
