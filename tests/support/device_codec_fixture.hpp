// Builds device codecs the way the daemon does, for the integration unit
// tests: the actuator entry sits at house.yaml:7:3 and option i on line 10 + i,
// column 5, so error locations can be checked exactly.
// Threads: the test thread. make_* throw config::ConfigError like the daemon.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "device.hpp"
#include "loader.hpp"

namespace bedtimed::test {

inline config::Options make_options(std::vector<std::pair<std::string, std::string>> kv) {
    config::Options o;
    int line = 10;
    for (auto& [k, v] : kv) o[k] = config::Option{v, line++, 5};
    return o;
}

class CodecFactory {
public:
    explicit CodecFactory(const integrations::DeviceIntegration& integration)
        : integration_(integration) {}

    std::unique_ptr<integrations::SwitchDevice> make_switch(
        const config::Options& o, std::vector<std::string>* warnings = nullptr) const {
        config::ActuatorSpec spec;
        spec.name = "pad";
        integrations::OptionReader reader(o, "house.yaml", 7, 3, "actuator 'pad'");
        auto d = integration_.make_switch(spec, reader);
        if (warnings) *warnings = reader.unread_warnings();
        return d;
    }
    std::unique_ptr<integrations::PositionDevice> make_position(const config::Options& o) const {
        config::ActuatorSpec spec;
        spec.name = "bed";
        spec.kind = config::ActuatorSpec::Kind::bed;
        integrations::OptionReader reader(o, "house.yaml", 7, 3, "actuator 'bed'");
        return integration_.make_position(spec, reader);
    }
    // what() of the ConfigError the factory throws, or "(no error)".
    std::string switch_error(const config::Options& o) const {
        return error_of([&] { make_switch(o); });
    }
    std::string position_error(const config::Options& o) const {
        return error_of([&] { make_position(o); });
    }

private:
    template <class Fn>
    static std::string error_of(Fn fn) {
        try {
            fn();
        } catch (const config::ConfigError& e) {
            return e.what();
        }
        return "(no error)";
    }
    const integrations::DeviceIntegration& integration_;
};

}  // namespace bedtimed::test
