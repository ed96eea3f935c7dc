// bedtimed as a systemd service, with the test playing systemd's part (it
// cannot be PID 1 here): the real binary, a real mosquitto, a real notify
// socket. READY/STATUS/WATCHDOG/RELOADING/STOPPING, the watchdog's MQTT
// heartbeat, and secrets from $CREDENTIALS_DIRECTORY.
//
// Timing is asserted loosely (counts within generous windows), never tightly.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <ctime>
#include <filesystem>

#include "child_process.hpp"
#include "daemon_harness.hpp"
#include "mosquitto_fixture.hpp"
#include "notify_socket.hpp"
#include "test_client.hpp"

namespace bedtimed::test {
namespace {

using namespace std::chrono_literals;

const std::string kBedtimed = std::string(BEDTIMED_BIN_DIR) + "/bedtimed";

// A sleeper whose bedtime is two hours from now (UTC), so tonight's routine
// has steps still ahead: hydration (bedtime - 90 min) comes next.
std::string config_with_sleeper(const std::string& mqtt_extra = "") {
    const std::time_t t = std::time(nullptr) + 2 * 3600;
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char bedtime[8];
    std::snprintf(bedtime, sizeof bedtime, "%02d:%02d", tm.tm_hour, tm.tm_min);
    return "mqtt:\n  client_id: bedtimed-svc\n  base_topic: bts\n  reconnect: {min: 1s, max: "
           "2s}\n" +
           mqtt_extra + "sleepers:\n  - name: sam\n    timezone: UTC\n    bedtime: \"" + bedtime +
           "\"\n";
}

struct Service {
    std::string dir = make_temp_dir("bt-svc");
    std::string config = dir + "/config.yaml";
    std::unique_ptr<ChildProcess> process;

