// The faults tests' rig (tests/integration/fault_*_test.cpp): the config, an
// episode, the retained status, the SQLite log read back read-only, and a
// wearable with a persistent session.
//
// Threads: the test thread. Throws mqtt::exception when the broker is absent.
#pragma once

#include <gtest/gtest.h>
#include <mqtt/async_client.h>
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <ctime>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "child_process.hpp"
#include "daemon_process.hpp"
#include "episode_store.hpp"
#include "mosquitto_fixture.hpp"
#include "stored_log.hpp"
#include "test_client.hpp"

namespace bedtimed::test::fault {

using namespace std::chrono_literals;
using nlohmann::json;

inline const std::string kBase = "flt";
inline const std::string kEpisodeTopic = "flt/band/episode";
inline const std::string kPlugSet = "z2m/pad_plug/set";

// Bedtime is now (UTC), so an episode is "at night" and heats the pad for
// `heat_minutes`; the Zigbee2MQTT plug gets its own on_time cap.
// `heat_minutes` 0: episodes do not heat (the pad stays off). `with_bed`
// adds an ESPHome bed (no routine moves it: it is only there to be stopped).
inline std::string config(int heat_minutes = 10, bool with_bed = false,
                          bool with_discovery = false) {
    const std::string bedtime = utc_hhmm();
    return std::string(with_discovery ? "home_assistant: {discovery: true}\n" : "") + R"(
mqtt:
  client_id: bedtimed-faults
  base_topic: )" +
           kBase + R"(
  reconnect: {min: 1s, max: 2s}
wearables:
  - name: band
    topic: )" +
           kEpisodeTopic + R"(
    qos: 1
    fields: {id: id, duration: duration_s, muscle: muscle}
actuators:
  - name: pad
    kind: heating_pad
    integration: zigbee2mqtt
    max_on: 30m
    confirm_timeout: 5m
    device: pad_plug
    base_topic: z2m
)" +
           (with_bed ? "  - {name: bed, kind: bed, integration: esphome, node: bed, object_id: "
                       "legs, presets: {flat: 0}}\n"
                     : "") +
           R"(
sleepers:
  - name: alex
    timezone: UTC
    bedtime: {weekdays: ")" +
           bedtime + R"(", weekends: ")" + bedtime + R"("}
    wearable: band
    heating_pad: pad
)" + (with_bed ? "    bed: bed\n" : "") +
           R"(
    routine:
      prewarm: {enabled: false}
    on_episode: )" +
           (heat_minutes > 0 ? "{heat: true, heat_minutes: " + std::to_string(heat_minutes) +
                                   ", max_heats_per_night: 5}"
                             : std::string("{heat: false}")) +
           R"(
)";
}

inline std::string episode(const std::string& id) {
    return json{{"id", id}, {"duration_s", 40}, {"muscle", "calf"}}.dump();
}

inline bool wait_status(const std::string& uri, const std::string& want,
                        std::chrono::seconds timeout) {
    return test::wait_status(uri, kBase, want, timeout);
}

inline bool is_stored(const std::string& db, const std::string& id) {
    return stored(db, "band", id).has_value();
}

// The next command to the plug whose "state" is `state`, as JSON.
inline std::optional<json> next_plug_command(TestClient& c, const std::string& state,
                                             std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        auto m = c.next_on(kPlugSet, 500ms);
        if (!m) continue;
        const json j = json::parse(m->payload, nullptr, false);
        if (j.is_object() && j.value("state", std::string()) == state) return j;
    }
    return std::nullopt;
}

// A wearable with a persistent session (clean_session=false) and Paho's
// automatic reconnect: what a real device bridge does. publish() retries the
// same episode until the broker PUBACKs it, and says whether it ever did.
class PersistentPublisher {
public:
    explicit PersistentPublisher(const std::string& uri) : client_(uri, "flt-wearable") {
        client_
            .connect(mqtt::connect_options_builder()
                         .clean_session(false)
                         .automatic_reconnect(100ms, 500ms)
                         .connect_timeout(5s)
                         .finalize())
            ->wait();
    }
    ~PersistentPublisher() {
        try {
            if (client_.is_connected()) client_.disconnect()->wait_for(2s);
        } catch (...) {
        }
    }
    bool publish(const std::string& topic, const std::string& payload,
                 std::chrono::seconds give_up) {
        const auto deadline = std::chrono::steady_clock::now() + give_up;
        while (std::chrono::steady_clock::now() < deadline) {
            try {
                if (client_.publish(mqtt::make_message(topic, payload, 1, false))->wait_for(5s))
                    return true;
            } catch (const mqtt::exception&) {
                // Not connected (the broker is restarting): try again shortly.
            }
            std::this_thread::sleep_for(50ms);
        }
        return false;
    }

private:
    mqtt::async_client client_;
};

}  // namespace bedtimed::test::fault
