// Config loader: the bad-config corpus in tests/config/bad, the good configs in
// tests/config/good, the shipped example, warnings and missing files.
//
// Each bad file starts with `# expect: LINE:COL: substring`; the location is
// checked exactly because a wrong line or column sends the user to the wrong
// place, which is the whole point of file:line:col messages.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "loader.hpp"
#include "validate.hpp"

namespace fs = std::filesystem;
using bedtimed::config::Config;
using bedtimed::config::ConfigError;
using bedtimed::config::load_config;
using bedtimed::config::parse_config;

namespace {

const fs::path kTestData = BEDTIMED_TEST_DATA;

std::vector<fs::path> yaml_files(const fs::path& dir) {
    std::vector<fs::path> out;
    for (const auto& entry : fs::directory_iterator(dir))
        if (entry.is_regular_file() && entry.path().extension() == ".yaml")
            out.push_back(entry.path());
    std::sort(out.begin(), out.end());
    return out;
}

struct Expectation {
    std::string location;   // "LINE:COL"
    std::string substring;  // part of the message
};

// Reads `# expect: LINE:COL: substring` from the first line.
std::optional<Expectation> read_expectation(const fs::path& file) {
    std::ifstream in(file);
    std::string line;
    if (!std::getline(in, line)) return std::nullopt;
    const std::string prefix = "# expect: ";
    if (line.rfind(prefix, 0) != 0) return std::nullopt;
    line.erase(0, prefix.size());
    const auto colon1 = line.find(':');
    const auto colon2 = colon1 == std::string::npos ? colon1 : line.find(':', colon1 + 1);
    if (colon2 == std::string::npos || colon2 + 2 > line.size() || line[colon2 + 1] != ' ')
        return std::nullopt;
    return Expectation{line.substr(0, colon2), line.substr(colon2 + 2)};
}

}  // namespace

TEST(BadConfigCorpus, HasEnoughCases) {
    // The corpus is the test; guard against it silently vanishing or shrinking.
    EXPECT_GE(yaml_files(kTestData / "config" / "bad").size(), 20u);
}

TEST(BadConfigCorpus, EachFileFailsAtItsExpectedLocation) {
    for (const fs::path& file : yaml_files(kTestData / "config" / "bad")) {
        SCOPED_TRACE(file.filename().string());
        const auto expect = read_expectation(file);
        ASSERT_TRUE(expect) << "first line must be '# expect: LINE:COL: substring'";
        const std::string path = file.string();
        try {
            // The same checks as --check-config: the loader, then every integration's options.
            std::vector<std::string> warnings;
            const Config cfg = bedtimed::load_and_validate(path, warnings);
            ADD_FAILURE() << "loaded without error (" << warnings.size() << " warnings)";
        } catch (const ConfigError& e) {
            const std::string what = e.what();
            const std::string prefix = path + ":" + expect->location + ": ";
            EXPECT_EQ(what.rfind(prefix, 0), 0u)
                << "expected prefix: " << prefix << "\n          got: " << what;
            EXPECT_NE(what.find(expect->substring), std::string::npos)
                << "expected substring: " << expect->substring << "\n               got: " << what;
            // where() and message() must agree with what().
            EXPECT_EQ(e.where().file, path);
            EXPECT_EQ(e.where().str() + ": " + e.message(), what);
        }
    }
}

TEST(GoodConfigs, EachLoadsWithoutWarnings) {
    const auto files = yaml_files(kTestData / "config" / "good");
    ASSERT_GE(files.size(), 2u);
    for (const fs::path& file : files) {
        SCOPED_TRACE(file.filename().string());
        Config cfg;
        ASSERT_NO_THROW(cfg = load_config(file.string()));
        EXPECT_EQ(cfg.path, file.string());
        EXPECT_TRUE(cfg.warnings.empty()) << cfg.warnings.front();
    }
}

