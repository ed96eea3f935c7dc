// The heat governor (daemon/heat/governor.*): named examples for the findings
// found when heat was tried from the outside, and property tests on random sequences against a simulated
// plug. Links only bedtimed_heat (target heat_unit_tests): the governor is pure.
//
// The model (class Sim), kept small on purpose:
//  - Time is a fake steady clock (kMidnight + hh:mm:ss); nothing sleeps.
//  - bedtimed is the governor plus an ideal executor: every Verdict::command
//    reaches the plug at once, and decide(Tick) is delivered exactly at
//    next_deadline() whenever that instant is passed.
//  - The plug follows every command at once: ON switches it on (if it was
//    off) and (re)sets its own timer to `device_cap` (0 = no timer); OFF
//    switches it off and clears the timer. When its timer runs out it switches
//    itself off. After every change it reports its state (Report) at once.
//  - A hand is the only other actor: it switches the plug ON (if off) or OFF
//    (if on) at any moment, and the plug reports it. A hand's OFF counts as
//    "by hand" for the properties when the plug had no timer running or its
//    timer would have ended more than kDeviceTimerTolerance later (within the
//    tolerance a hand's OFF and the plug's timer cannot be told apart, and the
//    header says such a report is the plug's timer). Release{by_hand} (an
//    all-heat-off command) is also a hand's OFF.
//  - A restart keeps what the executor persists (manual_off_tonight,
//    cool_until, asleep; interrupted_since = on_since of a pad that was on) and
//    delivers Reconnected at once (a start switches every pad off).
// The properties are checked on the plug's real on/off timeline and on the
// command stream (see Sim::check_command and Sim::check_plug).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "heat/governor.hpp"

namespace bedtimed::heat {
namespace {

using namespace std::chrono_literals;
using std::chrono::duration_cast;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;

const SteadyTime kMidnight = SteadyTime{} + hours(24 * 1000);
SteadyTime at(int h, int m, int s = 0) { return kMidnight + hours(h) + minutes(m) + Seconds(s); }

std::string clock_of(SteadyTime t) {
    const auto ms = duration_cast<milliseconds>(t - kMidnight).count();
    const auto s = ms / 1000;
    return fmt::format("{}{:02}:{:02}:{:02}{}", s / 86400 ? fmt::format("d{} ", s / 86400) : "",
                       s / 3600 % 24, s / 60 % 60, s % 60,
                       ms % 1000 ? fmt::format(".{:03}", ms % 1000) : "");
}
std::string secs(Duration d) {
    const auto ms = duration_cast<milliseconds>(d).count();
    return ms % 1000 ? fmt::format("{}.{:03} s", ms / 1000, ms % 1000) : fmt::format("{} s", ms / 1000);
}

Limits limits(minutes max_on = 30min, minutes min_off = 30min, bool device_cap = true) {
    return Limits{duration_cast<Seconds>(max_on), duration_cast<Seconds>(min_off), device_cap};
}

struct Plug {
    bool on = false;
    SteadyTime on_since{};
    bool hand_started = false;        // this on-period began with a hand
    std::optional<SteadyTime> timer;  // its own cap, as it was told
};

class Sim {
public:
    Sim(Limits l, SteadyTime start, bool tracing = true) : now(start), limits_(l), tracing_(tracing) {}

    const Limits& limits() const { return limits_; }
    PadState st;
    Plug plug;
    SteadyTime now;
    std::vector<std::string> failures;
    std::vector<std::string> trace;
    std::vector<Command> commands;  // every command sent, in order

