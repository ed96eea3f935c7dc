// The page's Setup section: what the house announces on the broker, read with
// `bedtimectl setup`'s own reader (discovery/inventory.hpp) and only listed:
// the page changes nothing.
//
// Cheap when idle: nothing is subscribed until someone asks (the page's POST
// api/discovery/scan, sent when the Setup section is opened). Then the
// announcement filters are subscribed for kListen (the retained announcements
// arrive at once after the SUBACK), the payloads kept up to kMaxBytes, read
// into an inventory, the filters unsubscribed and the payloads dropped: only
// the inventory's JSON stays (a few KiB). A new scan at most every kAgain.
// Unlike bedtimectl setup it asks no device to announce itself (no
// shellies/command, no Shelly.GetStatus), so a Shelly Gen1, whose
// announcement is not retained, shows only in bedtimectl setup.
//
// Threads: loop thread only. Borrows Clock and Bus (the Household's, which
// outlive it). Nothing throws apart from std::bad_alloc.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bus.hpp"
#include "clock.hpp"
#include "inventory.hpp"

namespace bedtimed::web {

class DiscoveryScan {
public:
    static constexpr std::chrono::seconds kListen{2};
    static constexpr std::chrono::seconds kAgain{10};
    static constexpr std::size_t kMaxBytes = 4u << 20;

    // `done` is called when a scan has finished (the page refreshes).
    DiscoveryScan(Clock& clock, Bus& bus, std::function<void()> done);
    ~DiscoveryScan();  // unsubscribes a scan still listening

    // Starts a scan; "" when started or one is already listening, else why not.
    std::string start();
    // {"state":"never"|"listening"|"done", "at", "listen_s", "messages",
    //  "dropped", "inventory"} (inventory: inventory_json, or null before the first scan).
    nlohmann::json json() const;
    bool listening() const noexcept { return listening_; }

private:
    void finish();

    Clock& clock_;
    Bus& bus_;
    std::function<void()> done_;
    std::unique_ptr<Timer> timer_;
    std::vector<std::string> filters_;
    bool listening_ = false;
    std::optional<SteadyTime> started_;
    std::vector<discovery::Announcement> heard_;
    std::size_t bytes_ = 0, dropped_ = 0;
    std::string finished_at_;
    std::size_t messages_ = 0;
    nlohmann::json inventory_;  // null before the first scan
};

}  // namespace bedtimed::web
