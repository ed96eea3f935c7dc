// The real bedtimed binary as a process: exit codes, signals, reload, logging.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include <thread>

#include "child_process.hpp"
#include "daemon_harness.hpp"
#include "episode_store.hpp"
#include "ingest.hpp"
#include "mosquitto_fixture.hpp"
#include "notify_socket.hpp"
#include "test_client.hpp"

namespace bedtimed::test {
namespace {

using namespace std::chrono_literals;

const std::string kBedtimed = std::string(BEDTIMED_BIN_DIR) + "/bedtimed";
const std::string kBedtimectl = std::string(BEDTIMED_BIN_DIR) + "/bedtimectl";

std::string config_with_threshold(int threshold) {
    return R"(
mqtt:
  client_id: bedtimed-proc
  base_topic: btp
wearables:
  - name: band
    topic: wearable/episode
    fields: {id: id, duration: duration_s}
rules:
  - name: warm
    on: {episode: band}
    when: ["episode.duration_s >= )" +
           std::to_string(threshold) + R"("]
    do:
      - publish: {topic: actions/pad/set, payload: '{"id":{{episode.id}}}', qos: 1}
)";
}

struct RunningDaemon {
    std::string dir = make_temp_dir("bt-proc");
    std::string config = dir + "/config.yaml";
    std::unique_ptr<ChildProcess> process;

    RunningDaemon(const std::string& yaml, const std::string& broker,
                  std::vector<std::string> env = {}) {
        write_file(config, yaml);
        process = std::make_unique<ChildProcess>(
            std::vector<std::string>{kBedtimed, "--config", config, "--broker", broker,
                                     "--state-dir", dir + "/state"},
            std::move(env));
    }
    ~RunningDaemon() { std::filesystem::remove_all(dir); }
};

bool wait_status(TestClient& client, const std::string& want, std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        auto m = client.next_on("btp/status", 500ms);
        if (m && m->payload == want) return true;
    }
    return false;
}

TEST(Process, CheckConfigAcceptsTheExampleConfig) {
    auto [rc, out] =
        run_to_completion({kBedtimed, "--check-config",
                           std::string(BEDTIMED_SOURCE_DIR) + "/config/bedtimed.example.yaml"});
    EXPECT_EQ(rc, 0) << out;
    EXPECT_NE(out.find("OK"), std::string::npos) << out;
}

TEST(Process, CheckConfigRejectsABadConfigWithLocationAndExit78) {
    const std::string dir = make_temp_dir("bt-proc");
    const std::string path = dir + "/bad.yaml";
    write_file(path, "mqtt:\n  keepalive: 1s\n");
    auto [rc, out] = run_to_completion({kBedtimed, "--check-config", path});
    EXPECT_EQ(rc, 78);
    EXPECT_NE(out.find(path + ":2:14: 'keepalive' is 1s, outside"), std::string::npos) << out;
    auto [ctl_rc, ctl_out] = run_to_completion({kBedtimectl, "check-config", path});
    EXPECT_EQ(ctl_rc, 78);
    EXPECT_NE(ctl_out.find(path + ":2:14:"), std::string::npos) << ctl_out;
    std::filesystem::remove_all(dir);
}

TEST(Process, CheckConfigValidatesIntegrationOptionsToo) {
    const std::string dir = make_temp_dir("bt-proc");
    const std::string path = dir + "/bad.yaml";
    write_file(path,
               "actuators:\n  - name: pad\n    kind: heating_pad\n    integration: zigbee2mqtt\n");
    auto [rc, out] = run_to_completion({kBedtimed, "--check-config", path});
    EXPECT_EQ(rc, 78);
    EXPECT_NE(out.find(path + ":2:5: actuator 'pad' needs the option 'device'"), std::string::npos)
        << out;
    std::filesystem::remove_all(dir);
}

TEST(Process, StartingWithABadConfigExits78) {
    const std::string dir = make_temp_dir("bt-proc");
    const std::string path = dir + "/bad.yaml";
    write_file(path, "rules:\n  - name: x\n    on: {episode: nobody}\n    do: []\n");
    auto [rc, out] =
        run_to_completion({kBedtimed, "--config", path, "--state-dir", dir + "/state"});
    EXPECT_EQ(rc, 78);
    EXPECT_NE(out.find(path + ":3:19: rule 'x' refers to an undefined wearable 'nobody'"),
              std::string::npos)
        << out;
    std::filesystem::remove_all(dir);
}

