// `bedtimectl setup` against a real mosquitto: the recorded announcements of
// every ecosystem (tests/data/setup/announcements.json) are published
// retained, as the bridges do; a stand-in Shelly answers what setup asks (the
// Gen1 "announce", a Gen2's Shelly.GetStatus); setup writes a config from an
// answers file (or from numbers typed at its questions), that config passes
// `bedtimed --check-config`, and a daemon running it logs a cramp for each
// press of the bedside button.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "child_process.hpp"
#include "daemon_harness.hpp"
#include "daemon_process.hpp"
#include "mosquitto_fixture.hpp"
#include "test_client.hpp"

namespace bedtimed::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

const std::string kCtl = std::string(BEDTIMED_BIN_DIR) + "/bedtimectl";
const std::string kDaemon = std::string(BEDTIMED_BIN_DIR) + "/bedtimed";

bool daemon_online(const std::string& uri) {
    TestClient c(uri, "setup-status-watch");
    c.subscribe("bedtimed/status");
    return wait_until(
        [&] {
            const auto m = c.next_on("bedtimed/status", 500ms);
            return m && m->payload == "online";
        },
        20s, 1ms);
}

json recording() {
    return json::parse(
        read_all(std::string(BEDTIMED_TEST_DATA) + "/data/setup/announcements.json"));
}

// Answers what setup asks, as the devices would: not retained, on request.
class StandInShelly {
public:
    explicit StandInShelly(const std::string& uri) : client_(uri, "stand-in-shelly") {
        for (const auto& r : recording()) {
            if (r["topic"] == "shellies/announce") announce_ = r["payload"];
            if (r["topic"] == "bedtimectl-setup/rpc") status_ = r["payload"];
        }
        client_.subscribe("shellies/command", 0);
        client_.subscribe("shellyplus2pm-c4d8d5a1b2c3/rpc", 0);
        thread_ = std::thread([this] { run(); });
    }
    ~StandInShelly() {
        stop_ = true;
        thread_.join();
    }

private:
    void run() {
        while (!stop_) {
            const auto m = client_.next(100ms);
            if (!m) continue;
            if (m->topic == "shellies/command" && m->payload == "announce")
                client_.publish("shellies/announce", announce_, 0);
            else if (m->topic == "shellyplus2pm-c4d8d5a1b2c3/rpc" &&
                     json::parse(m->payload).value("method", "") == "Shelly.GetStatus")
                client_.publish(json::parse(m->payload).value("src", "") + "/rpc", status_, 0);
        }
    }

    TestClient client_;
    std::string announce_, status_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

const char* const kAnswers = R"(# Two sleepers, from what the broker announced.
sleepers:
  - name: alex
    bedtime: "22:30"
    heating_pad: heating_pad_left
    bed: bedroom_bed_left_legs
    occupancy: bedroom_bed_bed_left_occupied
    temperature: bedroom_sensor
    sleep: sleep_bridge_alex_sleep_stage
    wearable: wearables/alex/episode
    phone: mqtt
    cramp_button: {device: bedside_button, action: single}
  - name: sam
    heating_pad: shellyplug_s_c8c9a3
    bed: shellyplus2pm_c4d8d5a1b2c3
    temperature: tasmota_C4D5E6_AM2301
    phone: none
)";

