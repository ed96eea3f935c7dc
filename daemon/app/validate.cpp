#include "validate.hpp"

#include <boost/asio/io_context.hpp>
#include <utility>  // before Asio: Boost 1.74 with C++20 needs it

#include <cstdio>

#include "household.hpp"
#include "loader.hpp"
#include "manual_clock.hpp"
#include "recording_bus.hpp"
#include "web_settings.hpp"

namespace bedtimed {

config::Config load_and_validate(const std::string& path, std::vector<std::string>& warnings) {
    auto cfg = std::make_shared<const config::Config>(config::load_config(path));
    warnings = cfg->warnings;
    // The `web` section has its own reader (web_settings.hpp); its token is read at start.
    const auto web = config::load_web_settings(path);
    warnings.insert(warnings.end(), web.warnings.begin(), web.warnings.end());
    // The daemon's household, on a bus that sends nothing anywhere: building
    // it runs every integration's option checks (and logs unknown options).
    ManualClock clock;
    RecordingBus bus;
    bus.set_connected(false);
    Counters counters;
    boost::asio::io_context loop;
    Household::Options options;
    options.expect_confirmation = false;
    Household household(clock, bus, counters, loop, cfg, std::move(options));
    return *cfg;
}

int check_config_command(const std::string& path) noexcept {
    try {
        std::vector<std::string> warnings;
        const auto cfg = load_and_validate(path, warnings);
        for (const auto& w : warnings) std::fprintf(stderr, "%s\n", w.c_str());
        std::printf("%s: OK (%zu sensors, %zu wearables, %zu rules, %zu actuators, %zu sleepers)\n",
                    path.c_str(), cfg.sensors.size(), cfg.wearables.size(), cfg.rules.size(),
                    cfg.actuators.size(), cfg.sleepers.size());
        return 0;
    } catch (const config::ConfigError& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return config::kExitConfigError;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: %s\n", path.c_str(), e.what());
        return config::kExitConfigError;
    }
}

}  // namespace bedtimed