    // --- what happens from the outside; each returns the governor's verdict ---
    Verdict request(Seconds wanted, std::string why = "request", bool resume = false,
                    std::optional<Seconds> device_cap = std::nullopt) {
        return top(Request{wanted, std::move(why), resume, device_cap},
                   fmt::format("Request {}{}{}", secs(wanted), resume ? " resume" : "",
                               device_cap ? " device_cap " + secs(*device_cap) : ""));
    }
    Verdict release(bool by_hand) {
        if (by_hand) hand_off_tonight_ = true;
        return top(Release{by_hand ? "all heat off" : "routine", by_hand},
                   by_hand ? "Release by hand" : "Release");
    }
    Verdict sleep(bool asleep) {
        asleep_ = asleep;
        return top(SleepChanged{asleep, asleep ? "sensor reads asleep" : "sensor reads awake"},
                   asleep ? "SleepChanged asleep" : "SleepChanged awake");
    }
    Verdict tick() { return top(Tick{}, "Tick (spurious)"); }
    Verdict reconnect() { return top(Reconnected{}, "Reconnected"); }
    Verdict new_night() {
        hand_off_tonight_ = false;
        return top(NewNight{}, "NewNight");
    }
    // A hand switches the plug; the plug reports. Nothing when it is already so.
    std::optional<Verdict> hand_on() {
        if (plug.on) return std::nullopt;
        plug.on = true;
        plug.on_since = now;
        plug.hand_started = true;
        plug.timer.reset();
        hand_report_ = true;
        auto v = top(Report{true}, "hand ON, plug reports ON");
        hand_report_ = false;
        return v;
    }
    std::optional<Verdict> hand_off() {
        if (!plug.on) return std::nullopt;
        if (!plug.timer || now + kDeviceTimerTolerance < *plug.timer) hand_off_tonight_ = true;
        plug_off();
        return top(Report{false}, "hand OFF, plug reports OFF");
    }
    void restart() {
        PadState p;
        p.manual_off_tonight = st.manual_off_tonight;
        p.cool_until = st.cool_until;
        p.asleep = st.asleep;
        if (st.on) p.interrupted_since = st.on_since;
        st = p;
        note("restart (state persisted, then Reconnected)");
        top(Reconnected{}, "Reconnected after restart");
    }
    // Time passes until `t`: the executor's Tick at next_deadline() and the
    // plug's own timer fire at their instants. On a tie, `plug_first` orders them.
    void run_until(SteadyTime t, bool plug_first = true) {
        for (int guard = 0;; ++guard) {
            if (guard > 1000) {
                fail("next_deadline() does not move on (" + clock_of(now) + ")");
                break;
            }
            const auto dl = next_deadline(st);
            const bool tick_due = dl && *dl <= t;
            const bool plug_due = plug.timer && *plug.timer <= t;
            if (!tick_due && !plug_due) break;
            bool use_plug = plug_due;
            if (tick_due && plug_due) use_plug = *plug.timer < *dl || (*plug.timer == *dl && plug_first);
            const SteadyTime when = std::max(now, use_plug ? *plug.timer : *dl);
            move_to(when);
            if (use_plug) {
                plug_off();
                top(Report{false}, "plug's own timer ends, plug reports OFF");
            } else {
                top(Tick{}, "Tick at next_deadline()");
            }
        }
        move_to(t);
        check_plug();
    }
    void advance(Duration d, bool plug_first = true) { run_until(now + d, plug_first); }

    bool failed() const { return !failures.empty(); }
    std::string dump() const {
        std::string out;
        for (const auto& f : failures) out += "FAILED: " + f + "\n";
        for (const auto& l : trace) out += "  " + l + "\n";
        return out;
    }

private:
    Limits limits_;
    bool tracing_;
    bool asleep_ = false;            // the truth about sleep (last SleepChanged)
    bool hand_off_tonight_ = false;  // a hand's OFF this night (see the model above)
    std::optional<SteadyTime> cool_end_;  // no ON before this: a real period reached max_on
    bool hand_report_ = false;       // the event being decided is a hand's ON report
    int depth_ = 0;

