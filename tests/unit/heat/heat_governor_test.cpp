// The heat governor (daemon/heat/governor.*): named examples of what was
// found when heat was tried from the outside, each on the simulated plug of
// tests/support/heat_plug_model.hpp (whose comment describes the model).
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>

#include "heat/governor.hpp"
#include "heat_plug_model.hpp"

namespace bedtimed::heat {
namespace {

using namespace std::chrono_literals;
using namespace model;

// ---------------------------------------------------------------------------
// Named examples: what was found when heat was tried from the outside.

TEST(HeatGovernor, PreWarmThenEpisodeNeverPastTheCap) {
    Sim sim(limits(30min), at(22, 5));
    auto v = sim.request(25min, "pre-warm until 22:30");
    ASSERT_TRUE(v.command && v.command->on);
    EXPECT_LE(v.command->device_cap, Seconds(30 * 60));
    sim.run_until(at(22, 28));
    ASSERT_TRUE(sim.plug.on);
    v = sim.request(20min, "episode 42");
    EXPECT_FALSE(v.refused);
    EXPECT_EQ(v.granted, Seconds(7 * 60));  // only what is left of the period from 22:05
    ASSERT_TRUE(v.command && v.command->on);
    EXPECT_LE(sim.now + v.command->device_cap, at(22, 35));
    sim.run_until(at(22, 34, 59));
    EXPECT_TRUE(sim.plug.on);
    sim.run_until(at(22, 35));
    EXPECT_FALSE(sim.plug.on);
    ASSERT_TRUE(sim.st.cool_until);
    EXPECT_EQ(*sim.st.cool_until, at(23, 5));
    EXPECT_CLEAN(sim);
}

TEST(HeatGovernor, ThreeEpisodesTwelveMinutesApartStayWithinTheCap) {
    Sim sim(limits(30min), at(22, 0));
    sim.request(20min, "episode 1");
    sim.run_until(at(22, 12));
    sim.request(20min, "episode 2");
    sim.run_until(at(22, 24));
    auto v = sim.request(20min, "episode 3");
    EXPECT_EQ(v.granted, Seconds(6 * 60));
    sim.run_until(at(22, 29, 59));
    EXPECT_TRUE(sim.plug.on);
    sim.run_until(at(22, 30));
    EXPECT_FALSE(sim.plug.on);
    EXPECT_EQ(sim.plug.on_since, at(22, 0));  // one period, 22:00 to 22:30
    EXPECT_CLEAN(sim);
}

TEST(HeatGovernor, HandOnThenPreWarmDoesNotRestartTheCap) {
    Sim sim(limits(30min), at(21, 40));
    auto hv = sim.hand_on();
    ASSERT_TRUE(hv);
    EXPECT_FALSE(hv->reason.empty());
    ASSERT_TRUE(hv->command && hv->command->on);  // the plug's own cap armed too
    EXPECT_EQ(hv->command->device_cap, Seconds(30 * 60));
    sim.run_until(at(22, 5));
    auto v = sim.request(25min, "pre-warm until 22:30");
    EXPECT_EQ(v.granted, Seconds(5 * 60));
    EXPECT_FALSE(v.command && v.command->on);  // no new cap for the plug
    sim.run_until(at(22, 9, 59));
    EXPECT_TRUE(sim.plug.on);
    sim.run_until(at(22, 10));
    EXPECT_FALSE(sim.plug.on);
    EXPECT_CLEAN(sim);
}

TEST(HeatGovernor, HandOnWhileAsleepIsSwitchedOffAtOnce) {
    Sim sim(limits(30min), at(2, 0));
    sim.sleep(true);
    sim.run_until(at(3, 0));
    auto v = sim.hand_on();
    ASSERT_TRUE(v);
    EXPECT_TRUE(v->safety_off);
    ASSERT_TRUE(v->command);
    EXPECT_FALSE(v->command->on);
    EXPECT_FALSE(v->reason.empty());
    EXPECT_FALSE(sim.plug.on);
    EXPECT_CLEAN(sim);
}

TEST(HeatGovernor, ManualOffJustBeforePlannedEndIsAHand) {
    Sim sim(limits(30min), at(22, 0));
    auto v = sim.request(20min, "pre-warm until 22:20");
    ASSERT_TRUE(v.command && v.command->on);
    EXPECT_EQ(v.command->device_cap, Seconds(21 * 60));  // planned end + kDeviceMargin
    sim.run_until(at(22, 19, 30));                       // 30 s before the planned end
    auto off = sim.hand_off();
    ASSERT_TRUE(off);
    EXPECT_TRUE(off->manual_off);
    EXPECT_TRUE(sim.st.manual_off_tonight);
    EXPECT_FALSE(off->reason.empty());
    sim.run_until(at(23, 30));
    v = sim.request(20min, "episode 7");
    EXPECT_TRUE(v.refused);
    EXPECT_FALSE(v.command && v.command->on);
    EXPECT_NE(v.reason.find("by hand"), std::string::npos) << v.reason;
    EXPECT_CLEAN(sim);
}

TEST(HeatGovernor, OffAtTheDeviceCapsEndIsThePlugsTimer) {
    // bedtimed's Tick did not come (say it was late): the plug's own timer,
    // 60 s after the planned end, reports OFF.
    const Limits l = limits(30min);
    auto v = decide(PadState{}, l, Request{20min, "pre-warm", false, std::nullopt}, at(22, 0));
    ASSERT_TRUE(v.command && v.command->on);
    v = decide(v.next, l, Report{true}, at(22, 0));  // the plug confirms
    ASSERT_TRUE(v.next.confirmed());
    for (SteadyTime when : {at(22, 21), at(22, 20, 51), at(22, 21, 5)}) {
        auto off = decide(v.next, l, Report{false}, when);
        EXPECT_FALSE(off.manual_off) << clock_of(when);
        EXPECT_FALSE(off.next.manual_off_tonight) << clock_of(when);
        EXPECT_FALSE(off.next.on);
        EXPECT_FALSE(off.reason.empty());
        EXPECT_FALSE(off.command) << "the plug is off already";
    }
    // 11 s before the plug's end it is a hand.
    EXPECT_TRUE(decide(v.next, l, Report{false}, at(22, 20, 49)).manual_off);
}

TEST(HeatGovernor, OffWithoutADeviceCapIsAHand) {
    const Limits l = limits(30min, 30min, /*device_cap=*/false);
    Sim sim(l, at(22, 0));
    auto v = sim.request(20min, "pre-warm");
    ASSERT_TRUE(v.command && v.command->on);
    EXPECT_EQ(v.command->device_cap, Seconds(0));
    EXPECT_FALSE(sim.st.device_off_at);
    sim.run_until(at(22, 19, 55));
    auto off = sim.hand_off();
    ASSERT_TRUE(off);
    EXPECT_TRUE(off->manual_off);
    EXPECT_TRUE(sim.st.manual_off_tonight);
    EXPECT_CLEAN(sim);
}

TEST(HeatGovernor, CoolDownAfterAFullPeriod) {
    Sim sim(limits(30min, 30min), at(22, 0));
    auto v = sim.request(45min, "long pre-warm");
    EXPECT_EQ(v.granted, Seconds(30 * 60));
    sim.run_until(at(22, 30));
    EXPECT_FALSE(sim.plug.on);
    sim.run_until(at(22, 45));
    v = sim.request(10min, "episode");
    EXPECT_TRUE(v.refused);
    EXPECT_NE(v.reason.find("cool"), std::string::npos) << v.reason;
    EXPECT_FALSE(sim.plug.on);
    sim.run_until(at(22, 59, 59));
    EXPECT_TRUE(sim.request(10min, "episode").refused);
    sim.run_until(at(23, 0));
    v = sim.request(10min, "episode");
    EXPECT_FALSE(v.refused);
    EXPECT_TRUE(sim.plug.on);
    EXPECT_CLEAN(sim);
}

TEST(HeatGovernor, NoCoolDownAfterAShortSession) {
    Sim sim(limits(30min, 30min), at(22, 0));
    sim.request(10min, "pre-warm");
    sim.run_until(at(22, 11));
    EXPECT_FALSE(sim.request(10min, "episode").refused);
    EXPECT_CLEAN(sim);
}

TEST(HeatGovernor, AShortBreakDoesNotStartAFreshPeriod) {
    // Found by the year run: 25 min of pre-warm, a 30 s break, then an
    // episode got a fresh 15 min. Now the episode gets what is left.
    Sim sim(limits(30min, 30min), at(22, 5));
    sim.request(25min, "long pre-warm");
    sim.run_until(at(22, 30, 30));
    ASSERT_FALSE(sim.plug.on);
    const auto v = sim.request(15min, "episode");
    EXPECT_FALSE(v.refused);
    EXPECT_EQ(v.granted, Seconds(5 * 60));
    sim.run_until(at(23, 30));
    EXPECT_CLEAN(sim);
    // After a break of min_off, a fresh period.
    Sim later(limits(30min, 30min), at(22, 5));
    later.request(25min, "long pre-warm");
    later.run_until(at(23, 0, 1));
    EXPECT_EQ(later.request(15min, "episode").granted, Seconds(15 * 60));
}

TEST(HeatGovernor, ReconnectedSwitchesOff) {
    Sim sim(limits(30min), at(22, 0));
    sim.request(20min, "pre-warm");
    sim.run_until(at(22, 5));
    auto v = sim.reconnect();
    ASSERT_TRUE(v.command);
    EXPECT_FALSE(v.command->on);
    EXPECT_FALSE(v.reason.empty());
    EXPECT_FALSE(sim.plug.on);
    // And when it was off already, the OFF is sent again all the same.
    v = sim.reconnect();
    ASSERT_TRUE(v.command);
    EXPECT_FALSE(v.command->on);
    EXPECT_CLEAN(sim);
}

TEST(HeatGovernor, NewNightClearsAHandsOff) {
    Sim sim(limits(30min), at(22, 0));
    sim.request(20min, "pre-warm");
    sim.run_until(at(22, 5));
    sim.release(/*by_hand=*/true);
    EXPECT_TRUE(sim.st.manual_off_tonight);
    sim.run_until(at(23, 0));
    EXPECT_TRUE(sim.request(20min, "episode").refused);
    sim.run_until(at(36, 0));  // next day, noon
    sim.new_night();
    sim.run_until(at(46, 0));
    auto v = sim.request(20min, "pre-warm");
    EXPECT_FALSE(v.refused) << v.reason;
    EXPECT_TRUE(sim.plug.on);
    EXPECT_CLEAN(sim);
}

TEST(HeatGovernor, ResumedSessionGetsOnlyWhatIsLeft) {
    const Limits l = limits(30min);
    PadState st;
    st.interrupted_since = at(22, 0);
    auto v = decide(st, l, Request{30min, "pre-warm (resumed)", true, std::nullopt}, at(22, 20));
    EXPECT_FALSE(v.refused);
    EXPECT_EQ(v.granted, Seconds(10 * 60));
    ASSERT_TRUE(v.command && v.command->on);
    EXPECT_LE(v.command->device_cap, Seconds(10 * 60));
    EXPECT_EQ(v.next.on_since, at(22, 0));
    EXPECT_EQ(next_deadline(v.next), at(22, 30));
    EXPECT_FALSE(v.next.interrupted_since);
    // A session that had used its whole cap gets nothing.
    auto late = decide(st, l, Request{30min, "pre-warm (resumed)", true, std::nullopt}, at(22, 31));
    EXPECT_TRUE(late.refused);
    EXPECT_FALSE(late.reason.empty());
    EXPECT_FALSE(late.command);
}

TEST(HeatGovernor, PadTestDeviceCapCapsThePlug) {
    Sim sim(limits(30min), at(20, 0));
    auto v = sim.request(15s, "pad test", false, Seconds(5));
    ASSERT_TRUE(v.command && v.command->on);
    EXPECT_EQ(v.command->device_cap, Seconds(5));
    sim.advance(5s);
    EXPECT_FALSE(sim.plug.on);  // the plug switched itself off
    EXPECT_FALSE(sim.st.on);
    EXPECT_FALSE(sim.st.manual_off_tonight);
    // A pad-test cap is never longer than bedtimed's own.
    v = sim.request(15s, "pad test", false, Seconds(600));
    ASSERT_TRUE(v.command && v.command->on);
    EXPECT_LE(v.command->device_cap, Seconds(15 + 60));
    EXPECT_CLEAN(sim);
}

// Found by the property test (seed 1139): a resumed session with 55 ms left
// of its cap was switched ON with a device cap of 0 s, which tells the plug no
// cap at all. Steady time is finer than the plug's whole seconds.
TEST(HeatGovernor, NeverAnOnWithADeviceCapOfZero) {
    const Limits l = limits(27min);
    PadState st;
    st.interrupted_since = at(21, 48, 19) + 681ms;  // its cap ends at 22:15:19.681
    auto v = decide(st, l, Request{96min, "pre-warm (resumed)", true, std::nullopt},
                    at(22, 15, 19) + 626ms);
    EXPECT_TRUE(v.refused);
    EXPECT_FALSE(v.reason.empty());
    EXPECT_FALSE(v.command && v.command->on);

    // The same while the pad is on: no new ON, the plug keeps its timer.
    PadState on =
        decide(PadState{}, l, Request{Seconds(27 * 60 - 1), "x", false, std::nullopt}, at(22, 0))
            .next;
    on = decide(on, l, Report{true}, at(22, 0)).next;
    const auto timer = on.device_off_at;
    v = decide(on, l, Request{10min, "episode", false, std::nullopt}, at(22, 26, 59) + 500ms);
    EXPECT_FALSE(v.refused);
    EXPECT_FALSE(v.command && v.command->on);
    EXPECT_EQ(v.next.device_off_at, timer);

    // A pad test asking for a 0 s device cap is refused, not sent uncapped.
    v = decide(PadState{}, l, Request{15s, "pad test", false, Seconds(0)}, at(20, 0));
    EXPECT_TRUE(v.refused);
    EXPECT_FALSE(v.command && v.command->on);
}

TEST(HeatGovernor, RequestsWhileAsleepAreRefused) {
    Sim sim(limits(30min), at(1, 0));
    sim.sleep(true);
    for (auto r : {Request{20min, "episode 9", false, std::nullopt},
                   Request{5min, "pre-warm", false, std::nullopt},
                   Request{15s, "pad test", false, Seconds(5)}}) {
        auto v = decide(sim.st, sim.limits(), r, sim.now);
        EXPECT_TRUE(v.refused);
        EXPECT_FALSE(v.command && v.command->on);
        EXPECT_NE(v.reason.find("asleep"), std::string::npos) << v.reason;
    }
    // And a pad that is on goes off at the first sign of sleep.
    Sim on(limits(30min), at(22, 0));
    on.request(20min, "pre-warm");
    on.run_until(at(22, 3));
    auto v = on.sleep(true);
    EXPECT_TRUE(v.safety_off);
    EXPECT_FALSE(on.plug.on);
    EXPECT_FALSE(v.reason.empty());
    EXPECT_CLEAN(on);
}

TEST(HeatGovernor, EveryRefusalAndEveryOffHasAReason) {
    const Limits l = limits(30min);
    const SteadyTime t = at(22, 0);
    PadState on = decide(PadState{}, l, Request{20min, "pre-warm", false, std::nullopt}, t).next;
    on = decide(on, l, Report{true}, t).next;  // the plug confirms
    PadState asleep;
    asleep.asleep = true;
    PadState hand;
    hand.manual_off_tonight = true;
    PadState cooling;
    cooling.cool_until = t + 10min;
    std::vector<Verdict> vs = {
        decide(asleep, l, Request{20min, "x", false, std::nullopt}, t),
        decide(hand, l, Request{20min, "x", false, std::nullopt}, t),
        decide(cooling, l, Request{20min, "x", false, std::nullopt}, t),
        decide(PadState{}, l, Request{0s, "x", false, std::nullopt}, t),
        decide(on, l, Release{"routine", false}, t + 1min),
        decide(on, l, Release{"all heat off", true}, t + 1min),
        decide(on, l, Report{false}, t + 1min),
        decide(on, l, Report{false}, t + 21min),
        decide(on, l, SleepChanged{true, "asleep"}, t + 1min),
        decide(on, l, Tick{}, t + 20min),
        decide(on, l, Reconnected{}, t + 1min),
    };
    for (size_t i = 0; i < vs.size(); ++i) {
        const auto& v = vs[i];
        EXPECT_TRUE(v.refused || (v.command && !v.command->on) || !v.next.on) << i;
        EXPECT_FALSE(v.reason.empty()) << i;
    }
}

}  // namespace
}  // namespace bedtimed::heat
