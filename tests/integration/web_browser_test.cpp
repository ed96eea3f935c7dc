// The web page in a real headless browser (tests/browser/page_test.mjs:
// Debian's chromium driven by playwright-core) against the real bedtimed
// binary and a real mosquitto, with a simulated month in the cramp log. The
// browser logs a cramp and presses "All heat off"; this side checks the row
// in SQLite and the plug's OFF on MQTT. Screenshots: build/artifacts/web/.
// Skips (loudly) only when /usr/bin/chromium is missing.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "child_process.hpp"
#include "daemon_process.hpp"
#include "episode_store.hpp"
#include "http_get.hpp"
#include "mosquitto_fixture.hpp"
#include "test_client.hpp"

namespace bedtimed::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

std::string config(std::uint16_t web_port) {
    return R"(
mqtt:
  client_id: bedtimed-browser
  base_topic: wb
  reconnect: {min: 1s, max: 2s}
sensors:
  - name: bedroom_temp
    topic: wb-sensors/bedroom
    json: temperature
    type: number
    unit: °C
    stale_after: 30m
wearables:
  - name: band
    topic: wb-band/episode
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
web: {port: )" +
           std::to_string(web_port) + "}\n";
}

// 30 nights of a wearable's episodes, a few each week, some marked false positives.
void write_simulated_month(const std::string& db) {
    std::filesystem::create_directories(std::filesystem::path(db).parent_path());
    EpisodeStore store(db);
    const auto now =
        std::chrono::time_point_cast<WallTime::duration>(std::chrono::system_clock::now());
    const char* muscles[] = {"calf", "foot", "calf", "hamstring"};
    for (int night = 1, n = 0; night <= 30; ++night) {
        if (night % 3 == 1) continue;
        Episode e;
        e.source = "band";
        e.id_text = "sim-" + std::to_string(night);
        e.id = e.id_text;
        e.start = now - std::chrono::hours(24 * night) + std::chrono::minutes(37 * (night % 7));
        e.received = e.start;
        e.duration_s = 20 + 7 * (night % 9);
        e.muscle = muscles[n++ % 4];
        e.side = night % 2 ? "left" : "right";
        e.severity = 3 + night % 6;
        store.insert(e, "alex");
        if (night % 5 == 0) {
            EpisodeEdit edit;
            edit.status = "false_positive";
            store.update("band", e.id_text, edit);
        }
    }
}

long rss_kib(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    return -1;
}

TEST(WebBrowser, EachPageWithAMonthOfDataAndTheButtonsReachMqttAndSqlite) {
    if (!std::filesystem::exists("/usr/bin/chromium"))
        GTEST_SKIP() << "SKIPPED LOUDLY: /usr/bin/chromium is missing (Debian package chromium; "
                        "scripts/bootstrap installs it): the page was not tested in a browser";
    const std::string browser_dir = std::string(BEDTIMED_SOURCE_DIR) + "/tests/browser";
    ASSERT_TRUE(std::filesystem::exists(browser_dir + "/node_modules/playwright-core"))
        << "playwright-core missing: run scripts/bootstrap";
    Mosquitto broker;
    broker.start();
    const auto port = free_loopback_port();
    DaemonProcess daemon(broker.uri(), config(port));
    write_simulated_month(daemon.db());
    TestClient mqtt(broker.uri());
    mqtt.subscribe("z2m/pad_plug/set");
    daemon.start();
    ASSERT_TRUE(
        wait_until([&] { return http_request(port, "GET", "/healthz").status == 200; }, 20s))
        << daemon.output();
    mqtt.publish("wb-sensors/bedroom", R"({"temperature":18.5})");
    ASSERT_TRUE(wait_until(
        [&] {
            return json::parse(
                       http_request(port, "GET", "/api/state").body)["sensors"][0]["value"] !=
                   nullptr;
        },
        10s));
    const long idle_before_kib = rss_kib(daemon.pid());

    const std::string out = std::string(BEDTIMED_BIN_DIR) + "/../artifacts/web";
    const auto [code, output] =
        run_to_completion({"/usr/bin/node", browser_dir + "/page_test.mjs",
                           "http://127.0.0.1:" + std::to_string(port) + "/", out},
                          60s);
    ASSERT_EQ(code, 0) << output;
    const auto result = json::parse(output.substr(output.find('{')));
    EXPECT_GE(result["rows"].get<int>(), 20);
    EXPECT_GE(result["false_positives"].get<int>(), 1);

    // What the browser did, as MQTT and SQLite saw it.
    const auto off = mqtt.next_on("z2m/pad_plug/set", 10s);
    ASSERT_TRUE(off) << "All heat off sent nothing to the plug";
    EXPECT_NE(off->payload.find("OFF"), std::string::npos);
    EpisodeStore store(daemon.db(), EpisodeStore::Mode::read_only);
    bool logged = false;
    for (const auto& e : store.recent(5))
        logged |= e.source == "manual" && e.muscle == "hamstring" && e.side == "right";
    EXPECT_TRUE(logged) << "the cramp logged in the browser is not in SQLite";
    const std::string confirmed = result["confirmed"].get<std::string>();
    const auto slash = confirmed.find('/');
    const auto row = store.find(confirmed.substr(0, slash), confirmed.substr(slash + 1));
    ASSERT_TRUE(row);
    EXPECT_EQ(row->status, "confirmed");
    for (const char* shot : {"tonight", "log", "charts", "devices", "tonight-phone"})
        EXPECT_TRUE(std::filesystem::exists(out + "/" + shot + ".png")) << shot;

    // Idle again (the browser gone): the resident memory, kept with the screenshots.
    std::this_thread::sleep_for(1s);
    const long idle_after_kib = rss_kib(daemon.pid());
    std::ofstream(out + "/rss.txt")
        << "idle RSS before the browser: " << idle_before_kib
        << " KiB\nidle RSS after the browser: " << idle_after_kib << " KiB\n";
    std::printf("bedtimed idle RSS: %ld KiB before the browser, %ld KiB after\n", idle_before_kib,
                idle_after_kib);
}

}  // namespace
}  // namespace bedtimed::test