    void note(std::string s) {
        if (tracing_) trace.push_back(clock_of(now) + "  " + std::move(s));
    }
    void fail(std::string s) {
        failures.push_back(clock_of(now) + ": " + s);
        note("FAILED: " + failures.back());
    }
    void move_to(SteadyTime t) {
        if (plug.on && t - plug.on_since > limits_.max_on)
            fail(fmt::format("(a) the plug stays on past on_since + max_on ({} + {}), until {}",
                             clock_of(plug.on_since), secs(limits_.max_on), clock_of(t)));
        now = std::max(now, t);
    }
    void plug_off() {
        if (!plug.on) return;
        const auto period = now - plug.on_since;
        if (period >= limits_.max_on) {
            const SteadyTime end = now + limits_.min_off;
            if (!cool_end_ || *cool_end_ < end) cool_end_ = end;
        }
        plug.on = false;
        plug.timer.reset();
    }
    Verdict top(const Event& e, const std::string& label) {
        auto v = deliver(e, label);
        check_plug();
        return v;
    }
    Verdict deliver(const Event& e, const std::string& label) {
        const PadState before = st;
        const bool plug_was_on = plug.on;
        Verdict v = decide(st, limits_, e, now);
        st = v.next;
        if (tracing_) {
            std::string what;
            if (v.command)
                what = v.command->on ? fmt::format(" -> ON (device cap {})", secs(v.command->device_cap)) : " -> OFF";
            if (v.refused) what += " REFUSED";
            if (v.manual_off) what += " manual_off";
            if (v.safety_off) what += " safety_off";
            note(fmt::format("{}{}{}", label, what, v.reason.empty() ? "" : "  [" + v.reason + "]"));
        }
        if (v.refused && v.reason.empty()) fail("a refusal without a reason");
        if (before.on && !st.on && v.reason.empty()) fail("an OFF without a reason");
        if (v.command) {
            if (!v.command->on && plug_was_on && v.reason.empty()) fail("an OFF command without a reason");
            commands.push_back(*v.command);
            if (v.command->on) check_command(*v.command);
            apply(*v.command);
        }
        return v;
    }
    void check_command(const Command& c) {
        if (asleep_) fail("(b) an ON command while asleep");
        const bool rearm_hand = hand_report_ && plug.on && plug.hand_started;
        if (hand_off_tonight_ && !rearm_hand) fail("(c) an ON command after a hand's OFF this night");
        if (limits_.device_cap) {
            const SteadyTime since = plug.on ? plug.on_since : now;
            if (c.device_cap <= Seconds(0))
                fail("(d) an ON command without a device cap although the plug has one");
            else if (now + c.device_cap > since + limits_.max_on)
                fail(fmt::format("(d) device cap ends {} after on_since + max_on",
                                 secs(now + c.device_cap - (since + limits_.max_on))));
        }
        if (cool_end_ && now < *cool_end_ && !(plug.on && plug.hand_started))
            fail(fmt::format("(e) an ON command in the cool-down (until {})", clock_of(*cool_end_)));
    }
    void apply(const Command& c) {
        if (c.on) {
            if (!plug.on) {
                plug.on = true;
                plug.on_since = now;
                plug.hand_started = false;
            }
            plug.timer.reset();
            if (c.device_cap > Seconds(0)) plug.timer = now + c.device_cap;
        } else {
            plug_off();
        }
        if (++depth_ > 8) {
            fail("commands and reports loop");
        } else {
            deliver(Report{plug.on}, plug.on ? "plug reports ON" : "plug reports OFF");
        }
        --depth_;
    }
    void check_plug() {
        if (asleep_ && plug.on) fail("(b) the plug is on while asleep");
        if (plug.on && now - plug.on_since >= limits_.max_on)
            fail(fmt::format("(a) the plug is still on at on_since + max_on ({} + {})", clock_of(plug.on_since),
                             secs(limits_.max_on)));
        if (st.on != plug.on) fail("bedtimed and the plug disagree (the model is broken)");
    }
};

#define EXPECT_CLEAN(sim) EXPECT_FALSE((sim).failed()) << (sim).dump()

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
    auto v = decide(st, l, Request{96min, "pre-warm (resumed)", true, std::nullopt}, at(22, 15, 19) + 626ms);
    EXPECT_TRUE(v.refused);
    EXPECT_FALSE(v.reason.empty());
    EXPECT_FALSE(v.command && v.command->on);

