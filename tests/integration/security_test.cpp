// Security: TLS to the broker against a private CA made with openssl,
// a wrong password (one clear error, then backoff rather than a tight loop),
// the mosquitto ACL in examples/mosquitto/ applied for real, and secrets that
// never reach the log even at debug level. The real bedtimed binary, a real
// mosquitto, a real loopback HTTP server for the notifiers.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "child_process.hpp"
#include "daemon_process.hpp"
#include "episode_store.hpp"
#include "http_test_server.hpp"
#include "mosquitto_fixture.hpp"
#include "test_client.hpp"

namespace bedtimed::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

std::string minimal_config(const std::string& base, const std::string& mqtt_extra = "") {
    return "mqtt:\n  client_id: bedtimed-" + base + "\n  base_topic: " + base +
           "\n  reconnect: {min: 1s, max: 2s}\n" + mqtt_extra;
}

bool wait_status(const std::string& uri, const std::string& topic, std::chrono::seconds timeout) {
    TestClient c(uri);
    c.subscribe(topic);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        auto m = c.next_on(topic, 500ms);
        if (m && m->payload == "online") return true;
    }
    return false;
}

// ---------------------------------------------------------------------------
// TLS to the broker

// A broker with a second listener that speaks TLS with `certs`' server certificate.
struct TlsBroker {
    std::uint16_t tls_port = free_loopback_port();
    std::unique_ptr<Mosquitto> broker;
    explicit TlsBroker(const TestCertificates& certs) {
        for (const auto& f : {certs.ca_file, certs.cert_file, certs.key_file})
            ::chmod(f.c_str(), 0644);
        broker = std::make_unique<Mosquitto>(Mosquitto::Options{
            false,
            "listener " + std::to_string(tls_port) + " 127.0.0.1\ncafile " + certs.ca_file +
                "\ncertfile " + certs.cert_file + "\nkeyfile " + certs.key_file + "\n",
            false});
    }
    std::string tls_uri() const { return "ssl://127.0.0.1:" + std::to_string(tls_port); }
};

std::string tls_config(const std::string& ca_file) {
    return minimal_config("bttls", "  tls:\n    ca_file: " + ca_file + "\n");
}

TEST(Security, TlsWithTheRightCaConnects) {
    TestCertificates certs;  // SAN 127.0.0.1 and localhost
    TlsBroker tb(certs);
    DaemonProcess daemon(tb.tls_uri(), tls_config(certs.ca_file));
    daemon.start();
    // The plain listener sees what the daemon publishes over TLS.
    ASSERT_TRUE(wait_status(tb.broker->uri(), "bttls/status", 20s)) << daemon.output();
    EXPECT_TRUE(daemon.wait_for_output("connected to " + tb.tls_uri(), 10s)) << daemon.output();
}

TEST(Security, TlsRejectsAServerCertificateForAnotherHost) {
    TestCertificates certs("DNS:broker.example.org");  // signed by the trusted CA, for another name
    TlsBroker tb(certs);
    DaemonProcess daemon(tb.tls_uri(), tls_config(certs.ca_file));
    daemon.start();
    ASSERT_TRUE(daemon.wait_for_output("TLS", 20s)) << daemon.output();
    const std::string out = daemon.output();
    EXPECT_NE(out.find("broker " + tb.tls_uri() + " unreachable"), std::string::npos) << out;
    EXPECT_NE(out.find("check mqtt.tls.ca_file and that the broker's certificate names this host"),
              std::string::npos)
        << out;
    EXPECT_EQ(out.find("connected to"), std::string::npos) << out;
    TestClient c(tb.broker->uri());
    c.subscribe("bttls/status");
    EXPECT_FALSE(c.next_on("bttls/status", 1500ms))
        << "a daemon that never connected has no status";
}

