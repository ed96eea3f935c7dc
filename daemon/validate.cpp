#include "validate.hpp"

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

}  // namespace bedtimed
