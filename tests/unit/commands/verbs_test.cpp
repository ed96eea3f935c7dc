// The verb table (daemon/commands/verbs.hpp): one row per verb, bedtimectl's
// names follow from the MQTT verbs by one rule, old names stay accepted, and
// every command topic Home Assistant discovery announces is a row.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <set>

#include "commands.hpp"
#include "ha_discovery/ha_discovery.hpp"
#include "ingest.hpp"
#include "loader.hpp"

namespace bedtimed::commands {
namespace {

const WallTime kNow = *parse_iso8601("2026-11-26T22:00:00Z");

TEST(VerbTable, EveryRowsCtlNameIsItsVerbWithDashesForUnderscores) {
    std::set<std::string> ctl_names;
    for (const auto& v : kVerbs) {
        SCOPED_TRACE(std::string(v.name));
        const std::string ctl = ctl_name(v);
        EXPECT_EQ(ctl.find('_'), std::string::npos);
        std::string back = ctl;
        std::replace(back.begin(), back.end(), '-', '_');
        EXPECT_EQ(back, v.name);
        EXPECT_TRUE(ctl_names.insert(ctl).second) << "two rows share a bedtimectl name";
        EXPECT_FALSE(v.summary.empty());
        EXPECT_NE(v.parse, nullptr);
        EXPECT_TRUE(v.callers & kByCtl) << "every verb has a bedtimectl command";
    }
    EXPECT_EQ(ctl_name(*find_verb("pad_off")), "pad-off");
    EXPECT_EQ(ctl_name(*find_verb("false_positive")), "false-positive");
}

TEST(VerbTable, NamesAndAliasesAreUniqueAndEachFindsItsOwnRow) {
    std::set<std::string_view> seen;
    for (const auto& v : kVerbs) {
        EXPECT_TRUE(seen.insert(v.name).second) << v.name;
        EXPECT_EQ(find_verb(v.name), &v) << v.name;
        if (v.alias.empty()) continue;
        EXPECT_TRUE(seen.insert(v.alias).second) << v.alias;
        EXPECT_EQ(find_verb(v.alias), &v) << v.alias;
    }
    for (const auto& v : kVerbs)
        if (!v.alias.empty()) {
            EXPECT_EQ(find_verb(v.alias)->name, v.name);
        }
    EXPECT_EQ(find_verb("heat_off"), find_verb("pad_off"))
        << "Home Assistant's button publishes heat_off";
    EXPECT_EQ(find_verb("pad-off"), nullptr) << "on the topic, only the MQTT spelling";
    EXPECT_EQ(find_verb(""), nullptr);
}

TEST(VerbTable, AnAliasParsesExactlyAsItsVerb) {
    for (const auto& v : kVerbs) {
        if (v.alias.empty()) continue;
        for (const char* payload :
             {"", "PRESS", "{}", R"({"request_id":"r1"})", R"({"pad":"x"})", "ON"}) {
            const auto by_name = parse_command(v.name, payload, kNow);
            const auto by_alias = parse_command(v.alias, payload, kNow);
            EXPECT_EQ(by_name.request_id, by_alias.request_id) << payload;
            ASSERT_EQ(by_name.command.index(), by_alias.command.index()) << payload;
            if (const auto* c = std::get_if<Command>(&by_name.command)) {
                EXPECT_EQ(c->index(), std::get<Command>(by_alias.command).index()) << payload;
            } else {
                EXPECT_EQ(std::get<CommandError>(by_name.command).reason,
                          std::get<CommandError>(by_alias.command).reason)
                    << payload;
            }
        }
    }
    EXPECT_TRUE(std::holds_alternative<PadOff>(
        std::get<Command>(parse_command("heat_off", "PRESS", kNow).command)));
}

TEST(VerbTable, EveryPhoneVerbTakesItsButtonsActionIdAndNoOtherVerbDoes) {
    for (const auto& v : kVerbs) {
        SCOPED_TRACE(std::string(v.name));
        EXPECT_EQ((v.callers & kByPhone) != 0, !v.action_prefix.empty());
        const std::string prefix =
            v.action_prefix.empty() ? "BEDTIMED_DONE:" : std::string(v.action_prefix);
        // The check-in's buttons carry an answer where the reminders' carry a step.
        const std::string value = v.action_field == "answer" ? "one" : "stretch";
        const auto r = parse_command(v.name, prefix + "alex:" + value, kNow);
        EXPECT_EQ(std::holds_alternative<Command>(r.command), (v.callers & kByPhone) != 0);
    }
}

// Everything discovery announces for a household with a pad, a pre-warm and
// a stretch: each command topic is a row marked as Home Assistant's, and
// every row so marked is announced.
TEST(VerbTable, HomeAssistantsCommandTopicsAreExactlyTheRowsMarkedForIt) {
    const auto cfg = config::parse_config(R"(
mqtt: {client_id: bedtimed, base_topic: bt}
actuators:
  - {name: pad, kind: heating_pad, integration: zigbee2mqtt, device: pad, max_on: 30m}
sleepers:
  - name: alex
    timezone: Europe/Berlin
    bedtime: "22:30"
    heating_pad: pad
    routine:
      prewarm: {minutes: 15}
    profiles: {guest: {heat: false}}
home_assistant: {}
)",
                                          "test.yaml");
    std::set<std::string> announced;
    for (const auto& m : integrations::ha_discovery::build(cfg, "9.9.9", {}).messages) {
        if (m.payload.empty()) continue;
        const auto j = nlohmann::json::parse(m.payload);
        for (const auto& [id, entity] : j["components"].items()) {
            if (!entity.contains("command_topic")) continue;
            const std::string topic = entity["command_topic"];
            ASSERT_EQ(topic.rfind("bt/cmd/", 0), 0u) << id << ": " << topic;
            const std::string verb = topic.substr(7);
            const Verb* row = find_verb(verb);
            ASSERT_NE(row, nullptr) << id << " publishes to " << topic << ", which no row takes";
            EXPECT_TRUE(row->callers & kByHomeAssistant) << verb;
            announced.insert(std::string(row->name));
        }
    }
    std::set<std::string> marked;
    for (const auto& v : kVerbs)
        if (v.callers & kByHomeAssistant) marked.insert(std::string(v.name));
    EXPECT_EQ(announced, marked);
}

}  // namespace
}  // namespace bedtimed::commands
