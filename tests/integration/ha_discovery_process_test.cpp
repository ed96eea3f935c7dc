// Home Assistant discovery end to end: the real bedtimed against a real
// mosquitto, with the test in Home Assistant's place. It reads the retained
// discovery, plays HA's birth message, sends what HA's entities send
// (payloads and command templates taken from the discovery itself), and
// checks the retained state topics the entities read.
//
// No assertion depends on timing: every wait is a bounded poll far above
// what the step needs on a loaded machine.
#include <gtest/gtest.h>
#include <signal.h>

#include <fmt/format.h>
#include <ctime>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "child_process.hpp"
#include "daemon_harness.hpp"
#include "mosquitto_fixture.hpp"
#include "test_client.hpp"

namespace bedtimed::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

const std::string kBedtimed = std::string(BEDTIMED_BIN_DIR) + "/bedtimed";
const std::string kBase = "hatest";
const std::string kDevice = "homeassistant/device/bedtimed-ha_";

// "HH:MM" (UTC) `ahead` from now, so tonight's steps are still to come.
std::string utc_hhmm(std::chrono::minutes ahead) {
    const std::time_t t =
        std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() + ahead);
    std::tm tm{};
    gmtime_r(&t, &tm);
    return fmt::format("{:02}:{:02}", tm.tm_hour, tm.tm_min);
}

// alex has a pad and a stretch step unless `trimmed`; sam exists unless `trimmed`.
std::string config_text(const std::string& bedtime, bool trimmed = false) {
    std::string y = R"(
mqtt:
  client_id: bedtimed-ha
  base_topic: )" + kBase +
                    R"(
  reconnect: {min: 1s, max: 2s}
actuators:
  - {name: pad, kind: heating_pad, integration: zigbee2mqtt, device: pad_plug, base_topic: z2m, max_on: 30m,
     confirm_timeout: 5m}
sleepers:
  - name: alex
    timezone: UTC
    bedtime: ")" + bedtime +
                    R"("
    heating_pad: pad
    routine:
      prewarm: {minutes: 15}
)";
    if (trimmed) y += "      stretch: {enabled: false}\n";
    if (!trimmed) y += "  - {name: sam, timezone: UTC, bedtime: \"23:00\"}\n";
    return y + "home_assistant: {rediscover_delay: 1s}\n";
}

class Daemon {
public:
    Daemon(const std::string& broker, const std::string& yaml) {
        write_file(config_, yaml);
        process_ = std::make_unique<ChildProcess>(std::vector<std::string>{
            kBedtimed, "--config", config_, "--broker", broker, "--state-dir", dir_ + "/state"});
    }
    ~Daemon() {
        process_.reset();
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    void reload(const std::string& yaml) {
        write_file(config_, yaml);
        process_->signal(SIGHUP);
    }
    std::string output() const { return process_->output(); }

private:
    std::string dir_ = make_temp_dir("bt-ha");
    std::string config_ = dir_ + "/config.yaml";
    std::unique_ptr<ChildProcess> process_;
};

// The next message on `topic` whose parsed payload satisfies `want`.
std::optional<json> wait_json(TestClient& c, const std::string& topic,
                              const std::function<bool(const json&)>& want,
                              std::chrono::seconds timeout = 30s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        auto m = c.next_on(topic, 500ms);
        if (!m || m->payload.empty()) continue;
        auto j = json::parse(m->payload, nullptr, false);
        if (!j.is_discarded() && want(j)) return j;
    }
    return std::nullopt;
}

// The retained value of `topic` now, read by a fresh subscriber.
std::optional<json> retained(const std::string& uri, const std::string& topic) {
    auto payload = retained_payload(uri, topic);
    if (!payload) return std::nullopt;
    return json::parse(*payload);
}

// What HA sends for a select or text: the command template with the value rendered by `tojson`.
std::string render(const json& entity, const std::string& value) {
    std::string t = entity["command_template"];
    t.replace(t.find("{{ value | tojson }}"), 20, json(value).dump());
    return t;
}