TEST(Security, TlsRejectsAnUnknownCa) {
    TestCertificates certs;
    TestCertificates other;  // a CA the broker's certificate was not signed by
    TlsBroker tb(certs);
    DaemonProcess daemon(tb.tls_uri(), tls_config(other.ca_file));
    daemon.start();
    ASSERT_TRUE(daemon.wait_for_output("check mqtt.tls.ca_file", 20s)) << daemon.output();
    const std::string out = daemon.output();
    EXPECT_NE(out.find("broker " + tb.tls_uri() + " unreachable"), std::string::npos) << out;
    EXPECT_EQ(out.find("connected to"), std::string::npos) << out;
}

// ---------------------------------------------------------------------------
// Username and password

struct PasswordBroker {
    std::string dir = make_temp_dir("bt-sec");
    std::string passwd = dir + "/passwd";
    std::unique_ptr<Mosquitto> broker;
    // `acl` (may be empty) is written to a file and applied.
    explicit PasswordBroker(const std::string& acl = "", bool verbose = false) {
        auto [rc, out] = run_to_completion(
            {"/usr/bin/mosquitto_passwd", "-c", "-b", passwd, "bedtimed", "s3cret pass"});
        if (rc != 0) ADD_FAILURE() << out;
        ::chmod(passwd.c_str(), 0644);
        std::string extra = "password_file " + passwd + "\n";
        if (!acl.empty()) {
            write_file(dir + "/acl", acl);
            ::chmod((dir + "/acl").c_str(), 0644);
            extra += "acl_file " + dir + "/acl\n";
        }
        broker = std::make_unique<Mosquitto>(Mosquitto::Options{false, extra, verbose});
    }
    ~PasswordBroker() {
        broker.reset();
        std::filesystem::remove_all(dir);
    }
};

TEST(Security, AWrongPasswordGivesAClearErrorAndBacksOff) {
    PasswordBroker pb;
    const std::string dir = make_temp_dir("bt-sec-pw");
    write_file(dir + "/pw", "not the password\n");
    DaemonProcess daemon(
        pb.broker->uri(),
        minimal_config("btpw", "  username: bedtimed\n  password_file: " + dir + "/pw\n"));
    daemon.start();
    ASSERT_TRUE(daemon.wait_for_output("refused the username or password", 20s)) << daemon.output();
    // Watch the broker for a while: attempts follow the 1 s, 2 s, 2 s … backoff.
    const std::string log = pb.broker->log_path();
    const auto before = count_of(read_all(log), "not authorised");
    std::this_thread::sleep_for(6s);
    const auto attempts = count_of(read_all(log), "not authorised") - before;
    EXPECT_GE(attempts, 1u) << "it keeps trying\n" << read_all(log);
    EXPECT_LE(attempts, 6u) << "a tight reconnect loop\n" << read_all(log);
    const std::string out = daemon.output();
    EXPECT_EQ(count_of(out, "refused the username or password"), 1u)
        << "one error, not one per attempt\n"
        << out;
    EXPECT_EQ(out.find("not the password"), std::string::npos) << "the secret was logged";
    EXPECT_TRUE(daemon.alive());
    std::filesystem::remove_all(dir);
}

// ---------------------------------------------------------------------------
// The ACL example, applied

// The example config's topic layout (config/bedtimed.example.yaml), trimmed.
std::string acl_config(const std::string& pw_file) {
    const std::string bedtime = utc_hhmm();
    return R"(
mqtt:
  client_id: bedtimed-acl
  base_topic: bedtimed
  username: bedtimed
  password_file: )" +
           pw_file + R"(
  reconnect: {min: 1s, max: 2s}
sensors:
  - name: bedroom_temp
    topic: zigbee2mqtt/bedroom_sensor
    json_path: temperature
    type: number
  - name: bed_left_occupied
    topic: bedroom/bed_presence/left/state
    type: boolean
wearables:
  - name: left_band
    topic: wearables/left/episode
    qos: 1
    fields: {id: id, duration: duration_s}
actuators:
  - name: pad_left
    kind: heating_pad
    integration: zigbee2mqtt
    max_on: 30m
    device: heating_pad_left
    base_topic: zigbee2mqtt
notifiers:
  - name: phone_left
    type: mqtt
    topic: bedtimed/notify/{sleeper}