    // The same while the pad is on: no new ON, the plug keeps its timer.
    PadState on = decide(PadState{}, l, Request{Seconds(27 * 60 - 1), "x", false, std::nullopt}, at(22, 0)).next;
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
    for (auto r : {Request{20min, "episode 9", false, std::nullopt}, Request{5min, "pre-warm", false, std::nullopt},
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

// ---------------------------------------------------------------------------
// Properties on random sequences.

enum class Kind { Advance, Request, Release, HandOn, HandOff, Sleep, Reconnect, NewNight, Restart, Tick };
struct Action {
    Kind kind;
    std::int64_t ms = 0;  // Advance: how long; Request: wanted
    bool flag = false;    // Advance: plug timer first on a tie; Request: resume; Release: by hand; Sleep: asleep
    std::int64_t cap_s = -1;  // Request: device_cap in seconds, -1 = none
};

struct Case {
    Limits limits;
    bool subsecond = false;
    std::vector<Action> actions;
};

Case make_case(std::uint32_t seed, int events) {
    std::mt19937 rng(seed);
    auto pick = [&](std::int64_t lo, std::int64_t hi) {
        return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
    };
    Case c;
    c.limits.max_on = Seconds(pick(0, 4) == 0 ? pick(60, 7200) : 60 * pick(1, 120));
    c.limits.min_off = Seconds(pick(0, 5) == 0 ? 0 : 60 * pick(0, 60));
    c.limits.device_cap = pick(0, 2) != 0;
    c.subsecond = pick(0, 1) == 1;
    const std::int64_t unit = c.subsecond ? 1 : 1000;
    auto dur_ms = [&](std::int64_t lo_s, std::int64_t hi_s) { return pick(lo_s * 1000 / unit, hi_s * 1000 / unit) * unit; };
    bool asleep = false;
    for (int i = 0; i < events; ++i) {
        Action a{Kind::Advance};
        const auto r = pick(0, 99);
        if (r < 34) {
            const auto size = pick(0, 19);
            a.ms = size < 13 ? dur_ms(0, 300) : size < 19 ? dur_ms(300, 2400) : dur_ms(2400, 4 * 3600);
            a.flag = pick(0, 1) == 1;
        } else if (r < 56) {
            a.kind = Kind::Request;
            a.ms = pick(0, 3) == 0 ? dur_ms(1, 60) : dur_ms(60, 150 * 60);
            a.flag = pick(0, 7) == 0;
            if (pick(0, 9) == 0) a.cap_s = pick(1, 900);
        } else if (r < 63) {
            a.kind = Kind::Release;
            a.flag = pick(0, 4) == 0;
        } else if (r < 71) {
            a.kind = Kind::HandOn;
        } else if (r < 78) {
            a.kind = Kind::HandOff;
        } else if (r < 86) {
            a.kind = Kind::Sleep;
            asleep = pick(0, 4) == 0 ? asleep : !asleep;  // mostly a change, sometimes a repeat
            a.flag = asleep;
        } else if (r < 90) {
            a.kind = Kind::Reconnect;
        } else if (r < 93) {
            a.kind = Kind::NewNight;
        } else if (r < 96) {
            a.kind = Kind::Restart;
        } else {
            a.kind = Kind::Tick;
        }
        c.actions.push_back(a);
    }
    return c;
}

std::string describe(const Action& a) {
    switch (a.kind) {
        case Kind::Advance: return fmt::format("advance {} ms{}", a.ms, a.flag ? " (plug first on a tie)" : "");
        case Kind::Request:
            return fmt::format("Request {} ms{}{}", a.ms, a.flag ? " resume" : "",
                               a.cap_s >= 0 ? fmt::format(" device_cap {} s", a.cap_s) : "");
        case Kind::Release: return a.flag ? "Release by hand" : "Release";
        case Kind::HandOn: return "hand ON";
        case Kind::HandOff: return "hand OFF";
        case Kind::Sleep: return a.flag ? "SleepChanged asleep" : "SleepChanged awake";
        case Kind::Reconnect: return "Reconnected";
        case Kind::NewNight: return "NewNight";
        case Kind::Restart: return "restart";
        case Kind::Tick: return "Tick";
    }
    return "?";
}

Sim run_case(const Case& c, bool tracing) {
    Sim sim(c.limits, at(21, 0), tracing);
    for (const auto& a : c.actions) {
        switch (a.kind) {
            case Kind::Advance: sim.advance(milliseconds(a.ms), a.flag); break;
            case Kind::Request:
                sim.request(duration_cast<Seconds>(milliseconds(a.ms)) > Seconds(0)
                                ? duration_cast<Seconds>(milliseconds(a.ms))
                                : Seconds(1),
                            "request", a.flag,
                            a.cap_s >= 0 ? std::optional<Seconds>(Seconds(a.cap_s)) : std::nullopt);
                break;
            case Kind::Release: sim.release(a.flag); break;
            case Kind::HandOn: sim.hand_on(); break;
            case Kind::HandOff: sim.hand_off(); break;
            case Kind::Sleep: sim.sleep(a.flag); break;
            case Kind::Reconnect: sim.reconnect(); break;
            case Kind::NewNight: sim.new_night(); break;
            case Kind::Restart: sim.restart(); break;
            case Kind::Tick: sim.tick(); break;
        }
        if (sim.failed()) break;
    }
    return sim;
}

// Greedy shrinking: drop chunks, then single actions, while it still fails.
Case shrink(Case c) {
    for (size_t chunk = c.actions.size() / 2; chunk >= 1; chunk /= 2) {
        for (size_t i = 0; i + chunk <= c.actions.size();) {
            Case t = c;
            t.actions.erase(t.actions.begin() + static_cast<std::ptrdiff_t>(i),
                            t.actions.begin() + static_cast<std::ptrdiff_t>(i + chunk));
            if (run_case(t, false).failed())
                c = std::move(t);
            else
                i += chunk;
        }
        if (chunk == 1) break;
    }
    return c;
}

constexpr int kSeeds = 20;
constexpr int kSequencesPerSeed = 100;
constexpr int kEventsPerSequence = 200;

TEST(HeatGovernorProperty, RandomSequencesKeepEveryInvariant) {
    long events = 0;
    int sequences = 0;
    // BEDTIMED_HEAT_SEEDS=N runs N seeds instead (a longer search by hand).
    const char* env = std::getenv("BEDTIMED_HEAT_SEEDS");
    const int seeds_to_run = env ? std::max(1, std::atoi(env)) : kSeeds;
    for (std::uint32_t seed = 1; seed <= static_cast<std::uint32_t>(seeds_to_run); ++seed) {
        std::mt19937 seeds(seed);
        for (int n = 0; n < kSequencesPerSeed; ++n) {
            const std::uint32_t case_seed = seeds();
            const Case c = make_case(case_seed, kEventsPerSequence);
            const Sim sim = run_case(c, false);
            ++sequences;
            events += static_cast<long>(c.actions.size());
            if (sim.failed()) {
                const Case small = shrink(c);
                std::string steps;
                for (const auto& a : small.actions) steps += "    " + describe(a) + "\n";
                FAIL() << "seed " << seed << ", sequence " << n << " (case seed " << case_seed << "): "
                       << sim.failures.front() << "\nLimits: max_on " << c.limits.max_on.count() << " s, min_off "
                       << c.limits.min_off.count() << " s, device_cap " << c.limits.device_cap
                       << "\nminimal sequence (" << small.actions.size() << " steps, from 21:00):\n"
                       << steps << "replayed:\n"
                       << run_case(small, true).dump();
            }
        }
    }
    std::printf("heat governor properties: %d sequences, %ld events\n", sequences, events);
    EXPECT_EQ(sequences, seeds_to_run * kSequencesPerSeed);
}

}  // namespace
}  // namespace bedtimed::heat
