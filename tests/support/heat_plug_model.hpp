// A simulated plug and an ideal executor around the heat governor, for the
// governor's named examples (tests/unit/heat/heat_governor_test.cpp) and its
// property tests (tests/unit/heat/heat_governor_property_test.cpp).
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
//
// Threads: the test thread. Nothing throws apart from std::bad_alloc.
#pragma once

#include <fmt/format.h>

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

namespace bedtimed::heat::model {

using namespace std::chrono_literals;
using std::chrono::duration_cast;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;

inline const SteadyTime kMidnight = SteadyTime{} + hours(24 * 1000);
inline SteadyTime at(int h, int m, int s = 0) {
    return kMidnight + hours(h) + minutes(m) + Seconds(s);
}

inline std::string clock_of(SteadyTime t) {
    const auto ms = duration_cast<milliseconds>(t - kMidnight).count();
    const auto s = ms / 1000;
    return fmt::format("{}{:02}:{:02}:{:02}{}", s / 86400 ? fmt::format("d{} ", s / 86400) : "",
                       s / 3600 % 24, s / 60 % 60, s % 60,
                       ms % 1000 ? fmt::format(".{:03}", ms % 1000) : "");
}
inline std::string secs(Duration d) {
    const auto ms = duration_cast<milliseconds>(d).count();
    return ms % 1000 ? fmt::format("{}.{:03} s", ms / 1000, ms % 1000)
                     : fmt::format("{} s", ms / 1000);
}

inline Limits limits(minutes max_on = 30min, minutes min_off = 30min, bool device_cap = true) {
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
    Sim(Limits l, SteadyTime start, bool tracing = true)
        : now(start), limits_(l), tracing_(tracing) {}

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
            if (tick_due && plug_due)
                use_plug = *plug.timer < *dl || (*plug.timer == *dl && plug_first);
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
    bool asleep_ = false;                 // the truth about sleep (last SleepChanged)
    bool hand_off_tonight_ = false;       // a hand's OFF this night (see the model above)
    std::optional<SteadyTime> cool_end_;  // no ON before this: a real period reached max_on
    bool hand_report_ = false;            // the event being decided is a hand's ON report
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
                what = v.command->on
                           ? fmt::format(" -> ON (device cap {})", secs(v.command->device_cap))
                           : " -> OFF";
            if (v.refused) what += " REFUSED";
            if (v.manual_off) what += " manual_off";
            if (v.safety_off) what += " safety_off";
            note(
                fmt::format("{}{}{}", label, what, v.reason.empty() ? "" : "  [" + v.reason + "]"));
        }
        if (v.refused && v.reason.empty()) fail("a refusal without a reason");
        if (before.on && !st.on && v.reason.empty()) fail("an OFF without a reason");
        if (v.command) {
            if (!v.command->on && plug_was_on && v.reason.empty())
                fail("an OFF command without a reason");
            commands.push_back(*v.command);
            if (v.command->on) check_command(*v.command);
            apply(*v.command);
        }
        return v;
    }
    void check_command(const Command& c) {
        if (asleep_) fail("(b) an ON command while asleep");
        const bool rearm_hand = hand_report_ && plug.on && plug.hand_started;
        if (hand_off_tonight_ && !rearm_hand)
            fail("(c) an ON command after a hand's OFF this night");
        if (limits_.device_cap) {
            const SteadyTime since = plug.on ? plug.on_since : now;
            if (c.device_cap <= Seconds(0))
                fail("(d) an ON command without a device cap although the plug has one");
            else if (now + c.device_cap > since + limits_.max_on)
                fail(fmt::format("(d) device cap ends {} after on_since + max_on",
                                 secs(now + c.device_cap - (since + limits_.max_on))));
        }
        if (cool_end_ && now < *cool_end_ && !(plug.on && plug.hand_started))
            fail(
                fmt::format("(e) an ON command in the cool-down (until {})", clock_of(*cool_end_)));
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
            fail(fmt::format("(a) the plug is still on at on_since + max_on ({} + {})",
                             clock_of(plug.on_since), secs(limits_.max_on)));
        if (st.on != plug.on) fail("bedtimed and the plug disagree (the model is broken)");
    }
};

#define EXPECT_CLEAN(sim) EXPECT_FALSE((sim).failed()) << (sim).dump()

}  // namespace bedtimed::heat::model
