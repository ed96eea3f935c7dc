// The page's read-only look at what the house announces (discovery_scan.hpp).
#include "discovery_scan.hpp"

#include <algorithm>

#include "iso8601.hpp"

namespace bedtimed::web {

DiscoveryScan::DiscoveryScan(Clock& clock, Bus& bus, std::function<void()> done)
    : clock_(clock), bus_(bus), done_(std::move(done)), timer_(clock.make_timer()) {
    // bedtimectl setup's filters, less the answer to a Shelly.GetStatus it asks
    // itself: the page asks nothing.
    for (auto& f : discovery::announcement_filters())
        if (f.find(discovery::kShellyRpcSource) != 0) filters_.push_back(std::move(f));
}

DiscoveryScan::~DiscoveryScan() {
    timer_->cancel();
    if (listening_)
        for (const auto& f : filters_) bus_.unsubscribe(f);
}

std::string DiscoveryScan::start() {
    if (listening_) return {};
    if (!bus_.connected()) return "not connected to the broker";
    const SteadyTime now = clock_.steady_now();
    if (started_ && now - *started_ < kAgain) return "a scan ran moments ago; try again shortly";
    started_ = now;
    listening_ = true;
    heard_.clear();
    bytes_ = dropped_ = 0;
    for (const auto& f : filters_)
        bus_.subscribe(f, 0, [this](const Message& m) {
            if (!listening_) return;
            if (bytes_ + m.payload.size() > kMaxBytes) {
                ++dropped_;
                return;
            }
            bytes_ += m.payload.size();
            heard_.push_back({m.topic, m.payload, m.retained});
        });
    timer_->arm(kListen, [this] { finish(); });
    return {};
}

void DiscoveryScan::finish() {
    for (const auto& f : filters_) bus_.unsubscribe(f);
    listening_ = false;
    messages_ = heard_.size();
    inventory_ = discovery::inventory_json(discovery::read_announcements(heard_));
    // The payloads go; only the inventory stays.
    std::vector<discovery::Announcement>().swap(heard_);
    finished_at_ = format_iso8601(clock_.wall_now());
    if (done_) done_();
}

nlohmann::json DiscoveryScan::json() const {
    return {{"state", listening_             ? "listening"
                      : inventory_.is_null() ? "never"
                                             : "done"},
            {"at", finished_at_.empty() ? nlohmann::json() : nlohmann::json(finished_at_)},
            {"listen_s", kListen.count()},
            {"messages", messages_},
            {"dropped", dropped_},
            {"inventory", inventory_}};
}

}  // namespace bedtimed::web
