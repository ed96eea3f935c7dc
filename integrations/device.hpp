// Device integrations: how one kind of smart plug or bed speaks MQTT.
//
// A device object is a codec: it builds the messages that command the device
// and reads the messages in which the device reports its state. It does no
// I/O and keeps no state, so it is pure and easy to test; the daemon's
// actuator executor (daemon/heat/actuators.*) does the sending, the confirmation
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

// Whether a plug's own off-timer (the "device cap") is known to work.
//   verified:   proven (read back from the device, or `bedtimectl pad-test` saw it switch itself
//   off); unverified: bedtimed sends a cap the device should honour, but nothing has proven it yet;
//   none:       the device has no cap, or it was shown not to take it: heat stops on bedtimed's
//   timer only.
enum class DeviceCap { verified, unverified, none };
std::string_view device_cap_name(DeviceCap cap);

// What bedtimed has learned at run time about one plug. The codec never keeps
// it (codecs are stateless); the executor keeps one per pad and hands it back.
struct SwitchFacts {
    // How the plug is told to switch itself off: "on_time", "countdown",
    // "pulse_time", "toggle_after", "auto_off_s" ... or "none". Empty while
    // nothing has been learned and the configured default is in use.
    std::string cap_method;
    DeviceCap cap = DeviceCap::unverified;
    std::string
        cap_note;  // why: "countdown exposed in bridge/devices", "on_time dropped (bridge/logging)"
    // Zigbee2MQTT: the key and JSON value that keep the plug off after a power
    // cut ("power_on_behavior":"off", "power_outage_memory":false); an empty key
    // means this plug cannot be told (warned about at start).
    std::string power_on_key;
    std::string power_on_value_json;
    bool reports_power = false;  // the plug reports its draw in W
    bool operator==(const SwitchFacts&) const = default;
};

// A plug that powers a heating pad.
class SwitchDevice {
public:
    virtual ~SwitchDevice() = default;

    // --- Device truth (defaults suit a codec that learns nothing) ---------
    // What is assumed before anything is learned, from the config alone.
    virtual SwitchFacts initial_facts() const {
        SwitchFacts f;
        f.cap = supports_device_auto_off() ? DeviceCap::unverified : DeviceCap::none;
        if (f.cap == DeviceCap::none) f.cap_method = "none";
        return f;
    }
    // Extra topics that carry facts about the device (Zigbee2MQTT's retained
    // bridge/devices and bridge/logging, Tasmota's RESULT for PulseTime,
    // Shelly's RPC replies). The executor subscribes to them and to state_topics().
    virtual std::vector<std::string> fact_topics() const { return {}; }
    // The facts after a message on fact_topics() or state_topics(), given what
    // was known; nullopt when the message teaches nothing new.
    virtual std::optional<SwitchFacts> learn(std::string_view /*topic*/,
                                             std::string_view /*payload*/,
                                             const SwitchFacts& /*known*/) const {
        return std::nullopt;
    }
    // Commands that ask the device to report its cap setting back (sent after
    // prepare()); empty = the device cannot be asked.
    virtual std::vector<DeviceCommand> read_cap() const { return {}; }
    // The power draw in W in a message on state_topics(), or nullopt.
    virtual std::optional<double> parse_power(std::string_view /*topic*/,
                                              std::string_view /*payload*/) const {
        return std::nullopt;
    }
    // turn_on()/prepare() with what is known; the executor calls only these.
    // The defaults ignore the facts. With facts.cap == none, turn_on_with must
    // send no device cap at all (it could mean something else to that device).
    virtual std::vector<DeviceCommand> turn_on_with(std::chrono::seconds auto_off,
                                                    const SwitchFacts& /*facts*/) const {
        return turn_on(auto_off);
    }
    virtual std::vector<DeviceCommand> prepare_with(std::chrono::seconds cap,
                                                    const SwitchFacts& /*facts*/) const {
        return prepare(cap);
    }
    // ----------------------------------------------------------------------

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