TEST(Process, SigtermPublishesOfflineAndExitsZeroWithinTwoSeconds) {
    Mosquitto broker;
    TestClient client(broker.uri());
    client.subscribe("btp/status");
    RunningDaemon daemon(config_with_threshold(10), broker.uri());
    ASSERT_TRUE(wait_status(client, "online", 10s)) << daemon.process->output();
    const auto t0 = std::chrono::steady_clock::now();
    daemon.process->signal(SIGTERM);
    auto rc = daemon.process->wait(2s);
    const auto took = std::chrono::steady_clock::now() - t0;
    ASSERT_TRUE(rc) << "still running 2 s after SIGTERM";
    EXPECT_EQ(*rc, 0);
    EXPECT_LT(took, 2s);
    EXPECT_TRUE(wait_status(client, "offline", 2s));
    // The retained status is what a newcomer (Home Assistant) sees.
    TestClient late(broker.uri());
    late.subscribe("btp/status");
    auto m = late.next_on("btp/status", 2s);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->payload, "offline");
    EXPECT_TRUE(m->retained);
}

TEST(Process, KilledDaemonIsMarkedOfflineByTheLastWill) {
    Mosquitto broker;
    TestClient client(broker.uri());
    client.subscribe("btp/status");
    RunningDaemon daemon(config_with_threshold(10), broker.uri());
    ASSERT_TRUE(wait_status(client, "online", 10s));
    daemon.process->signal(SIGKILL);
    daemon.process->wait(2s);
    // The broker notices the dropped socket at once and sends the will.
    EXPECT_TRUE(wait_status(client, "offline", 5s));
}

TEST(Process, SighupReloadsAValidConfigAndKeepsTheOldOneWhenInvalid) {
    Mosquitto broker;
    TestClient client(broker.uri());
    client.subscribe("btp/status");
    client.subscribe("actions/#");
    RunningDaemon daemon(config_with_threshold(10), broker.uri());
    ASSERT_TRUE(wait_status(client, "online", 10s));

    client.publish("wearable/episode", R"({"id":1,"duration_s":15})");
    ASSERT_TRUE(client.next_on("actions/pad/set", 5s)) << "threshold 10: a 15 s episode acts";

    write_file(daemon.config, config_with_threshold(20));
    daemon.process->signal(SIGHUP);
    ASSERT_TRUE(daemon.process->wait_for_output("config reloaded", 5s)) << daemon.process->output();
    client.publish("wearable/episode", R"({"id":2,"duration_s":15})");
    EXPECT_FALSE(client.next_on("actions/pad/set", 1s)) << "threshold 20: a 15 s episode does not";
    client.publish("wearable/episode", R"({"id":3,"duration_s":25})");
    EXPECT_TRUE(client.next_on("actions/pad/set", 5s));

    write_file(daemon.config, "rules: [oops\n");
    daemon.process->signal(SIGHUP);
    ASSERT_TRUE(
        daemon.process->wait_for_output("config reload failed, keeping the running config", 5s))
        << daemon.process->output();
    EXPECT_NE(daemon.process->output().find(daemon.config + ":"), std::string::npos);
    client.publish("wearable/episode", R"({"id":4,"duration_s":25})");
    EXPECT_TRUE(client.next_on("actions/pad/set", 5s)) << "the old config keeps working";
    // State survived the reload: episode 1 is still known, so a redelivery is ignored.
    client.publish("wearable/episode", R"({"id":1,"duration_s":30})");
    EXPECT_FALSE(client.next_on("actions/pad/set", 1s));
    daemon.process->signal(SIGTERM);
    EXPECT_EQ(daemon.process->wait(3s).value_or(-1), 0);
}

TEST(Process, UnderTheJournalLinesCarryPriorityAndNoTimestamp) {
    Mosquitto broker;
    const std::string dir = make_temp_dir("bt-proc");
    const std::string config = dir + "/config.yaml";
    const std::string log = dir + "/journal.log";
    write_file(config, config_with_threshold(10) + "unknown_section: 1\n");
    write_file(log, "");
    struct stat st {};
    ASSERT_EQ(::stat(log.c_str(), &st), 0);
    // systemd sets JOURNAL_STREAM to the device:inode of the stream it connected.
    const std::string journal_stream =
        "JOURNAL_STREAM=" + std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
    ChildProcess daemon(
        {kBedtimed, "--config", config, "--broker", broker.uri(), "--state-dir", dir + "/state"},
        {journal_stream}, log);
    ASSERT_TRUE(daemon.wait_for_output("running", 5s)) << daemon.output();
    const std::string out = daemon.output();
    EXPECT_NE(out.find("<6>[main] bedtimed"), std::string::npos) << out;
    EXPECT_NE(out.find("<4>[main] " + config + ":15:1: unknown key 'unknown_section'"),
              std::string::npos)
        << out;
    EXPECT_EQ(out.find("2026-"), std::string::npos) << "no timestamps under the journal";
    daemon.signal(SIGTERM);
    EXPECT_EQ(daemon.wait(3s).value_or(-1), 0);
    std::filesystem::remove_all(dir);
}