sleepers:
  - name: alex
    timezone: UTC
    bedtime: ")" +
           bedtime + R"("
    wearable: left_band
    heating_pad: pad_left
    notify: [phone_left]
    routine:
      prewarm: {enabled: false}
    on_episode: {heat: true, heat_minutes: 10}
)";
}

TEST(Security, TheExampleAclLetsBedtimedWorkAndDeniesEverythingElse) {
    // Anonymous clients (this test's) may use every topic; the example's
    // rules apply to the user "bedtimed".
    const std::string example =
        read_all(std::string(BEDTIMED_SOURCE_DIR) + "/examples/mosquitto/acl");
    ASSERT_NE(example.find("user bedtimed"), std::string::npos);
    PasswordBroker pb("topic readwrite #\n" + example, true);
    const std::string dir = make_temp_dir("bt-sec-acl");
    write_file(dir + "/pw", "s3cret pass\n");
    TestClient watcher(pb.broker->uri());
    watcher.subscribe("zigbee2mqtt/heating_pad_left/set");
    watcher.subscribe("bedtimed/notify/alex");
    DaemonProcess daemon(pb.broker->uri(), acl_config(dir + "/pw"));
    daemon.start();
    ASSERT_TRUE(wait_status(pb.broker->uri(), "bedtimed/status", 20s)) << daemon.output();

    // Reads a sensor and the wearable; writes the plug and its own topics.
    watcher.publish("zigbee2mqtt/bedroom_sensor", R"({"temperature":18.5})");
    watcher.publish("wearables/left/episode", R"({"id":"acl-1","duration_s":40})");
    const std::string db = daemon.db();
    ASSERT_TRUE(wait_until(
        [&] {
            if (!std::filesystem::exists(db)) return false;
            EpisodeStore store(db, EpisodeStore::Mode::read_only);
            return store.find("left_band", "acl-1").has_value();
        },
        20s))
        << daemon.output();
    bool on = false;
    ASSERT_TRUE(wait_until(
        [&] {
            while (auto m = watcher.next(100ms))
                if (m->topic == "zigbee2mqtt/heating_pad_left/set" &&
                    m->payload.find("\"ON\"") != std::string::npos)
                    on = true;
            return on;
        },
        20s))
        << daemon.output();
    TestClient ctl(pb.broker->uri());
    ctl.subscribe("bedtimed/reply/#");
    ctl.publish("bedtimed/cmd/test_notify", R"({"request_id":"acl-r1"})");
    auto reply = ctl.next_on("bedtimed/reply/acl-r1", 15s);
    ASSERT_TRUE(reply) << daemon.output();
    EXPECT_NE(reply->payload.find("\"ok\":true"), std::string::npos) << reply->payload;

    // Outside its topics the broker refuses bedtimed's user.
    auto [rc, out] = run_to_completion(
        {"/usr/bin/mosquitto_pub", "-h", "127.0.0.1", "-p", std::to_string(pb.broker->port()), "-u",
         "bedtimed", "-P", "s3cret pass", "-i", "acl-intruder", "-q", "1", "-t",
         "zigbee2mqtt/front_door_lock/set", "-m", R"({"state":"UNLOCK"})"});
    EXPECT_EQ(rc, 0) << out;
    const std::string log = pb.broker->log_path();
    ASSERT_TRUE(wait_until(
        [&] { return read_all(log).find("Denied PUBLISH from acl-intruder") != std::string::npos; },
        10s))
        << read_all(log);
    // Everything bedtimed itself published was within the ACL.
    EXPECT_EQ(read_all(log).find("Denied PUBLISH from bedtimed-acl"), std::string::npos)
        << read_all(log);
    EXPECT_TRUE(daemon.alive());
    std::filesystem::remove_all(dir);
}

// ---------------------------------------------------------------------------
// Secrets never appear in the log