TEST(GoodConfigs, MinimalConfigTakesDefaults) {
    const Config cfg =
        load_config((kTestData / "config" / "good" / "minimal_mqtt_only.yaml").string());
    EXPECT_EQ(cfg.mqtt.uri, "tcp://127.0.0.1:1883");
    EXPECT_EQ(cfg.mqtt.client_id, "bedtimed");
    EXPECT_EQ(cfg.mqtt.base_topic, "bedtimed");
    EXPECT_EQ(cfg.mqtt.keepalive, std::chrono::seconds(30));
    EXPECT_FALSE(cfg.mqtt.tls);
    EXPECT_TRUE(cfg.sensors.empty());
    EXPECT_TRUE(cfg.wearables.empty());
    EXPECT_TRUE(cfg.rules.empty());
}

TEST(GoodConfigs, FullConfigValuesAreRead) {
    using namespace std::chrono_literals;
    const Config cfg = load_config((kTestData / "config" / "good" / "full_features.yaml").string());
    EXPECT_EQ(cfg.mqtt.uri, "mqtts://broker.example:8883");
    EXPECT_EQ(cfg.mqtt.keepalive, 60s);
    EXPECT_EQ(cfg.mqtt.reconnect_min, 2s);
    EXPECT_EQ(cfg.mqtt.reconnect_max, 1h);
    EXPECT_EQ(cfg.mqtt.max_payload_bytes, 4096u);
    ASSERT_TRUE(cfg.mqtt.tls);
    EXPECT_FALSE(cfg.mqtt.tls->verify_hostname);
    EXPECT_EQ(cfg.mqtt.tls->key_file, "/etc/bedtimed/client.key");

    ASSERT_EQ(cfg.sensors.size(), 3u);
    const auto* mode = cfg.find_sensor("room_mode");
    ASSERT_NE(mode, nullptr);
    EXPECT_EQ(mode->type, bedtimed::config::SensorType::enumeration);
    EXPECT_EQ(mode->options, (std::vector<std::string>{"day", "evening", "night"}));
    const auto* bed = cfg.find_sensor("bed_occupied");
    ASSERT_NE(bed, nullptr);
    EXPECT_EQ(bed->type, bedtimed::config::SensorType::boolean);
    EXPECT_EQ(bed->stale_after, 90min);
    const auto* humidity = cfg.find_sensor("humidity");
    ASSERT_NE(humidity, nullptr);
    EXPECT_EQ(humidity->json_path, "readings.0.humidity");
    EXPECT_EQ(humidity->min, 0.0);
    EXPECT_EQ(humidity->max, 100.0);
    EXPECT_EQ(cfg.find_sensor("nope"), nullptr);

    const auto* left = cfg.find_wearable("left_band");
    ASSERT_NE(left, nullptr);
    EXPECT_EQ(left->qos, 2);
    EXPECT_EQ(left->fields.id, "meta.uuid");
    EXPECT_EQ(left->fields.duration, "len_ms");
    EXPECT_EQ(left->start_epoch_unit, bedtimed::config::TimeUnit::milliseconds);
    EXPECT_DOUBLE_EQ(left->duration_scale, 0.001);
    EXPECT_DOUBLE_EQ(left->max_duration_s, 7200);
    EXPECT_DOUBLE_EQ(left->severity_min, 1);
    EXPECT_DOUBLE_EQ(left->severity_max, 5);
    EXPECT_EQ(left->where.line, 36);

    ASSERT_EQ(cfg.rules.size(), 2u);
    const auto& any = cfg.rules[0];
    EXPECT_EQ(any.trigger, bedtimed::config::RuleSpec::Trigger::episode);
    EXPECT_EQ(any.source, "");  // `any` is stored as empty
    ASSERT_EQ(any.conditions.size(), 3u);
    EXPECT_EQ(any.conditions[0].number, 10.0);
    EXPECT_EQ(any.conditions[0].op, bedtimed::config::Condition::Op::ge);
    EXPECT_EQ(any.conditions[1].text, "left");
    EXPECT_EQ(any.conditions[1].op, bedtimed::config::Condition::Op::ne);
    EXPECT_EQ(any.conditions[2].boolean, true);
    ASSERT_EQ(any.actions.size(), 2u);
    EXPECT_FALSE(any.actions[0].qos);  // inherit
    EXPECT_TRUE(any.actions[0].retain);
    EXPECT_EQ(any.actions[1].qos, 0);
    EXPECT_EQ(any.actions[1].payload.placeholders().size(), 3u);
    // A nested JSON object closing with "}}" is literal text, not a template error.
    EXPECT_EQ(any.actions[0].payload.placeholders().size(), 2u);

    const auto& night = cfg.rules[1];
    EXPECT_EQ(night.trigger, bedtimed::config::RuleSpec::Trigger::sensor);
    EXPECT_EQ(night.source, "room_mode");
    ASSERT_EQ(night.conditions.size(), 1u);
    EXPECT_EQ(night.conditions[0].text, "night");
    EXPECT_EQ(night.actions[0].qos, 1);  // the default when qos is not written
}