std::string topic_of(const json& entity) { return entity["command_topic"]; }

TEST(HaDiscoveryProcess, DiscoveryIsRetainedAndSentAgainWhenHomeAssistantComesOnline) {
    Mosquitto broker;
    Daemon daemon(broker.uri(), config_text(utc_hhmm(3h)));
    TestClient ha(broker.uri());
    ha.subscribe(kDevice + "alex/config");
    auto first = wait_json(ha, kDevice + "alex/config",
                           [](const json& j) { return j.contains("components"); });
    ASSERT_TRUE(first) << daemon.output();
    EXPECT_TRUE(first->at("components").contains("bedtimed-ha_alex_tier_override"));
    EXPECT_TRUE(retained(broker.uri(), kDevice + "sam/config")) << "retained for HA to find later";
    EXPECT_TRUE(retained(broker.uri(), "homeassistant/device/bedtimed-ha/config"));

    // HA's birth message: discovery comes again (live, so not flagged retained).
    ha.publish("homeassistant/status", "online", 1, false);
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    bool again = false;
    while (!again && std::chrono::steady_clock::now() < deadline) {
        auto m = ha.next_on(kDevice + "alex/config", 500ms);
        again = m && !m->retained && json::parse(m->payload).contains("components");
    }
    EXPECT_TRUE(again) << daemon.output();
    EXPECT_NE(daemon.output().find("Home Assistant is online"), std::string::npos);
}

TEST(HaDiscoveryProcess, ASleeperAndAStepRemovedFromTheConfigLoseTheirEntitiesOnReload) {
    Mosquitto broker;
    const std::string bedtime = utc_hhmm(3h);
    Daemon daemon(broker.uri(), config_text(bedtime));
    TestClient ha(broker.uri());
    ha.subscribe("homeassistant/device/#");
    ASSERT_TRUE(wait_json(ha, kDevice + "sam/config", [](const json& j) {
        return j.contains("components");
    })) << daemon.output();
    ASSERT_TRUE(retained(broker.uri(), kDevice + "alex/config")
                    ->at("components")
                    .contains("bedtimed-ha_alex_step_stretch"));

    daemon.reload(config_text(bedtime, true));
    // sam's device topic is cleared (an empty retained payload).
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    bool cleared = false;
    while (!cleared && std::chrono::steady_clock::now() < deadline) {
        auto m = ha.next_on(kDevice + "sam/config", 500ms);
        cleared = m && m->payload.empty();
    }
    ASSERT_TRUE(cleared) << daemon.output();
    // alex keeps the device, without the stretch switch; sam has no retained config left.
    ASSERT_TRUE(wait_json(ha, kDevice + "alex/config", [](const json& j) {
        return j["components"].contains("bedtimed-ha_alex_routine_enabled") &&
               !j["components"].contains("bedtimed-ha_alex_step_stretch");
    }));
    const auto alex = retained(broker.uri(), kDevice + "alex/config");
    ASSERT_TRUE(alex);
    EXPECT_FALSE(alex->at("components").contains("bedtimed-ha_alex_step_stretch"));
    EXPECT_TRUE(alex->at("components").contains("bedtimed-ha_alex_step_hydration"));
    // A fresh subscriber to everything sees the hub and alex, and nothing of sam.
    TestClient late(broker.uri());
    late.subscribe("homeassistant/device/#");
    late.subscribe(kBase + "/marker");
    late.publish(kBase + "/marker", "end", 1, false);
    std::set<std::string> topics;
    for (auto m = late.next(10s); m && m->topic != kBase + "/marker"; m = late.next(10s))
        topics.insert(m->topic);
    EXPECT_EQ(topics, (std::set<std::string>{"homeassistant/device/bedtimed-ha/config",
                                             kDevice + "alex/config"}));
}