TEST(Security, SecretsNeverAppearInTheLogEvenAtDebugLevel) {
    const std::string ntfy_token = "tk_ntfySecret91c2";
    const std::string ntfy_pw = "ntfyPass-Secret-55";
    const std::string gotify_token = "gotifySecret-A1b2";
    const std::string ha_token = "haSecret.eyJhbGciOi.4d5e";
    const std::string hook_key = "hookSecret-0099";

    PasswordBroker pb;
    const std::string creds = make_temp_dir("bt-sec-creds");
    ::chmod(creds.c_str(), 0700);
    write_file(creds + "/mqtt-password", "s3cret pass\n");
    // The MQTT password from a credential; the notifiers' from files.
    write_file(creds + "/ntfy.token", ntfy_token + "\n");
    write_file(creds + "/ntfy.pw", ntfy_pw + "\n");
    write_file(creds + "/gotify.token", gotify_token + "\n");
    write_file(creds + "/ha.token", ha_token + "\n");
    write_file(creds + "/hook.key", hook_key + "\n");
    HttpTestServer up, down;
    down.set_default_status(500);

    const std::string yaml =
        minimal_config("btsec", "  username: bedtimed\n  password_credential: mqtt-password\n") +
        R"(
notifiers:
  - {name: ntfy_tok, type: ntfy, url: ")" +
        up.url() + R"(", topic: bt-alex, token_file: )" + creds +
        R"(/ntfy.token}
  - {name: ntfy_pw, type: ntfy, url: ")" +
        down.url() + R"(", topic: bt-alex, user: alex, password_file: )" + creds + R"(/ntfy.pw}
  - {name: gotify, type: gotify, url: ")" +
        up.url() + R"(", token_file: )" + creds + R"(/gotify.token}
  - {name: ha, type: ha_app, url: ")" +
        down.url() + R"(", service: mobile_app_alex, token_file: )" + creds +
        R"(/ha.token}
  - {name: hook, type: webhook, url: ")" +
        up.url() + R"(/hook", headers: {X-Api-Key: {file: )" + creds +
        R"(/hook.key}}}
sleepers:
  - name: alex
    timezone: UTC
    bedtime: "22:30"
    notify: [ntfy_tok, ntfy_pw, gotify, ha, hook]
)";
    DaemonProcess::Options opts;
    opts.extra_args = {"--log-level", "debug"};
    opts.env = {"CREDENTIALS_DIRECTORY=" + creds};
    DaemonProcess daemon(pb.broker->uri(), yaml, opts);
    daemon.start();
    ASSERT_TRUE(wait_status(pb.broker->uri(), "btsec/status", 20s)) << daemon.output();

    TestClient ctl(pb.broker->uri());
    ctl.subscribe("btsec/reply/#");
    ctl.publish("btsec/cmd/test_notify", R"({"request_id":"sec-1"})");
    ASSERT_TRUE(ctl.next_on("btsec/reply/sec-1", 15s)) << daemon.output();
    // Delivered where the server is up (with the secrets on the wire)...
    ASSERT_TRUE(wait_until([&] { return up.request_count() >= 3; }, 20s)) << daemon.output();
    bool token_sent = false;
    for (const auto& r : up.requests())
        token_sent = token_sent || r.header("authorization").find(ntfy_token) != std::string::npos;
    EXPECT_TRUE(token_sent) << "the ntfy token was not used, so the test proves nothing about it";
    // ...and failing (500, retried) where it is down.
    ASSERT_TRUE(wait_until([&] { return down.request_count() >= 2; }, 20s)) << daemon.output();
    ASSERT_TRUE(wait_until([&] { return daemon.output().find("500") != std::string::npos; }, 20s))
        << daemon.output();
    daemon.signal(SIGTERM);
    EXPECT_EQ(daemon.wait(10s).value_or(-1), 0);

    const std::string out = daemon.output();
    ASSERT_NE(out.find(" debug ["), std::string::npos) << "not at debug level\n" << out;
    for (const auto& secret :
         {std::string("s3cret pass"), ntfy_token, ntfy_pw, gotify_token, ha_token, hook_key})
        EXPECT_EQ(out.find(secret), std::string::npos) << "logged: " << secret << "\n" << out;
    std::filesystem::remove_all(creds);
}

}  // namespace
}  // namespace bedtimed::test