TEST(ExampleConfig, LoadsWithoutWarnings) {
    const std::string path = std::string(BEDTIMED_SOURCE_DIR) + "/config/bedtimed.example.yaml";
    Config cfg;
    ASSERT_NO_THROW(cfg = load_config(path));
    for (const auto& w : cfg.warnings) ADD_FAILURE() << w;
    EXPECT_EQ(cfg.sensors.size(), 4u);
    EXPECT_EQ(cfg.wearables.size(), 1u);
    EXPECT_EQ(cfg.rules.size(), 1u);
    EXPECT_EQ(cfg.actuators.size(), 2u);
    EXPECT_EQ(cfg.sleepers.size(), 1u);
    EXPECT_NE(cfg.find_wearable("left_band"), nullptr);
    const auto* alex = cfg.find_sleeper("alex");
    ASSERT_NE(alex, nullptr);
    EXPECT_EQ(alex->bedtime[1], 22 * 60 + 30) << "Monday";
    EXPECT_EQ(alex->bedtime[6], 23 * 60 + 30) << "Saturday";
    EXPECT_FALSE(alex->supplement.enabled) << "off by default";
    EXPECT_EQ(alex->stretch.offset, std::chrono::minutes(-20));
}

TEST(ConfigWarnings, UnknownKeysAreReportedWithTheirLocation) {
    const std::string yaml =
        "mqtt:\n"
        "  uri: tcp://127.0.0.1:1883\n"
        "  keep_alive: 30s\n"
        "sensors:\n"
        "  - name: t\n"
        "    topic: a/b\n"
        "    units: C\n"
        "colour: blue\n";
    Config cfg;
    ASSERT_NO_THROW(cfg = parse_config(yaml, "mem.yaml"));
    ASSERT_EQ(cfg.warnings.size(), 3u);
    // Sorted by position: the loader reads mqtt, then sensors, then the top level.
    EXPECT_EQ(cfg.warnings[0], "mem.yaml:3:3: unknown key 'keep_alive' (ignored)");
    EXPECT_EQ(cfg.warnings[1], "mem.yaml:7:5: unknown key 'units' (ignored)");
    EXPECT_EQ(cfg.warnings[2], "mem.yaml:8:1: unknown key 'colour' (ignored)");
    // The misspelt key did not take effect.
    EXPECT_EQ(cfg.mqtt.keepalive, std::chrono::seconds(30));
}

TEST(ConfigWarnings, UnknownKeyInsideAnAction) {
    const std::string yaml =
        "wearables: [{name: w, topic: a/b}]\n"
        "rules:\n"
        "  - name: r\n"
        "    on: {episode: w}\n"
        "    do:\n"
        "      - publish: {topic: x, payload: y, retained: true}\n";
    const Config cfg = parse_config(yaml, "mem.yaml");
    ASSERT_EQ(cfg.warnings.size(), 1u);
    EXPECT_EQ(cfg.warnings[0], "mem.yaml:6:41: unknown key 'retained' (ignored)");
    EXPECT_FALSE(cfg.rules.at(0).actions.at(0).retain);
}

TEST(ConfigErrors, MissingFileIsReportedAtZeroZero) {
    const std::string path = (kTestData / "config" / "does-not-exist.yaml").string();
    try {
        load_config(path);
        FAIL() << "expected ConfigError";
    } catch (const ConfigError& e) {
        EXPECT_EQ(std::string(e.what()).rfind(path + ":0:0: ", 0), 0u) << e.what();
        EXPECT_EQ(e.where().line, 0);
        EXPECT_EQ(e.where().column, 0);
    }
}

