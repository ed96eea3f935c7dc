// A stand-in Zigbee2MQTT bridge for end-to-end tests, on a real mosquitto.
//
// It publishes a retained <base>/bridge/devices built from tests/data/ (the
// entries of the generated shared data, see z2m_devices.hpp) and plays each
// plug as Zigbee2MQTT 2.x and the plug's firmware do:
//
//   ikea_tradfri_outlet (E1603, tz.on_off: keys state, on_time, off_wait_time, power_on_behavior)
//     {"state":"ON","on_time":N}: OnWithTimedOff, no optimistic state; the plug reports ON
//       (~50 ms later) and switches itself OFF after N s. 10·N > 65535 -> "Publish 'set' 'state'
//       ... failed: RangeError" on bridge/logging and nothing happens (fail-safe).
//     A resend while on lengthens the timer, never shortens it; OFF cancels it.
//     No power report.
//   tuya_ts011f_plug_1 (Nous A1Z, on_off_countdown: keys state, countdown; power_on_behavior
//     and power_outage_memory write 0x8002)
//     on_time has no converter: {"level":"error","message":"No converter available for
//       'on_time' on '<name>': (N)"} on bridge/logging, a plain ON, and the optimistic
//       {"state":"ON","countdown":0}.
//     {"state":"ON","countdown":N}: ON, then a Tuya countdown: after N s the plug TOGGLES
//       (OFF here). A countdown alone, with the plug off, switches it ON after N s.
//       Any state command cancels a running countdown. Reports power.
//   aqara_sp_euc01 (LUMI: keys state, on_time, power_outage_memory)
//     power_on_behavior has no converter (error on bridge/logging, nothing changes).
//     power_outage_memory is JavaScript-truthy: false/0/""/null disable restore, anything
//       else (including the string "off") ENABLES it. on_time is sent and the plug reports ON,
//       but the firmware ignores the timer: no self-off. Reports power.
//   Any other key: "No converter available for '<key>' on '<name>': (<value>)".
//   Every plug starts OFF with restore-after-power-cut enabled (the factory default to be undone).
//
// Time is real wall time (use caps of 1-3 s in tests).
//
// Threads: the test thread calls every public method. The fake owns one Paho
// client (its callbacks only queue the messages) and one worker thread that
// runs the plugs and does all publishing; public getters read under a mutex.
// Throws mqtt::exception from start() when the broker is absent, and
// std::runtime_error for an unknown plug name or a missing data file.
#pragma once

#include <mqtt/async_client.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace bedtimed::test {

class FakeZ2m {
public:
    enum class Model { ikea_tradfri_outlet, tuya_ts011f_plug_1, aqara_sp_euc01 };

    // `data_dir` holds data/z2m-bridge-devices*.json (BEDTIMED_TEST_DATA).
    FakeZ2m(std::string uri, std::string data_dir, std::string base_topic = "zigbee2mqtt");
    // Stops the worker, clears the retained bridge/devices and disconnects.
    ~FakeZ2m();
    FakeZ2m(const FakeZ2m&) = delete;
    FakeZ2m& operator=(const FakeZ2m&) = delete;

    // Before start().
    void add_plug(const std::string& name, Model model);
    // Connects, subscribes to <base>/#, publishes the retained bridge/devices
    // and each plug's state (OFF); returns once all of it is on the broker.
    void start();

    // The bridge/devices payload start() publishes.
    std::string devices_payload() const;
    bool is_on(const std::string& name) const;
    // Whether the plug would come back ON after a power cut.
    bool restore_after_power_cut(const std::string& name) const;
    // The draw reported while ON (default 60 W; 0 W = "pad unplugged"). Published at once
    // when the plug is on and reports power.
    void set_power(const std::string& name, double watts);
    // How often the plug switched itself off (or toggled) on its own timer.
    int self_switches(const std::string& name) const;
    // The payloads received on <base>/<name>/set, in order.
    std::vector<std::string> received(const std::string& name) const;
    // Every message published on <base>/bridge/logging.
    std::vector<std::string> log_messages() const;
    // Blocks until the worker has handled everything that has arrived so far
    // and `settle` has passed without new /set messages.
    void wait_idle(std::chrono::milliseconds settle = std::chrono::milliseconds(200)) const;
    // Blocks until `name` has received `count` /set messages in all and the worker
    // is idle (what they caused is published); false after `timeout`.
    bool wait_for_set(const std::string& name, std::size_t count,
                      std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;

private:
    using Clock = std::chrono::steady_clock;
    enum class TimerAction { off, toggle };
    struct Plug {
        Model model{};
        bool on = false;
        bool restore = true;
        double watts = 60.0;
        int self_switches = 0;
        std::optional<Clock::time_point> timer_end;
        TimerAction timer_action = TimerAction::off;
        long long countdown = 0;            // Tuya: the countdown as last set
        std::string power_on_setting_key;   // power_on_behavior / power_outage_memory, once set
        std::string power_on_setting_json;  // as Z2M caches it, e.g. "\"off\"", "false"
        std::vector<std::string> received;
    };
    struct Outgoing {
        Clock::time_point at;
        std::string topic;
        std::string payload;
        bool retain = false;
    };

    void run();
    // With mutex_ held: handles one /set message, queues what Z2M would publish.
    void handle_set(const std::string& name, Plug& plug, const std::string& payload);
    using Json = nlohmann::ordered_json;
    bool apply_settings(const std::string& name, Plug& plug, const Json& msg);
    std::optional<bool> apply_tuya_state(const std::string& name, Plug& plug, const Json& msg);
    std::optional<bool> apply_on_off_state(const std::string& name, Plug& plug, const Json& msg,
                                           Clock::duration& report_delay);
    void error_log(const std::string& message);  // mutex_ held
    void publish_state(const std::string& name, const Plug& plug,
                       Clock::duration delay = {});  // mutex_ held
    void expire_timers();                            // mutex_ held

    std::string uri_, data_dir_, base_;
    std::unique_ptr<mqtt::async_client> client_;
    std::map<std::string, Plug> plugs_;
    std::string devices_;

    mutable std::mutex mutex_;
    mutable std::condition_variable cv_;
    std::deque<std::pair<std::string, std::string>> inbox_;  // topic, payload
    std::vector<Outgoing> outbox_;
    std::vector<std::string> log_;
    Clock::time_point last_set_{};
    bool busy_ = false;
    bool stop_ = false;
    std::thread worker_;
};

}  // namespace bedtimed::test