    Service(const std::string& yaml, const std::string& broker, std::vector<std::string> env) {
        write_file(config, yaml);
        process = std::make_unique<ChildProcess>(
            std::vector<std::string>{kBedtimed, "--config", config, "--broker", broker,
                                     "--state-dir", dir + "/state"},
            std::move(env));
    }
    ~Service() {
        process.reset();
        std::filesystem::remove_all(dir);
    }
};

long count(const std::vector<std::string>& msgs, const std::string& want) {
    return std::count(msgs.begin(), msgs.end(), want);
}

std::string last_status(const std::vector<std::string>& msgs) {
    std::string s;
    for (const auto& m : msgs) {
        const auto pos = m.find("STATUS=");
        if (pos != std::string::npos) s = m.substr(pos + 7);
    }
    return s;
}

TEST(Service, NotifiesThroughAnAbstractSocket) {
    Mosquitto broker;
    NotifySocket notify(NotifySocket::Kind::abstract);
    ASSERT_EQ(notify.address()[0], '@');
    Service svc(config_with_sleeper(), broker.uri(), {"NOTIFY_SOCKET=" + notify.address()});
    EXPECT_EQ(notify.next().rfind("READY=1\nSTATUS=", 0), 0u) << svc.process->output();
    svc.process->signal(SIGTERM);
    EXPECT_EQ(notify.next_event(), "STOPPING=1");
    EXPECT_EQ(svc.process->wait(5s).value_or(-1), 0);
}

// WATCHDOG_USEC=1 s: pings about every 0.5 s while the heartbeat comes back;
// STATUS= names the broker and the next routine step; reload and stop are
// announced as before.
TEST(Service, WatchdogPingsAndStatusNamesBrokerAndNextStep) {
    Mosquitto broker;
    NotifySocket notify;
    Service svc(config_with_sleeper(), broker.uri(),
                {"NOTIFY_SOCKET=" + notify.address(), "WATCHDOG_USEC=1000000"});
    const std::string ready = notify.next();
    ASSERT_EQ(ready.rfind("READY=1", 0), 0u) << ready << svc.process->output();
    const auto window = notify.collect(3s);
    EXPECT_GE(count(window, "WATCHDOG=1"), 3) << svc.process->output();
    EXPECT_LE(count(window, "WATCHDOG=1"), 12);  // not a busy loop
    const std::string status = last_status(window);
    EXPECT_NE(status.find("connected to " + broker.uri()), std::string::npos) << status;
    EXPECT_EQ(status.find("not connected"), std::string::npos) << status;
    EXPECT_NE(status.find("; next: sam hydration "), std::string::npos) << status;

    svc.process->signal(SIGHUP);
    EXPECT_EQ(notify.next_event(), "RELOADING=1");
    EXPECT_EQ(notify.next_event(), "READY=1");
    EXPECT_GE(count(notify.collect(1500ms), "WATCHDOG=1"), 1);  // still pinging after a reload
    svc.process->signal(SIGTERM);
    EXPECT_EQ(notify.next_event(), "STOPPING=1");
    EXPECT_EQ(svc.process->wait(5s).value_or(-1), 0);
    EXPECT_EQ(svc.process->output().find("heartbeat echo"), std::string::npos)
        << svc.process->output();
}

// The heartbeat does not count as traffic: an idle daemon's counters stay put.
TEST(Service, HeartbeatIsNotCountedAsTraffic) {
    Mosquitto broker;
    TestClient client(broker.uri());
    client.subscribe("bts/counters");
    client.subscribe("bts/heartbeat");
    NotifySocket notify;
    Service svc(config_with_sleeper(), broker.uri(),
                {"NOTIFY_SOCKET=" + notify.address(), "WATCHDOG_USEC=400000"});
    ASSERT_TRUE(client.next_on("bts/heartbeat", 10s)) << svc.process->output();
    auto first = client.next_on("bts/counters", 10s);
    ASSERT_TRUE(first);
    // Counters are republished only when they change (every 10 s at most);
    // 25 heartbeats later they must not have.
    auto later = client.next_on("bts/counters", 11s);
    EXPECT_FALSE(later) << later->payload;
}

// An ACL that lets bedtimed connect but never lets its heartbeat through: the
// MQTT side looks wedged while connected, so the pings stop and it says why.
TEST(Service, WatchdogStopsWhenTheHeartbeatCannotRoundTrip) {
    const std::string acl_dir = make_temp_dir("bt-acl");
    write_file(acl_dir + "/acl", "topic deny bts/heartbeat\ntopic readwrite #\n");
    Mosquitto broker(Mosquitto::Options{false, "acl_file " + acl_dir + "/acl\n"});
    TestClient client(broker.uri());
    client.subscribe("bts/status");
    NotifySocket notify;
    Service svc(config_with_sleeper(), broker.uri(),
                {"NOTIFY_SOCKET=" + notify.address(), "WATCHDOG_USEC=500000"});
    ASSERT_EQ(notify.next().rfind("READY=1", 0), 0u);
    // Connected (the ACL allows the rest)...
    auto online = client.next_on("bts/status", 10s);
    ASSERT_TRUE(online && online->payload == "online") << svc.process->output();
    // ... but no echo: after two intervals the pings stop, logged once.
    ASSERT_TRUE(svc.process->wait_for_output("looks wedged", 10s)) << svc.process->output();
    notify.collect(300ms);  // whatever was already on its way
    const auto window = notify.collect(2500ms);
    EXPECT_EQ(count(window, "WATCHDOG=1"), 0);
    const std::string out = svc.process->output();
    EXPECT_EQ(out.find("looks wedged"), out.rfind("looks wedged")) << "logged more than once";
    // Still running: systemd's WatchdogSec, not bedtimed, ends it.
    EXPECT_FALSE(svc.process->wait(0ms));
    std::filesystem::remove_all(acl_dir);
}

// A broker that is away is not a wedged client: Paho is reconnecting, the loop
// runs, and a restart would not bring the broker back. Pings go on.
TEST(Service, WatchdogKeepsPingingWhileTheBrokerIsDown) {
    Mosquitto broker;
    broker.stop();
    NotifySocket notify;
    Service svc(config_with_sleeper(), broker.uri(),
                {"NOTIFY_SOCKET=" + notify.address(), "WATCHDOG_USEC=500000"});
    const std::string ready = notify.next();
    ASSERT_EQ(ready.rfind("READY=1", 0), 0u);
    EXPECT_NE(ready.find("not connected to " + broker.uri()), std::string::npos) << ready;
    const auto window = notify.collect(3s);
    EXPECT_GE(count(window, "WATCHDOG=1"), 3);
    // The broker comes back: connected, and the heartbeat keeps the pings going.
    // Reconnect backoff doubles from 1 s (up to 30 s), so under load the next try may be a while.
    broker.start();
    ASSERT_TRUE(svc.process->wait_for_output("connected to", 45s)) << svc.process->output();
    const auto after = notify.collect(3s);
    EXPECT_GE(count(after, "WATCHDOG=1"), 3);
    EXPECT_EQ(svc.process->output().find("looks wedged"), std::string::npos)
        << svc.process->output();
}

TEST(Service, NoPingsWhenWatchdogPidIsAnotherProcess) {
    Mosquitto broker;
    NotifySocket notify;
    Service svc(config_with_sleeper(), broker.uri(),
                {"NOTIFY_SOCKET=" + notify.address(), "WATCHDOG_USEC=200000", "WATCHDOG_PID=1"});
    ASSERT_EQ(notify.next().rfind("READY=1", 0), 0u);
    EXPECT_EQ(count(notify.collect(1500ms), "WATCHDOG=1"), 0);
}

// --- Credentials ---------------------------------------------------------------

struct PasswordBroker {
    std::string dir = make_temp_dir("bt-pw");
    std::unique_ptr<Mosquitto> broker;
    PasswordBroker() {
        const std::string pw = dir + "/passwd";
        auto [rc, out] = run_to_completion(
            {"/usr/bin/mosquitto_passwd", "-c", "-b", pw, "bedtimed", "s3cret pass"});
        if (rc != 0) ADD_FAILURE() << out;
        ::chmod(pw.c_str(), 0644);  // mosquitto may drop privileges before reading it
        // Anonymous clients (the test's) are fine; a named user needs its password.
        broker =
            std::make_unique<Mosquitto>(Mosquitto::Options{false, "password_file " + pw + "\n"});
    }
    ~PasswordBroker() {
        broker.reset();
        std::filesystem::remove_all(dir);
    }
};

const char* kCredentialMqtt = "  username: bedtimed\n  password_credential: mqtt-password\n";

TEST(Service, MqttPasswordComesFromTheCredentialsDirectory) {
    PasswordBroker pb;
    TestClient client(pb.broker->uri());
    client.subscribe("bts/status");
    const std::string creds = make_temp_dir("bt-creds");
    write_file(creds + "/mqtt-password", "s3cret pass\n");  // the newline is trimmed
    Service svc(config_with_sleeper(kCredentialMqtt), pb.broker->uri(),
                {"CREDENTIALS_DIRECTORY=" + creds});
    auto online = client.next_on("bts/status", 10s);
    ASSERT_TRUE(online && online->payload == "online") << svc.process->output();
    EXPECT_EQ(svc.process->output().find("s3cret"), std::string::npos) << "the secret was logged";
    std::filesystem::remove_all(creds);
}

TEST(Service, AWrongPasswordIsRejectedByTheBroker) {
    PasswordBroker pb;
    TestClient client(pb.broker->uri());
    client.subscribe("bts/status");
    const std::string creds = make_temp_dir("bt-creds");
    write_file(creds + "/mqtt-password", "wrong\n");
    Service svc(config_with_sleeper(kCredentialMqtt), pb.broker->uri(),
                {"CREDENTIALS_DIRECTORY=" + creds});
    ASSERT_TRUE(svc.process->wait_for_output("refused the username or password", 10s))
        << svc.process->output();
    EXPECT_FALSE(client.next_on("bts/status", 1500ms));
    EXPECT_EQ(svc.process->output().find("wrong"), std::string::npos) << "the secret was logged";
    std::filesystem::remove_all(creds);
}

// The unit's SetCredential= default (a lone newline) stands in for a missing
// source file: bedtimed names the credential and exits 78, not restarted.
TEST(Service, AnEmptyOrMissingCredentialIsAConfigError) {
    Mosquitto broker;
    const std::string creds = make_temp_dir("bt-creds");
    write_file(creds + "/mqtt-password", "\n");
    {
        Service svc(config_with_sleeper(kCredentialMqtt), broker.uri(),
                    {"CREDENTIALS_DIRECTORY=" + creds});
        EXPECT_EQ(svc.process->wait(10s).value_or(-1), 78);
        EXPECT_NE(
            svc.process->output().find(svc.config + ":6:24: credential 'mqtt-password' is empty"),
            std::string::npos)
            << svc.process->output();
    }
    {
        Service svc(config_with_sleeper(kCredentialMqtt), broker.uri(), {"CREDENTIALS_DIRECTORY="});
        EXPECT_EQ(svc.process->wait(10s).value_or(-1), 78);
        EXPECT_NE(svc.process->output().find(
                      ":6:24: credential 'mqtt-password': $CREDENTIALS_DIRECTORY is not set"),
                  std::string::npos)
            << svc.process->output();
    }
    std::filesystem::remove_all(creds);
}

}  // namespace
}  // namespace bedtimed::test