TEST(Process, OutsideTheJournalLinesCarryTimestamps) {
    Mosquitto broker;
    RunningDaemon daemon(config_with_threshold(10), broker.uri());
    ASSERT_TRUE(daemon.process->wait_for_output("running", 5s));
    const std::string out = daemon.process->output();
    // "2026-11-26 14:03:01.123 info  [main] bedtimed ..."
    EXPECT_NE(out.find(" info  [main] bedtimed"), std::string::npos) << out;
    EXPECT_EQ(out.find("<6>"), std::string::npos) << out;
}

TEST(Process, BedtimectlStatusReadsTheRetainedAvailability) {
    Mosquitto broker;
    TestClient client(broker.uri());
    client.subscribe("btp/status");
    RunningDaemon daemon(config_with_threshold(10), broker.uri());
    ASSERT_TRUE(wait_status(client, "online", 10s));
    auto [rc, out] = run_to_completion(
        {kBedtimectl, "status", "--broker", broker.uri(), "--base", "btp", "--timeout", "2"});
    EXPECT_EQ(rc, 0) << out;
    EXPECT_NE(out.find("bedtimed:  online"), std::string::npos) << out;
}

TEST(Process, TellsSystemdReadyReloadingAndStopping) {
    Mosquitto broker;
    broker.stop();  // READY must not wait for the broker
    NotifySocket notify;
    RunningDaemon daemon(config_with_threshold(10), broker.uri(),
                         {"NOTIFY_SOCKET=" + notify.path()});
    EXPECT_EQ(notify.next().rfind("READY=1", 0), 0u);
    daemon.process->signal(SIGHUP);
    EXPECT_EQ(notify.next_event(), "RELOADING=1");
    EXPECT_EQ(notify.next_event(), "READY=1");
    daemon.process->signal(SIGTERM);
    EXPECT_EQ(notify.next_event(), "STOPPING=1");
    EXPECT_EQ(daemon.process->wait(3s).value_or(-1), 0);
}

const char* kHouseholdConfig = R"(
mqtt:
  client_id: bedtimed-household
  base_topic: btp
  reconnect: {min: 1s, max: 2s}
actuators:
  - {name: pad, kind: heating_pad, integration: tasmota, topic: pad, max_on: 20m}
  - {name: bed, kind: bed, integration: esphome, node: bed, object_id: legs, presets: {flat: 0, legs_raised: 15}}
sleepers:
  - name: sam
    bedtime: "22:30"
    heating_pad: pad
    bed: bed
)";

// Through a real broker: off at start-up, the plug's own cap armed, off again
// after the broker comes back, off and bed stop at shutdown.
TEST(Process, PadsAreOffAtStartAfterReconnectAndAtShutdown) {
    Mosquitto broker;
    TestClient client(broker.uri());
    client.subscribe("btp/status");
    client.subscribe("cmnd/pad/#");
    client.subscribe("bed/cover/legs/command");
    RunningDaemon daemon(kHouseholdConfig, broker.uri());
    ASSERT_TRUE(wait_status(client, "online", 10s)) << daemon.process->output();
    auto seen = client.drain(1500ms);
    auto count = [](const std::vector<Message>& ms, const std::string& topic,
                    const std::string& payload) {
        int n = 0;
        for (const auto& m : ms) n += m.topic == topic && m.payload == payload;
        return n;
    };
    EXPECT_GE(count(seen, "cmnd/pad/POWER1", "OFF"), 1) << "off at start-up";
    EXPECT_EQ(count(seen, "cmnd/pad/PulseTime1", "1300"), 1) << "the plug's own cap: 20 min + 100";
    EXPECT_EQ(count(seen, "cmnd/pad/PowerOnState", "0"), 1) << "off after a power cut";

    broker.kill9();
    std::this_thread::sleep_for(300ms);
    broker.start();
    TestClient after(broker.uri());
    after.subscribe("btp/status");
    after.subscribe("cmnd/pad/#");
    after.subscribe("bed/cover/legs/command");
    ASSERT_TRUE(wait_status(after, "online", 15s));
    seen = after.drain(1500ms);
    EXPECT_GE(count(seen, "cmnd/pad/POWER1", "OFF"), 1) << "re-asserted after the reconnect";

    daemon.process->signal(SIGTERM);
    ASSERT_EQ(daemon.process->wait(3s).value_or(-1), 0);
    seen = after.drain(1000ms);
    EXPECT_GE(count(seen, "cmnd/pad/POWER1", "OFF"), 1) << "off at shutdown";
    EXPECT_EQ(count(seen, "bed/cover/legs/command", "STOP"), 1) << "bed stopped at shutdown";
}

