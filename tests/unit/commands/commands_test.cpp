// Command-topic payloads: what is accepted, and how everything else is refused.
#include <gtest/gtest.h>

#include "commands.hpp"
#include "ingest.hpp"

namespace bedtimed::commands {
namespace {

const WallTime kNow = *parse_iso8601("2026-11-26T22:00:00Z");

std::string error_of(std::string_view verb, std::string_view payload) {
    const auto r = parse_command(verb, payload, kNow);
    const auto* e = std::get_if<CommandError>(&r.command);
    return e ? e->reason : "";
}

TEST(Commands, ALogWithEveryFieldIsParsed) {
    const auto r = parse_command(
        "log",
        R"({"request_id":"ctl-1-2","sleeper":"alex","start":"2026-11-26T21:30:00Z",)"
        R"("duration_s":90,"muscle":"calf","side":"left","severity":7,"swelling":true,)"
        R"("numbness":false,"notes":"after a long walk","id":"a1"})",
        kNow);
    EXPECT_EQ(r.request_id, "ctl-1-2");
    const auto& c = std::get<LogEpisode>(std::get<Command>(r.command));
    EXPECT_EQ(c.sleeper, "alex");
    EXPECT_EQ(c.start, *parse_iso8601("2026-11-26T21:30:00Z"));
    EXPECT_EQ(c.duration_s, 90);
    EXPECT_EQ(c.severity, 7);
    EXPECT_TRUE(c.flags.swelling);
    EXPECT_FALSE(c.flags.numbness);
    EXPECT_EQ(c.notes, "after a long walk");
    EXPECT_EQ(c.id, "a1");
}

TEST(Commands, ABareLogMeansNowAndAHomeAssistantPressIsAccepted) {
    for (const char* payload : {"", "{}", "PRESS"}) {
        const auto r = parse_command("log", payload, kNow);
        ASSERT_TRUE(std::holds_alternative<Command>(r.command)) << payload;
        EXPECT_EQ(std::get<LogEpisode>(std::get<Command>(r.command)).start, kNow);
    }
    EXPECT_TRUE(std::holds_alternative<Command>(parse_command("heat_off", "PRESS", kNow).command));
}

TEST(Commands, WrongTypesRangesAndUnknownFieldsAreRefusedByName) {
    EXPECT_EQ(error_of("log", R"({"severity":"x"})"), "\"severity\" must be a number");
    EXPECT_EQ(error_of("log", R"({"severity":11})"), "\"severity\" must be between 0 and 10");
    EXPECT_EQ(error_of("log", R"({"duration_s":-1})"),
              "\"duration_s\" must be between 0 and 86400");
    EXPECT_EQ(error_of("log", R"({"side":"middle"})"), "\"side\" must be left, right or both");
    EXPECT_EQ(error_of("log", R"({"swelling":"yes"})"), "\"swelling\" must be true or false");
    EXPECT_EQ(error_of("log", R"({"start":"2026-11-27T22:00:00Z"})"), "\"start\" is in the future");
    EXPECT_EQ(error_of("log", R"({"start":"yesterday"})"), "\"start\" is not an ISO-8601 time");
    EXPECT_EQ(error_of("log", R"({"colour":"red"})"), "unknown field \"colour\"");
    EXPECT_EQ(error_of("log", R"({"notes":"a\u0007b"})"), "\"notes\" contains control characters");
    EXPECT_EQ(error_of("log", "[1,2]"), "the payload must be a JSON object");
    EXPECT_EQ(error_of("log", "ON"), "the payload must be a JSON object");
    EXPECT_EQ(error_of("log", std::string(20, '{')), "JSON nested deeper than 16");
    // Ambiguous: nlohmann would keep the last, another reader the first.
    EXPECT_EQ(error_of("log", R"({"severity":2,"severity":9})"), "duplicate key \"severity\"");
    EXPECT_EQ(error_of("launch", "{}"), "unknown command \"launch\"");
    EXPECT_EQ(error_of("confirm", R"({"source":"band"})"), "missing \"source_id\"");
    EXPECT_EQ(error_of("tier", R"({"tier":"panic"})"),
              "\"tier\" must be auto, calm, moderate or frequent");
    EXPECT_EQ(error_of("ack", R"({"sleeper":"alex"})"), "missing \"step\"");
}

TEST(Commands, TheRequestIdIsKeptWhenTheRestIsRefusedSoTheSenderHearsWhy) {
    const auto r = parse_command("log", R"({"request_id":"r-9","severity":"x"})", kNow);
    EXPECT_EQ(r.request_id, "r-9");
    EXPECT_TRUE(std::holds_alternative<CommandError>(r.command));
    // A request id that could escape its topic level is refused and not used.
    const auto bad = parse_command("log", R"({"request_id":"a/#"})", kNow);
    EXPECT_EQ(bad.request_id, "");
    EXPECT_TRUE(std::holds_alternative<CommandError>(bad.command));
}

TEST(Commands, AnEditCarriesOnlyTheFieldsGiven) {
    const auto r = parse_command(
        "edit", R"({"source":"band","source_id":"e1","muscle":"thigh","redness":true})", kNow);
    const auto& c = std::get<EditEpisode>(std::get<Command>(r.command));
    EXPECT_EQ(c.edit.muscle, "thigh");
    EXPECT_FALSE(c.edit.duration_s);
    EXPECT_FALSE(c.edit.side);
    ASSERT_TRUE(c.edit.flags);
    EXPECT_TRUE(c.edit.flags->redness);
    const auto mark =
        parse_command("false_positive", R"({"source":"band","source_id":"e1"})", kNow);
    EXPECT_EQ(std::get<MarkEpisode>(std::get<Command>(mark.command)).mark,
              MarkEpisode::Mark::false_positive);
}

}  // namespace
}  // namespace bedtimed::commands

namespace bedtimed::commands {
namespace {

// The verbs Home Assistant's switches, button and text send.
TEST(Commands, TheRoutineSwitchesAreParsedAndCheckedStrictly) {
    const auto routine = parse_command("routine", R"({"sleeper":"alex","enabled":false})", kNow);
    EXPECT_FALSE(std::get<SetRoutineEnabled>(std::get<Command>(routine.command)).enabled);
    const auto step =
        parse_command("step", R"({"sleeper":"alex","step":"stretch","enabled":true})", kNow);
    EXPECT_EQ(std::get<SetStepEnabled>(std::get<Command>(step.command)).step, "stretch");
    EXPECT_TRUE(std::holds_alternative<Command>(
        parse_command("start_routine", R"({"sleeper":"alex"})", kNow).command));
    const auto bed = parse_command("bedtime", R"({"sleeper":"alex","bedtime":"23:05"})", kNow);
    EXPECT_EQ(std::get<SetBedtime>(std::get<Command>(bed.command)).minutes, 23 * 60 + 5);
    const auto back = parse_command("bedtime", R"({"bedtime":"auto"})", kNow);
    EXPECT_FALSE(std::get<SetBedtime>(std::get<Command>(back.command)).minutes.has_value());

    EXPECT_EQ(error_of("routine", R"({"sleeper":"alex"})"), "missing \"enabled\"");
    EXPECT_EQ(error_of("routine", "ON"), "the payload must be a JSON object");
    EXPECT_EQ(error_of("step", R"({"enabled":true})"), "missing \"step\"");
    EXPECT_EQ(error_of("step", R"({"step":"stretch","enabled":"on"})"),
              "\"enabled\" must be true or false");
    for (const char* bad : {"24:00", "7:30", "22:60", "22-30", "2230", "", "22:3a"})
        EXPECT_EQ(error_of("bedtime", std::string(R"({"bedtime":")") + bad + "\"}"),
                  "\"bedtime\" must be HH:MM (00:00 to 23:59) or auto")
            << bad;
}

// Every verb accepts only its documented fields (README "Commands"); the
// ones the tests above do not reach: heat_off, test_notify, travel, ack, the
// episode marks and over-long or ill-formed text.
TEST(Commands, EveryVerbRefusesWhatItDoesNotDocument) {
    EXPECT_EQ(error_of("heat_off", R"({"pad":"pad"})"), "unknown field \"pad\"");
    EXPECT_EQ(error_of("heat_off", "ON"), "the payload must be a JSON object");
    EXPECT_EQ(error_of("heat_off", "OFF"), "the payload must be a JSON object");
    EXPECT_EQ(error_of("test_notify", R"({"message":"hi"})"), "unknown field \"message\"");
    EXPECT_EQ(error_of("test_notify", R"({"sleeper":7})"), "\"sleeper\" must be a string");
    EXPECT_EQ(error_of("travel", R"({"ended":"2026-11-30T00:00:00Z"})"),
              "\"ended\" is in the future");
    EXPECT_EQ(error_of("travel", R"({"destination":"Oslo"})"), "unknown field \"destination\"");
    EXPECT_EQ(error_of("ack", R"({"step":"stretch"})"), "missing \"sleeper\"");
    EXPECT_EQ(error_of("delete", R"({"source_id":"e1"})"), "missing \"source\"");
    EXPECT_EQ(error_of("confirm", R"({"source":"band","source_id":"e1","status":"ok"})"),
              "unknown field \"status\"");
    EXPECT_EQ(error_of("log", R"({"id":"a/b"})"), "\"id\" may hold only A-Z a-z 0-9 _ -");
    EXPECT_NE(error_of("log", R"({"muscle":")" + std::string(41, 'x') + R"("})"), "");
    EXPECT_NE(error_of("log", R"({"notes":")" + std::string(1001, 'x') + R"("})"), "");
    EXPECT_NE(error_of("log", R"({"severity":5)"), "") << "truncated JSON";
    EXPECT_NE(error_of("log", R"({"severity":1e999})"), "");
    for (const char* verb : {"", "LOG", "log/x", "heat_on", "shutdown"})
        EXPECT_EQ(error_of(verb, "{}"), "unknown command \"" + std::string(verb) + "\"") << verb;
}

}  // namespace
}  // namespace bedtimed::commands