class Setup : public ::testing::Test {
protected:
    void SetUp() override {
        broker_.start();
        TestClient bridge(broker_.uri(), "recorded-bridges");
        for (const auto& r : recording())
            if (r["retained"] == true) bridge.publish(r["topic"], r["payload"], 1, true);
        write_file(answers_, kAnswers);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    SplitOutput setup(std::vector<std::string> extra) {
        std::vector<std::string> argv{kCtl,       "setup", "--broker", broker_.uri(),
                                      "--listen", "2",     "--output", output_};
        argv.insert(argv.end(), extra.begin(), extra.end());
        return run_split(argv, 30s);
    }

    Mosquitto broker_;
    std::string dir_ = make_temp_dir("bt-setup");
    std::string output_ = dir_ + "/config.yaml", answers_ = dir_ + "/answers.yaml";
};

TEST_F(Setup, AnswersFileMakesAConfigThatPassesCheckConfig) {
    StandInShelly shelly(broker_.uri());
    const auto r = setup({"--answers", answers_});
    ASSERT_EQ(r.rc, 0) << r.err << r.out;
    // The listing names each ecosystem's devices, with the plug's real cap.
    for (const char* seen : {"heating_pad_left", "cap: countdown", "tasmota_a1b2c3",
                             "shellyplug_s_c8c9a3", "shellyplus2pm_c4d8d5a1b2c3",
                             "bedroom_bed_left_legs", "bedside_button", "actions: single"})
        EXPECT_NE(r.out.find(seen), std::string::npos) << seen << "\n" << r.out;
    const auto [rc, out] = run_to_completion({kDaemon, "--check-config", output_});
    EXPECT_EQ(rc, 0) << out << read_all(output_);
    EXPECT_NE(out.find("OK (5 sensors, 1 wearables, 1 rules, 4 actuators, 2 sleepers)"),
              std::string::npos)
        << out;
    EXPECT_EQ(out.find("unknown"), std::string::npos) << out;  // no key nobody reads
    const std::string text = read_all(output_);
    EXPECT_NE(text.find("shellies/shellyplug-s-C8C9A3/relay/0/command"), std::string::npos);
    EXPECT_NE(text.find("integration: shelly_gen2"), std::string::npos);  // the RPC's cover
    EXPECT_NE(text.find("every_reading: true"), std::string::npos);
}

TEST_F(Setup, NeverOverwritesWithoutForce) {
    StandInShelly shelly(broker_.uri());
    write_file(output_, "# mine\n");
    const auto refused = setup({"--answers", answers_});
    EXPECT_EQ(refused.rc, 1);
    EXPECT_NE(refused.err.find("exists; not overwritten (--force replaces it)"), std::string::npos)
        << refused.err;
    EXPECT_EQ(read_all(output_), "# mine\n");
    const auto forced = setup({"--answers", answers_, "--force"});
    EXPECT_EQ(forced.rc, 0) << forced.err;
    EXPECT_NE(read_all(output_).find("sleepers:"), std::string::npos);
}

TEST_F(Setup, ABadAnswersFileSaysWhereAndWhat) {
    write_file(answers_, "sleepers:\n  - name: alex\n    heating_pad: kettle\n");
    const auto r = setup({"--answers", answers_});
    EXPECT_EQ(r.rc, 78);
    EXPECT_NE(r.err.find(answers_ + ":2:5: sleeper 'alex': heating pad 'kettle' is not on the "
                                    "broker (found: heating_pad_left"),
              std::string::npos)
        << r.err;
    EXPECT_FALSE(std::filesystem::exists(output_));
}

TEST_F(Setup, NumberedQuestionsOnTheTerminal) {
    // One sleeper: name, bedtime, pad 1, no bed, occupancy 1, temperature 1, no sleep or
    // activity sensor, the default wearable topic, the MQTT phone, button press 1 ("single").
    write_file(dir_ + "/typed", "1\nalex\n22:45\n1\n0\n1\n1\n0\n0\n\n1\n1\n");
    const std::string cmd = kCtl + " setup --broker " + broker_.uri() + " --listen 2 --output " +
                            output_ + " < " + dir_ + "/typed";
    const auto r = run_split({"/bin/sh", "-c", cmd}, 30s);
    ASSERT_EQ(r.rc, 0) << r.err << r.out;
    EXPECT_NE(r.out.find("heating_pad for alex?"), std::string::npos) << r.out;
    const std::string text = read_all(output_);
    EXPECT_NE(text.find("heating_pad: heating_pad_left"), std::string::npos) << text;
    EXPECT_NE(text.find("sensor.bedside_button == 'single'"), std::string::npos) << text;
    EXPECT_EQ(run_to_completion({kDaemon, "--check-config", output_}).first, 0);
}

TEST_F(Setup, ListAsJson) {
    const auto r = setup({"--list", "--json"});
    ASSERT_EQ(r.rc, 0) << r.err;
    const auto j = json::parse(r.out);
    std::set<std::string> ecosystems;
    for (const auto& d : j["devices"]) ecosystems.insert(d["ecosystem"]);
    EXPECT_EQ(ecosystems, (std::set<std::string>{"zigbee2mqtt", "tasmota", "shelly_gen2", "esphome",
                                                 "home_assistant"}));
}

TEST_F(Setup, TheGeneratedConfigRunsAndTheButtonLogsEveryPress) {
    write_file(answers_,
               "sleepers: [{name: alex, heating_pad: heating_pad_left, "
               "cramp_button: {device: bedside_button, action: single}}]\n");
    ASSERT_EQ(setup({"--answers", answers_}).rc, 0);
    DaemonProcess daemon(broker_.uri(), read_all(output_));
    daemon.start();
    ASSERT_TRUE(daemon_online(broker_.uri())) << daemon.output();
    const auto logged = [&] {
        const auto h = run_split({kCtl, "history", "--json", "--state-dir", daemon.state_dir()});
        return count_of(h.out, "bedside button");
    };
    TestClient button(broker_.uri(), "bedside-button");
    button.publish("zigbee2mqtt/bedside_button", R"({"action":"single","battery":100})", 0);
    ASSERT_TRUE(wait_until([&] { return logged() == 1; }, 15s, 200ms)) << daemon.output();
    // The same action again (an unchanged reading) is a second cramp; another action is none.
    button.publish("zigbee2mqtt/bedside_button", R"({"action":"single","battery":100})", 0);
    button.publish("zigbee2mqtt/bedside_button", R"({"action":"double","battery":100})", 0);
    EXPECT_TRUE(wait_until([&] { return logged() == 2; }, 15s, 200ms)) << logged() << "\n"
                                                                       << daemon.output();
}

}  // namespace
}  // namespace bedtimed::test
