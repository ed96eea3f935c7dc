// The cramp-log process tests' rig (tests/integration/cramp_log_*_test.cpp):
// one wearable at QoS 1 for one sleeper, the real daemon with that config,
// its retained status and an episode payload.
//
// Threads: the test thread. Header-only. Throws mqtt::exception when the
// broker is absent.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "daemon_process.hpp"
#include "stored_log.hpp"

namespace bedtimed::test::cramp_log {

using namespace std::chrono_literals;
using nlohmann::json;

inline const std::string kCtl = std::string(BEDTIMED_BIN_DIR) + "/bedtimectl";
inline const std::string kClientId = "bedtimed-e2e";
inline const std::string kBase = "e2e";
inline const std::string kEpisodeTopic = "e2e/band/episode";

// One wearable at QoS 1 for one sleeper. The pad is a Zigbee2MQTT plug with
// no routine heat (prewarm and episode heat off), so the only heat command
// after start-up is the one a test asks for; its confirm_timeout is long so
// that no confirmation retry is sent while a test runs.
inline const std::string kConfig = R"(
mqtt:
  client_id: )" + kClientId +
                            R"(
  base_topic: )" + kBase + R"(
  reconnect: {min: 1s, max: 2s}
wearables:
  - name: band
    topic: )" + kEpisodeTopic +
                            R"(
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
sleepers:
  - name: alex
    timezone: UTC
    bedtime: {weekdays: "22:30", weekends: "22:30"}
    wearable: band
    heating_pad: pad
    routine:
      prewarm: {enabled: false}
    on_episode: {heat: false}
)";

// The real daemon (daemon_process.hpp) with this file's config by default.
class Daemon : public DaemonProcess {
public:
    explicit Daemon(std::string broker_uri, const std::string& yaml = kConfig)
        : DaemonProcess(std::move(broker_uri), yaml) {}
    void kill9() { ASSERT_TRUE(DaemonProcess::kill9()) << "SIGKILL did not end the daemon"; }
};

inline bool wait_status(const std::string& uri, const std::string& want,
                        std::chrono::seconds timeout) {
    return test::wait_status(uri, kBase, want, timeout);
}

inline std::string episode(int n) {
    return json{{"id", "ep-" + std::to_string(n)}, {"duration_s", 20 + n % 40}, {"muscle", "calf"}}
        .dump();
}

}  // namespace bedtimed::test::cramp_log