// A reload rebuilds the devices: the running heat session continues for its
// remaining time only, and a device removed from the config is left off.
TEST(Process, ReloadKeepsARunningHeatSessionWithinItsTime) {
    Mosquitto broker;
    TestClient client(broker.uri());
    client.subscribe("btp/status");
    client.subscribe("cmnd/pad/#");
    const std::string household =
        std::string(kHouseholdConfig) +
        "    wearable: band\n    on_episode: {heat_minutes: 10, max_heats_per_night: 5}\n"
        "wearables:\n  - {name: band, topic: w/ep, fields: {id: id, duration: duration_s}}\n";
    // Bedtime right now, so that "at night" holds for the episode.
    std::string yaml = household;
    const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm local{};
    localtime_r(&now, &local);
    char hhmm[6];
    std::snprintf(hhmm, sizeof hhmm, "%02d:%02d", local.tm_hour, local.tm_min);
    yaml.replace(yaml.find("\"22:30\""), 7, std::string("\"") + hhmm + "\"");
    RunningDaemon daemon(yaml, broker.uri());
    ASSERT_TRUE(wait_status(client, "online", 10s)) << daemon.process->output();
    client.drain(500ms);
    client.publish("w/ep", R"({"id":"r1","duration_s":30})");
    ASSERT_TRUE(daemon.process->wait_for_output("pad: ON for 600 s", 5s))
        << daemon.process->output();

    daemon.process->signal(SIGHUP);
    ASSERT_TRUE(daemon.process->wait_for_output("config reloaded", 5s)) << daemon.process->output();
    ASSERT_TRUE(daemon.process->wait_for_output("resumed the interrupted heat session", 5s))
        << daemon.process->output();
    const std::string out = daemon.process->output();
    const auto pos = out.find("resumed the interrupted heat session: ");
    const int left =
        std::atoi(out.c_str() + pos + std::strlen("resumed the interrupted heat session: "));
    EXPECT_GT(left, 590);
    EXPECT_LE(left, 600) << "never more than what was left";
    daemon.process->signal(SIGTERM);
    EXPECT_EQ(daemon.process->wait(3s).value_or(-1), 0);
}

TEST(Process, BedtimectlExportsAndReportsTheLogReadOnly) {
    const std::string dir = make_temp_dir("bt-ctl");
    {
        EpisodeStore store(dir + "/bedtimed.db");
        for (int i = 0; i < 2; ++i) {
            Episode e;
            e.source = "band";
            e.id_text = "x" + std::to_string(i);
            e.start = std::chrono::system_clock::now() - std::chrono::hours(24 * i);
            e.received = e.start;
            e.duration_s = 30 + i;
            e.muscle = "calf";
            store.insert(e, "sam");
        }
    }
    auto [rc, out] =
        run_to_completion({kBedtimectl, "--state-dir", dir, "export", "--format", "json"});
    ASSERT_EQ(rc, 0) << out;
    const auto j = nlohmann::json::parse(out);
    ASSERT_EQ(j.size(), 2u);
    EXPECT_EQ(j[0]["source_id"], "x1") << "oldest first";
    EXPECT_EQ(j[1]["duration_s"], 30);
    auto [csv_rc, csv] =
        run_to_completion({kBedtimectl, "--state-dir", dir, "export", "--format", "csv"});
    EXPECT_EQ(csv_rc, 0);
    EXPECT_EQ(csv.rfind("source,source_id,sleeper,start,duration_s", 0), 0u) << csv;
    auto [svg_rc, svg_out] =
        run_to_completion({kBedtimectl, "--state-dir", dir, "report", "--svg", dir + "/r.svg"});
    EXPECT_EQ(svg_rc, 0) << svg_out;
    std::ifstream svg(dir + "/r.svg");
    std::string first;
    std::getline(svg, first);
    EXPECT_EQ(first.rfind("<svg", 0), 0u);
    auto [none_rc, none] =
        run_to_completion({kBedtimectl, "--state-dir", dir + "/nowhere", "export"});
    EXPECT_NE(none_rc, 0);
    EXPECT_NE(none.find("no episode log at"), std::string::npos) << none;
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace bedtimed::test