TEST(HaDiscoveryProcess, CommandsFromHomeAssistantReachThePlanAndBadOnesAreRefused) {
    Mosquitto broker;
    Daemon daemon(broker.uri(), config_text(utc_hhmm(3h)));
    TestClient ha(broker.uri());
    ha.subscribe(kDevice + "alex/config");
    ha.subscribe(kBase + "/alex/plan");
    ha.subscribe(kBase + "/alex/stats");
    ha.subscribe(kBase + "/alex/episode");
    ha.subscribe(kBase + "/counters");
    const auto device = wait_json(ha, kDevice + "alex/config",
                                  [](const json& j) { return j.contains("components"); });
    ASSERT_TRUE(device) << daemon.output();
    const json& c = device->at("components");
    auto plan_says = [&](const std::function<bool(const json&)>& want) {
        return wait_json(ha, kBase + "/alex/plan", want).has_value();
    };
    auto step = [](const json& plan, const std::string& id) {
        for (const auto& s : plan["steps"])
            if (s["id"] == id) return s;
        return json();
    };
    ASSERT_TRUE(plan_says([](const json& p) { return p["enabled"] == true; }));

    // Select: tier override.
    const auto& tier = c["bedtimed-ha_alex_tier_override"];
    ha.publish(topic_of(tier), render(tier, "frequent"));
    EXPECT_TRUE(wait_json(ha, kBase + "/alex/stats", [](const json& s) {
        return s["tier_override"] == "frequent" && s["tier"] == "frequent";
    })) << daemon.output();

    // Switch: the stretch step off.
    const auto& stretch = c["bedtimed-ha_alex_step_stretch"];
    ha.publish(topic_of(stretch), stretch["payload_off"].get<std::string>());
    EXPECT_TRUE(plan_says([&](const json& p) {
        return p["steps_enabled"]["stretch"] == false && step(p, "stretch")["state"] == "skipped";
    })) << daemon.output();

    // Text: the bedtime.
    const std::string later = utc_hhmm(4h);
    const auto& bedtime = c["bedtimed-ha_alex_bedtime"];
    ha.publish(topic_of(bedtime), render(bedtime, later));
    EXPECT_TRUE(plan_says([&](const json& p) {
        return p["bedtime_local"] == later && p["bedtime_override"] == later;
    })) << daemon.output();

    // Buttons: start the routine now (hydration runs at once), log a cramp (the event entity
    // fires).
    const auto& start = c["bedtimed-ha_alex_start_routine"];
    ha.publish(topic_of(start), start["payload_press"].get<std::string>());
    EXPECT_TRUE(plan_says([&](const json& p) {
        return step(p, "hydration")["state"] == "done" && p["running"] == true;
    })) << daemon.output();
    const auto& log = c["bedtimed-ha_alex_log_cramp"];
    ha.publish(topic_of(log), log["payload_press"].get<std::string>());
    EXPECT_TRUE(wait_json(ha, kBase + "/alex/episode",
                          [](const json& e) { return e["event_type"] == "cramp"; }));

    // Bad payloads: refused, counted, logged, and nothing changes.
    ha.publish(topic_of(tier), render(tier, "extreme"));
    ha.publish(topic_of(bedtime), render(bedtime, "25:99"));
    ha.publish(topic_of(stretch), "ON");
    EXPECT_TRUE(wait_json(ha, kBase + "/counters", [](const json& k) {
        return k.value("commands_rejected", 0) >= 3;
    })) << daemon.output();
    const auto out = daemon.output();
    EXPECT_NE(out.find("command refused on hatest/cmd/tier: \"tier\" must be auto, calm, moderate "
                       "or frequent"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("command refused on hatest/cmd/bedtime"), std::string::npos) << out;
    const auto stats = retained(broker.uri(), kBase + "/alex/stats");
    ASSERT_TRUE(stats);
    EXPECT_EQ((*stats)["tier_override"], "frequent");
    const auto plan = retained(broker.uri(), kBase + "/alex/plan");
    ASSERT_TRUE(plan);
    EXPECT_EQ((*plan)["bedtime_override"], later);
    EXPECT_EQ((*plan)["steps_enabled"]["stretch"], false);
}

// What HA sends for the experiment select: the template's branch for `value`
// ("none" stops, a step starts), rendered as HA's Jinja would.
std::string render_experiment(const json& entity, const std::string& value) {
    const std::string t = entity["command_template"];
    const auto open_end = t.find("%}") + 2, other = t.find("{% else %}"),
               close = t.find("{% endif %}");
    if (value == "none") return t.substr(open_end, other - open_end);
    std::string start = t.substr(other + 10, close - other - 10);
    start.replace(start.find("{{ value | tojson }}"), 20, json(value).dump());
    return start;
}

// The experiment from Home Assistant: the number sets the weeks, the select
// starts one on a step the config has on and stops it; the stats topic the
// entities read says what runs, through the same command path as bedtimectl.
TEST(HaDiscoveryProcess, TheExperimentSelectAndWeeksNumberStartAndStopAnExperiment) {
    Mosquitto broker;
    Daemon daemon(broker.uri(), config_text(utc_hhmm(3h)));
    TestClient ha(broker.uri());
    ha.subscribe(kDevice + "alex/config");
    ha.subscribe(kBase + "/alex/stats");
    const auto device = wait_json(ha, kDevice + "alex/config",
                                  [](const json& j) { return j.contains("components"); });
    ASSERT_TRUE(device) << daemon.output();
    const json& c = device->at("components");
    const auto& select = c["bedtimed-ha_alex_experiment"];
    const auto& weeks = c["bedtimed-ha_alex_experiment_weeks"];
    EXPECT_EQ(select["options"], json({"none", "prewarm", "stretch", "hydration"}));
    EXPECT_EQ(weeks["platform"], "number");
    EXPECT_EQ(topic_of(weeks), kBase + "/cmd/experiment");
    auto stats_say = [&](const std::function<bool(const json&)>& want) {
        return wait_json(ha, kBase + "/alex/stats", want).has_value();
    };
    ASSERT_TRUE(stats_say([](const json& s) {
        return s["experiment"].is_null() && s["experiment_weeks"] == 6;
    })) << daemon.output();

    // The number: 2 weeks for the next start.
    std::string two = weeks["command_template"];
    two.replace(two.find("{{ value | int }}"), 17, "2");
    ha.publish(topic_of(weeks), two);
    EXPECT_TRUE(stats_say([](const json& s) { return s["experiment_weeks"] == 2; }))
        << daemon.output();

    // The select: an experiment on the stretch reminder, 2 weeks = 14 nights.
    ha.publish(topic_of(select), render_experiment(select, "stretch"));
    EXPECT_TRUE(stats_say([](const json& s) {
        return s["experiment"].is_object() && s["experiment"]["step"] == "stretch" &&
               s["experiment"]["status"] == "running" && s["experiment"]["planned_nights"] == 14 &&
               s["experiment_weeks"] == 2;
    })) << daemon.output();

    // The length is fixed once it runs: 9 weeks is refused. Then "none" stops it.
    std::string nine = weeks["command_template"];
    nine.replace(nine.find("{{ value | int }}"), 17, "9");
    ha.publish(topic_of(weeks), nine);
    ha.publish(topic_of(select), render_experiment(select, "none"));
    EXPECT_TRUE(stats_say([](const json& s) {
        return s["experiment"].is_null() && s["experiment_weeks"] == 2;
    })) << daemon.output();
    EXPECT_NE(daemon.output().find("its length is fixed at the start"), std::string::npos)
        << daemon.output();
    EXPECT_NE(daemon.output().find("experiment on stretch stopped early"), std::string::npos);
}

}  // namespace
}  // namespace bedtimed::test