TEST(ConfigErrors, EmptyDocumentIsNotAMapping) {
    try {
        parse_config("# only a comment\n", "empty.yaml");
        FAIL() << "expected ConfigError";
    } catch (const ConfigError& e) {
        EXPECT_EQ(std::string(e.what()), "empty.yaml:1:1: the config must be a YAML mapping");
    }
}

TEST(ConfigErrors, TemplateErrorInsideEscapedStringPointsAtThePlaceholder) {
    // The escaped quotes make the value shorter than the source; the column must
    // still land on the `{{` in the file, not on the value's offset.
    const std::string yaml =
        "wearables: [{name: w, topic: a/b}]\n"
        "rules:\n"
        "  - name: r\n"
        "    on: {episode: w}\n"
        "    do:\n"
        "      - publish: {topic: x, payload: "
        "\"{\\\"a\\\":\\\"b\\\",\\\"c\\\":{{episode.nope}}}\"}\n";
    try {
        parse_config(yaml, "mem.yaml");
        FAIL() << "expected ConfigError";
    } catch (const ConfigError& e) {
        const std::string line6 =
            "      - publish: {topic: x, payload: "
            "\"{\\\"a\\\":\\\"b\\\",\\\"c\\\":";
        EXPECT_EQ(e.where().line, 6);
        EXPECT_EQ(e.where().column, static_cast<int>(line6.size()) + 1) << e.what();
    }
}

TEST(ConfigErrors, SecondPlaceholderErrorIsLocatedOnItsOwnLine) {
    // A literal block keeps line breaks: the fault is two lines below `|`.
    const std::string yaml =
        "sensors: [{name: s, topic: a/b}]\n"
        "rules:\n"
        "  - name: r\n"
        "    on: {sensor: s}\n"
        "    do:\n"
        "      - publish:\n"
        "          topic: x\n"
        "          payload: |\n"
        "            {{sensor.s}}\n"
        "            {{sensor.s}} {{sensor.t}}\n";
    try {
        parse_config(yaml, "mem.yaml");
        FAIL() << "expected ConfigError";
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.where().str(), "mem.yaml:10:26") << e.what();
        EXPECT_NE(e.message().find("undefined sensor 't'"), std::string::npos);
    }
}

TEST(ConfigErrors, ExitCodeIsExConfig) { EXPECT_EQ(bedtimed::config::kExitConfigError, 78); }

TEST(EpisodeFields, NamesMatchTheDocumentedList) {
    const auto& names = bedtimed::config::episode_field_names();
    const std::vector<std::string> expected{"id",         "source", "topic", "start",
                                            "duration_s", "muscle", "side",  "severity"};
    EXPECT_EQ(names, expected);
}

// find_*() go through the parser's name index, and a Config edited after the
// parse (tests, simulate) still finds what it holds, and only that.
TEST(ConfigLookup, TheIndexFindsWhatWasParsedAndAScanFindsWhatWasAddedOrMoved) {
    auto cfg = parse_config(R"(
sensors:
  - {name: a, topic: s/a, type: number}
  - {name: b, topic: s/b, type: number}
)",
                            "mem.yaml");
    ASSERT_NE(cfg.find_sensor("b"), nullptr);
    EXPECT_EQ(cfg.find_sensor("b")->topic, "s/b");
    EXPECT_EQ(cfg.find_sensor("c"), nullptr);
    cfg.sensors.erase(cfg.sensors.begin());  // b moves to position 0; the index says 1
    ASSERT_NE(cfg.find_sensor("b"), nullptr);
    EXPECT_EQ(cfg.find_sensor("b")->topic, "s/b");
    EXPECT_EQ(cfg.find_sensor("a"), nullptr);
    cfg.sensors.push_back(cfg.sensors.front());
    cfg.sensors.back().name = "c";
    cfg.sensors.back().topic = "s/c";
    ASSERT_NE(cfg.find_sensor("c"), nullptr);
    EXPECT_EQ(cfg.find_sensor("c")->topic, "s/c");
}
