// The morning check-in's question goes through the reminder desk like any
// reminder (routine/reminder_desk.hpp): quiet hours hold it, Snooze sends it
// again later (at most twice), and an answer is its Done: no snoozed copy
// comes again and the other phones' copies are cleared. A snoozed or held
// copy that would come after the night is over (noon) is not sent. Through
// the daemon's household on the manual clock (household_fixture.hpp).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "household_fixture.hpp"

namespace bedtimed::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

const char* kHousehold = R"(
notifiers:
  - {name: phone, type: mqtt, topic: "notify/{sleeper}"}
sleepers:
  - name: sam
    timezone: UTC
    bedtime: "22:30"
    notify: [phone]
    snooze_minutes: 10
    checkin: {at: "07:30"}
)";

// Thursday 2026-11-26 18:00 UTC: the question for that night goes out at 07:30 on the 27th.
const WallTime kEvening = *parse_iso8601("2026-11-26T18:00:00Z");

int questions(const Household& h) {
    int n = 0;
    for (const auto& p : h.bus.payloads_on("notify/sam"))
        if (p.find("How was the night?") != std::string::npos) ++n;
    return n;
}

void command(Household& h, const std::string& verb, const json& body) {
    h.bus.inject("bedtimed/cmd/" + verb, body.dump());
    h.run_posted();
}

void snooze(Household& h) { command(h, "snooze", {{"sleeper", "sam"}, {"step", "checkin"}}); }

TEST(CheckinSnooze, SnoozeSendsTheQuestionAgainAndAnAnswerStopsIt) {
    Household h(kHousehold, kEvening);
    h.advance(13h + 40min);  // 07:40
    ASSERT_EQ(questions(h), 1) << "asked once at 07:30";
    snooze(h);
    EXPECT_EQ(h.counters.reminders_snoozed, 1u);
    h.advance(9min);
    EXPECT_EQ(questions(h), 1);
    h.advance(2min);  // 07:51
    EXPECT_EQ(questions(h), 2) << "again after the snooze";
    snooze(h);
    h.advance(3min);
    // Answered on another channel (Home Assistant's button) before it comes again.
    command(h, "checkin", {{"sleeper", "sam"}, {"answer", "none"}, {"channel", "home_assistant"}});
    int cleared = 0;
    for (const auto& p : h.bus.payloads_on("notify/sam/clear"))
        if (p.find("checkin") != std::string::npos) ++cleared;
    EXPECT_EQ(cleared, 1) << "the phone's copy is cleared, as on Done";
    h.advance(30min);
    EXPECT_EQ(questions(h), 2) << "answered: the snoozed copy does not come";
    snooze(h);  // nothing left to snooze
    EXPECT_EQ(h.counters.reminders_snoozed, 2u);
}

TEST(CheckinSnooze, ASnoozePastNoonDoesNotAskForANightThatIsOver) {
    Household h(kHousehold, kEvening);
    h.advance(13h + 40min);  // 07:40
    ASSERT_EQ(questions(h), 1);
    h.advance(4h + 15min);  // 11:55: still open
    snooze(h);
    ASSERT_EQ(h.counters.reminders_snoozed, 1u);
    h.advance(15min);  // 12:10: the night is over
    EXPECT_EQ(questions(h), 1);
    EXPECT_TRUE(h.said("'checkin' snoozed and no longer wanted: not sent"));
    EXPECT_TRUE(h.said("check-in for the night of 2026-11-26: no answer by noon"));
}

TEST(CheckinSnooze, QuietHoursHoldTheQuestionUntilTheyEnd) {
    std::string yaml = kHousehold;
    yaml += "    quiet_hours: {from: \"23:00\", to: \"08:00\"}\n";
    Household h(yaml, kEvening);
    h.advance(13h + 40min);  // 07:40: asked, held
    EXPECT_EQ(questions(h), 0);
    EXPECT_TRUE(h.said("quiet hours until"));
    h.advance(25min);  // 08:05
    EXPECT_EQ(questions(h), 1) << "sent when the quiet hours end";
}

TEST(CheckinSnooze, AQuestionHeldThroughQuietHoursAndAnsweredMeanwhileIsNotSent) {
    std::string yaml = kHousehold;
    yaml += "    quiet_hours: {from: \"23:00\", to: \"08:00\"}\n";
    Household h(yaml, kEvening);
    h.advance(13h + 40min);  // 07:40: held
    // Answered in bedtimectl for last night, before the quiet hours end.
    command(h, "checkin",
            {{"sleeper", "sam"}, {"answer", "one"}, {"night", "2026-11-26"}, {"channel", "ctl"}});
    h.advance(25min);
    EXPECT_EQ(questions(h), 0) << "nothing left to ask";
    EXPECT_TRUE(h.said("'checkin' held and no longer wanted: not sent"));
}

}  // namespace
}  // namespace bedtimed::test
