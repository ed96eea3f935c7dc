#include "validate.hpp"

#include <cstdio>

#include "actuators.hpp"
#include "loader.hpp"
#include "manual_clock.hpp"
#include "routine_runner.hpp"

namespace bedtimed {

namespace {
// Validation sends nothing anywhere.
class NullBus final : public Bus {
public:
    void publish(std::string, std::string, int, bool) override {}
    void subscribe(const std::string&, int, MessageHandler) override {}
    void unsubscribe(const std::string&) override {}
    bool connected() const noexcept override { return false; }
};
}  // namespace

config::Config load_and_validate(const std::string& path, std::vector<std::string>& warnings) {
    config::Config cfg = config::load_config(path);
    warnings = cfg.warnings;
    ManualClock clock;
    NullBus bus;
    Counters counters;
    SensorTable sensors;
    // Building them runs every integration's option checks (and logs unknown options).
    Actuators actuators(clock, bus, counters, cfg, Actuators::Options{"", false});
    RoutineRunner runner(clock, bus, counters, cfg, sensors, actuators, "");
    return cfg;
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
