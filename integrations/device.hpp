// Device integrations: how one kind of smart plug or bed speaks MQTT.
//
// A device object is a codec: it builds the messages that command the device
// and reads the messages in which the device reports its state. It does no
// I/O and keeps no state, so it is pure and easy to test; the daemon's
// actuator executor (daemon/actuators.*) does the sending, the confirmation
// timeouts, the retries and the safety timers around it.
//
// Threads: any (const methods, no shared state). Factories throw
// config::ConfigError naming the offending option; the other methods never
// throw apart from std::bad_alloc.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config.hpp"
#include "options.hpp"

namespace bedtimed::integrations {

struct DeviceCommand {
    std::string topic;
    std::string payload;
    int qos = 1;
    bool retain = false;
};

// A plug that powers a heating pad.
class SwitchDevice {
public:
    virtual ~SwitchDevice() = default;
    // Turn on. `auto_off` is the hard cap: a device that supports_device_auto_off()
    // is told to switch itself off after it, so heat stops even if bedtimed dies.
    virtual std::vector<DeviceCommand> turn_on(std::chrono::seconds auto_off) const = 0;
    virtual std::vector<DeviceCommand> turn_off() const = 0;
    // Sent after every (re)connect, before anything else: arm the device-side
    // cap (Tasmota PulseTime) and a safe power-on state where the device has one.
    virtual std::vector<DeviceCommand> prepare(std::chrono::seconds cap) const = 0;
    virtual bool supports_device_auto_off() const = 0;
    // Topics on which the device reports its state; empty = it never confirms.
    virtual std::vector<std::string> state_topics() const = 0;
    // The on/off state in a message on one of state_topics(), or nullopt if
    // the message does not say (another field, another relay, garbage).
    virtual std::optional<bool> parse_state(std::string_view topic,
                                            std::string_view payload) const = 0;
};

// A bed base (or one side of it) that moves to a position in percent.
class PositionDevice {
public:
    virtual ~PositionDevice() = default;
    virtual std::vector<DeviceCommand> move_to(double percent) const = 0;
    virtual std::vector<DeviceCommand> stop() const = 0;
    virtual std::vector<std::string> state_topics() const = 0;
    // The position in percent in a state message, or nullopt.
    virtual std::optional<double> parse_position(std::string_view topic,
                                                 std::string_view payload) const = 0;
};

// One integration (MPD's output-plugin pattern): a name as written in the
// config's `integration:` key, and factories for what it can drive. A null
// factory means "this integration cannot drive that kind of device".
struct DeviceIntegration {
    std::string_view name;
    std::unique_ptr<SwitchDevice> (*make_switch)(const config::ActuatorSpec& spec,
                                                 OptionReader& options);
    std::unique_ptr<PositionDevice> (*make_position)(const config::ActuatorSpec& spec,
                                                     OptionReader& options);
};

// The explicit list of every device integration (registry.cpp).
const std::vector<const DeviceIntegration*>& device_integrations();
const DeviceIntegration* find_device_integration(std::string_view name);

}  // namespace bedtimed::integrations
