#include "ha_publisher.hpp"

#include "ha_discovery/ha_discovery.hpp"

namespace bedtimed {

namespace ha = integrations::ha_discovery;

HaPublisher::HaPublisher(Clock& clock, Bus& bus, std::shared_ptr<const config::Config> cfg,
                         std::string state_path, std::string sw_version)
    : clock_(clock), bus_(bus), cfg_(std::move(cfg)), state_(std::move(state_path)),
      version_(std::move(sw_version)), log_(logger("ha")), birth_timer_(clock_.make_timer()) {}

HaPublisher::~HaPublisher() {
    if (!subscribed_.empty()) bus_.unsubscribe(subscribed_);
}

void HaPublisher::start() {
    const auto& ha = cfg_->home_assistant;
    const std::string topic = ha.discovery ? ha.status_topic : std::string();
    if (topic == subscribed_) return;
    if (!subscribed_.empty()) bus_.unsubscribe(subscribed_);
    subscribed_ = topic;
    if (!subscribed_.empty())
        bus_.subscribe(subscribed_, 1, [this](const Message& m) { on_ha_status(m); });
}

void HaPublisher::on_connected() { publish(); }

void HaPublisher::apply_config(std::shared_ptr<const config::Config> cfg) {
    cfg_ = std::move(cfg);
    birth_timer_->cancel();
    start();
    publish();
}

void HaPublisher::on_ha_status(const Message& msg) {
    if (msg.payload != "online") return;  // "offline" (HA's last will) needs nothing from us
    // A random delay spreads the answers of many publishers (HA's advice).
    const auto max_ms = cfg_->home_assistant.rediscover_delay_max.count();
    const std::chrono::milliseconds delay{
        max_ms > 0 ? std::uniform_int_distribution<long long>(0, max_ms)(random_) : 0};
    log_->info("Home Assistant is online; discovery again in {} ms", delay.count());
    birth_timer_->arm(delay, [this] { publish(); });
}

void HaPublisher::publish() {
    if (!bus_.connected()) return;  // on_connected() comes later
    const auto before =
        ha::published_from_json(state_.load().value("published", nlohmann::json::object()));
    if (!cfg_->home_assistant.discovery && before.empty()) return;
    const auto discovery = ha::build(*cfg_, version_, before);
    int removed = 0;
    for (const auto& m : discovery.messages) {
        if (m.payload.empty()) ++removed;
        bus_.publish(m.topic, m.payload, 1, true);
    }
    state_.save({{"published", ha::published_to_json(discovery.published)}});
    ++rounds_;
    std::size_t entities = 0;
    for (const auto& [topic, components] : discovery.published) entities += components.size();
    log_->info("Home Assistant discovery sent: {} entities on {} topics{}", entities,
               discovery.published.size(),
               removed ? fmt::format(", {} topics removed", removed) : std::string());
}

}  // namespace bedtimed
