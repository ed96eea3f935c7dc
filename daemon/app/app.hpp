// The daemon's lifecycle (MPD's Instance): owns the io_context, the clock,
// the bus (Paho) and the Household (household.hpp, the one wiring of the
// parts), in that order, and runs the one loop thread: start, stop, signals,
// reload (a new config swapped into the household), safe mode, the watchdog,
// Home Assistant discovery and the state topics.
//
// Threads: construct on any thread; run() on the thread that becomes the loop
// thread. request_stop(), request_reload() and counters_snapshot() may be
// called from any other thread (they post to the loop). The constructor
// throws config::ConfigError for a bad config and std::runtime_error when the
// MQTT client cannot be created; run() does not throw.
#pragma once

#include <utility>  // before Asio: Boost 1.74 with C++20 needs it

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <map>
#include <memory>
#include <set>
#include <string>

#include "asio_clock.hpp"
#include "config.hpp"
#include "counters.hpp"
#include "ha_publisher.hpp"
#include "household.hpp"
#include "log.hpp"
#include "paho_bus.hpp"
#include "safe_mode.hpp"
#include "store_probe.hpp"
#include "watchdog.hpp"
#include "web_server.hpp"
#include "web_settings.hpp"

namespace bedtimed {

struct AppOptions {
    std::string config_path;
    std::string broker_override;  // --broker: replaces mqtt.uri
    std::string state_dir;        // --state-dir, else $STATE_DIRECTORY, else /var/lib/bedtimed
    bool handle_signals = true;   // SIGINT/SIGTERM stop, SIGHUP reloads
    std::chrono::seconds counters_interval{10};  // published only when changed
    // Tests: a ManualClock to drive time with (advanced on the loop thread, so
    // posted to io()); it must outlive the App. Null = the real clock.
    Clock* clock = nullptr;
};

class App {
public:
    explicit App(AppOptions options);
    ~App();

    // Runs the loop until stopped; returns the process exit code (0 on a clean stop).
    int run() noexcept;
    void request_stop();
    void request_reload();
    // Posts to the loop and waits for the answer; never call it on the loop thread.
    Counters counters_snapshot();

    boost::asio::io_context& io() noexcept { return io_; }
    // The web page's port (the kernel's when the config says 0); 0 = not listening.
    std::uint16_t web_port() const noexcept { return web_port_; }
    static std::string default_state_dir();

private:
    void reload();
    void stop();
    void publish_counters();
    void fold_intake_counters();
    void arm_counters_timer();
    std::shared_ptr<const config::Config> load() const;
    // The running config: the household's (a reload replaces it).
    const config::Config& config() const { return *household_->config(); }
    // The state topics the household's parts change.
    Household::Hooks state_hooks();
    // Home Assistant's event entity: `<base>/<sleeper>/episode`, not retained.
    void publish_episode_event(const std::string& sleeper, const nlohmann::json& fields);
    // Starts every part in order (the same with and without signal handling).
    void start_parts();
    // <base>/pads/<pad>: on, origin, device cap, power, pad test (retained).
    void publish_pad_state(const std::string& pad);
    void publish_safe_mode();
    void publish_sleeper_state(const std::string& sleeper);
    void publish_all_sleeper_states();
    std::string status_text() const;
    // The web page (daemon/web/), when the config has a `web` section.
    void start_web(const std::string& token);
    web::Health health();  // checks the store for real (store_probe.hpp)
    // <base>/health (retained): the same as /healthz, published when it changes.
    void publish_health();

    AppOptions options_;
    std::shared_ptr<spdlog::logger> log_;
    boost::asio::io_context io_;
    AsioClock asio_clock_{io_};
    Clock& clock_;  // asio_clock_, or AppOptions::clock
    Counters counters_;
    std::unique_ptr<PahoBus> bus_;
    std::unique_ptr<SafeMode> safe_mode_;   // crash-loop safe mode (safe_mode.hpp)
    std::unique_ptr<Household> household_;  // engine, devices, routine, cramp log, commands
    std::uint64_t intake_committed_seen_ = 0, intake_failures_seen_ = 0;
    bool intake_failing_ = false;                    // the intake's last commit failed
    std::unique_ptr<StoreProbe> store_probe_;        // made at the first health check
    std::map<std::string, std::string> last_state_;  // topic -> payload, to publish only changes
    // Retained state is published once per window for what changed in it
    // (app_state.cpp): a burst of episodes used to publish every sleeper's
    // plan, stats and pad between its episode's command and the next one's.
    std::set<std::string> unpublished_sleepers_, unpublished_pads_;
    std::unique_ptr<Timer> state_timer_;
    void publish_soon(std::set<std::string>& unpublished, const std::string& name);
    void publish_unpublished();
    std::unique_ptr<Watchdog> watchdog_;             // WATCHDOG=1 and STATUS= (watchdog.hpp)
    std::unique_ptr<HaPublisher> ha_;                // Home Assistant discovery (ha_publisher.hpp)
    std::unique_ptr<web::WebServer> web_;            // borrows the household: goes first
    std::uint16_t web_port_ = 0;
    config::WebSettings web_settings_;  // read at start; a change applies after a restart
    boost::asio::signal_set signals_{io_};
    std::unique_ptr<Timer> counters_timer_;
    std::string last_counters_json_;
    // Gives memory back once the daemon has gone quiet (idle_memory.hpp): a second without a
    // message in or out after some traffic.
    std::unique_ptr<Timer> idle_timer_;
    std::uint64_t traffic_seen_ = 0;
    bool trimmed_ = false;
    void arm_idle_timer();
    bool stopped_ = false;
};

}  // namespace bedtimed
