// The heat governor against a plug that answers late: commands and reports
// travel in order (MQTT keeps order per topic) but take time, so bedtimed may
// send ON, OFF, ON before the first report comes back. No hand acts in this
// model, so every OFF report is bedtimed's own or the plug's timer: the
// governor must never take one for a hand, and once everything has arrived
// it must agree with the plug and await nothing.
//
// The model, kept small:
//  - Time is a fake steady clock; nothing sleeps.
//  - Every command reaches the plug 0-3 s after it is sent, in order; the plug
//    applies it (ON: on, its own timer set to the device cap; OFF: off) and
//    reports its state 0-3 s later, in order. Like Zigbee2MQTT it sometimes
//    reports the same state twice (its own echo, then the device's attribute
//    report).
//  - The plug's own timer switches it off and it reports that.
//  - A restart takes 7 s, longer than a command and its report travel here
//    (6 s at most; systemd's restart and the start-up take seconds): what was
//    in flight reaches the plug meanwhile and its reports are lost. (Should an
//    old process's report come after the new one subscribed, the governor
//    cannot tell it from a hand; it then errs to safety: the pad off, no more
//    heat that night.) The new process starts (Started), may resume the interrupted session before
//    the broker is back, then connects (Reconnected) and resumes what is left, as
//    daemon/heat/actuators.cpp does. The demo's start inside a pre-warm found
//    the defect this test guards: ON, OFF, ON answered by ON, OFF, ON, and the
//    first ON report confirmed the second ON.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "heat/governor.hpp"

namespace bedtimed::heat {
namespace {

using namespace std::chrono_literals;
using std::chrono::duration_cast;
using std::chrono::milliseconds;

const SteadyTime kStart = SteadyTime{} + std::chrono::hours(24 * 1000 + 21);

struct InFlight {
    SteadyTime at;
    bool on = false;
    Seconds device_cap{0};  // commands only
};

class LaggyPlugSim {
public:
    LaggyPlugSim(Limits l, std::uint32_t seed) : limits_(l), rng_(seed) {}

    PadState st;
    std::vector<std::string> failures;
    std::vector<std::string> trace;

    void request(Seconds wanted, bool resume = false) {
        decide_and_send(Request{wanted, "request", resume, {}}, "Request");
    }
    void release() { decide_and_send(Release{"routine", false}, "Release"); }
    void sleep(bool asleep) {
        decide_and_send(SleepChanged{asleep, "sensor"}, asleep ? "asleep" : "awake");
    }
    void reconnect() {
        const Verdict v = decide_and_send(Reconnected{}, "Reconnected");
        if (v.granted.count() > 0) request(v.granted, /*resume=*/true);
    }
    void restart(bool resume_before_connect) {
        PadState p;
        p.manual_off_tonight = st.manual_off_tonight;
        p.cool_until = st.cool_until;
        p.last_off_at = st.last_off_at;
        p.period_used = st.period_used;
        p.asleep = st.asleep;
        if (st.on) p.interrupted_since = st.on_since;
        const SteadyTime off_at = st.off_at;
        const bool was_on = st.on;
        note("restart: bedtimed is down for 7 s");
        down_ = true;
        advance(7s);
        down_ = false;
        const Seconds left =
            was_on && off_at > now_ ? duration_cast<Seconds>(off_at - now_) : Seconds(0);
        st = p;
        decide_and_send(Started{}, "Started");
        if (resume_before_connect && left.count() > 0) request(left, /*resume=*/true);
        advance(milliseconds(pick(0, 2000)));
        reconnect();
    }
    // Let time pass: deliveries, the plug's timer and the governor's deadline, in time order.
    void advance(Duration d) {
        const SteadyTime end = now_ + d;
        for (int guard = 0; guard < 10000; ++guard) {
            std::optional<SteadyTime> next;
            auto consider = [&](std::optional<SteadyTime> t) {
                if (t && *t <= end && (!next || *t < *next)) next = t;
            };
            consider(to_plug_.empty() ? std::nullopt : std::optional(to_plug_.front().at));
            consider(to_bedtimed_.empty() ? std::nullopt : std::optional(to_bedtimed_.front().at));
            consider(plug_timer_);
            if (!down_) consider(next_deadline(st));
            if (!down_ && !st.confirmed()) consider(confirm_at_);
            if (!next) break;
            now_ = std::max(now_, *next);
            if (!to_plug_.empty() && to_plug_.front().at <= now_) {
                const InFlight c = to_plug_.front();
                to_plug_.pop_front();
                plug_on_ = c.on;
                plug_timer_.reset();
                if (c.on && c.device_cap.count() > 0) plug_timer_ = now_ + c.device_cap;
                report();
            } else if (!to_bedtimed_.empty() && to_bedtimed_.front().at <= now_) {
                const InFlight r = to_bedtimed_.front();
                to_bedtimed_.pop_front();
                if (down_) continue;  // nobody listens
                decide_and_send(Report{r.on}, r.on ? "report ON" : "report OFF");
            } else if (!down_ && !st.confirmed() && confirm_at_ && *confirm_at_ <= now_) {
                confirm_at_.reset();
                const Verdict v = decide_and_send(ConfirmTimeout{true}, "ConfirmTimeout");
                if (v.resend) fail("a resend although every report had come back in time");
                if (v.unconfirmed) fail("unconfirmed although every report had come back in time");
            } else if (plug_timer_ && *plug_timer_ <= now_) {
                plug_on_ = false;
                plug_timer_.reset();
                note("the plug's own timer ends");
                report();
            } else {
                decide_and_send(Tick{}, "Tick");
            }
        }
        now_ = std::max(now_, end);
    }
    // Everything in flight has arrived: bedtimed and the plug must agree.
    void settle() {
        advance(10s);
        if (!to_plug_.empty() || !to_bedtimed_.empty()) return;  // a new session keeps going
        if (!st.confirmed())
            fail(fmt::format("still awaits {} report(s) with nothing in flight",
                             st.reports_awaited));
        if (st.on != plug_on_)
            fail(fmt::format("bedtimed thinks {}, the plug is {}", st.on ? "ON" : "OFF",
                             plug_on_ ? "ON" : "OFF"));
    }
    std::int64_t pick(std::int64_t lo, std::int64_t hi) {
        return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng_);
    }
    bool failed() const { return !failures.empty(); }
    std::string dump() const {
        std::string out;
        for (const auto& f : failures) out += "FAILED: " + f + "\n";
        for (const auto& l : trace) out += "  " + l + "\n";
        return out;
    }

private:
    Limits limits_;
    std::mt19937 rng_;
    SteadyTime now_ = kStart;
    std::deque<InFlight> to_plug_;
    std::deque<InFlight> to_bedtimed_;
    bool plug_on_ = false;
    std::optional<SteadyTime> plug_timer_;
    bool down_ = false;  // bedtimed is restarting
    // The executor's confirmation timer: 10 s after the last command, longer
    // than a command and its report take here (6 s at most).
    std::optional<SteadyTime> confirm_at_;

    void note(const std::string& s) {
        trace.push_back(fmt::format(
            "{:>9.3f} s  {}", duration_cast<milliseconds>(now_ - kStart).count() / 1000.0, s));
    }
    void fail(const std::string& s) {
        failures.push_back(s);
        note("FAILED: " + s);
    }
    SteadyTime later(const std::deque<InFlight>& q) {
        const SteadyTime t = now_ + milliseconds(pick(0, 3000));
        return q.empty() ? t : std::max(t, q.back().at);  // in order
    }
    void report() {
        to_bedtimed_.push_back({later(to_bedtimed_), plug_on_, {}});
        if (pick(0, 3) == 0)
            to_bedtimed_.push_back(
                {later(to_bedtimed_), plug_on_, {}});  // an echo, then the device's report
    }
    Verdict decide_and_send(const Event& e, const std::string& label) {
        const Verdict v = decide(st, limits_, e, now_);
        st = v.next;
        note(label + (v.command ? (v.command->on ? " -> ON" : " -> OFF") : "") +
             (v.reason.empty() ? "" : "  [" + v.reason + "]"));
        if (v.manual_off)
            fail("an OFF of bedtimed's own (or the plug's timer) was taken for a hand: " +
                 v.reason);
        if (v.command) {
            to_plug_.push_back({later(to_plug_), v.command->on, v.command->device_cap});
            confirm_at_ = now_ + 10s;
        }
        return v;
    }
};

// The demo's start inside a pre-warm, step by step.
TEST(HeatGovernorLag, AStartInsideASessionIsNeverTakenForAHand) {
    const Limits l{30min, 30min, true};
    PadState st;
    const SteadyTime t = kStart;
    st = decide(st, l, Started{}, t).next;  // OFF
    st = decide(st, l, Request{20min, "pre-warm", false, {}}, t)
             .next;                                 // ON, before the broker is back
    auto v = decide(st, l, Reconnected{}, t + 1s);  // OFF
    st = v.next;
    ASSERT_GT(v.granted.count(), 0);
    st = decide(st, l, Request{v.granted, "resume", true, {}}, t + 1s).next;  // ON
    EXPECT_EQ(st.reports_awaited, 4);
    for (bool on : {false, true, false, true}) {
        v = decide(st, l, Report{on}, t + 2s);
        EXPECT_FALSE(v.manual_off) << v.reason;
        EXPECT_FALSE(v.command) << "a report of its own command made it act: " << v.reason;
        st = v.next;
    }
    EXPECT_TRUE(st.confirmed());
    EXPECT_TRUE(st.on);
    // Now a hand's OFF is a hand's.
    EXPECT_TRUE(decide(st, l, Report{false}, t + 3min).manual_off);
}

// A repeated report of the state before does not confirm what is awaited.
TEST(HeatGovernorLag, AnEchoOfTheOldStateConfirmsNothing) {
    const Limits l{30min, 30min, true};
    PadState st;
    const SteadyTime t = kStart;
    st = decide(st, l, Request{20min, "pre-warm", false, {}}, t).next;
    st = decide(st, l, Report{true}, t + 1s).next;
    ASSERT_TRUE(st.confirmed());
    st = decide(st, l, Reconnected{}, t + 60s).next;                        // OFF
    st = decide(st, l, Request{10min, "resume", false, {}}, t + 60s).next;  // ON
    st = decide(st, l, Report{true}, t + 61s).next;  // the device's late report of the first ON
    EXPECT_FALSE(st.confirmed());
    const auto v = decide(st, l, Report{false}, t + 62s);  // bedtimed's own OFF
    EXPECT_FALSE(v.manual_off) << v.reason;
    st = decide(v.next, l, Report{true}, t + 63s).next;
    EXPECT_TRUE(st.confirmed());
}

// A plug that reports only changes does not answer the start-up OFF when it
// was off already: its ON report answers the last command, and once the
// confirmation timeout has passed the pad is confirmed, so a hand's OFF after
// it is a hand's.
TEST(HeatGovernorLag, APlugThatReportsOnlyChangesIsConfirmedAtTheTimeout) {
    const Limits l{30min, 30min, true};
    PadState st;
    const SteadyTime t = kStart;
    st = decide(st, l, Started{}, t).next;
    st = decide(st, l, Request{20min, "pre-warm", false, {}}, t + 1min).next;
    st = decide(st, l, Report{true}, t + 1min + 1s).next;
    ASSERT_FALSE(st.confirmed()) << "the start-up OFF may still be answered";
    auto v = decide(st, l, ConfirmTimeout{}, t + 1min + 10s);
    EXPECT_FALSE(v.resend);
    st = v.next;
    EXPECT_TRUE(st.confirmed());
    EXPECT_TRUE(decide(st, l, Report{false}, t + 3min).manual_off);
}

// OFF after an ON, and nothing more by the timeout: never pushed again.
TEST(HeatGovernorLag, OffAfterTheOnAtTheTimeoutIsAHandForTheNight) {
    const Limits l{30min, 30min, true};
    PadState st;
    const SteadyTime t = kStart;
    st = decide(st, l, Request{20min, "pre-warm", false, {}}, t).next;
    st = decide(st, l, Report{false}, t + 1s).next;  // old state, a hand, or a refusal
    ASSERT_FALSE(st.confirmed());
    const auto v = decide(st, l, ConfirmTimeout{}, t + 10s);
    EXPECT_TRUE(v.manual_off) << v.reason;
    EXPECT_FALSE(v.next.on);
    EXPECT_TRUE(decide(v.next, l, Request{10min, "episode", false, {}}, t + 1h).refused);
}

// No report at all: sent once more, and only that command's report is then
// awaited; after the retry it is counted as unconfirmed.
TEST(HeatGovernorLag, NoReportAtAllIsResentOnceThenCounted) {
    const Limits l{30min, 30min, true};
    PadState st;
    const SteadyTime t = kStart;
    st = decide(st, l, Started{}, t).next;
    st = decide(st, l, Request{20min, "pre-warm", false, {}}, t).next;
    ASSERT_EQ(st.reports_awaited, 2);
    auto v = decide(st, l, ConfirmTimeout{true}, t + 10s);
    EXPECT_TRUE(v.resend);
    EXPECT_EQ(v.next.reports_awaited, 1);
    v = decide(v.next, l, ConfirmTimeout{false}, t + 20s);
    EXPECT_TRUE(v.unconfirmed);
    EXPECT_FALSE(v.resend);
    st = decide(v.next, l, Report{true}, t + 25s).next;
    EXPECT_TRUE(st.confirmed());
}

TEST(HeatGovernorLag, RandomSequencesNeverTakeBedtimedsOwnOffForAHand) {
    int sequences = 0;
    long steps = 0;
    for (std::uint32_t seed = 1; seed <= 600; ++seed) {
        std::mt19937 limits_rng(seed);
        auto lpick = [&](int lo, int hi) {
            return std::uniform_int_distribution<int>(lo, hi)(limits_rng);
        };
        const Limits l{Seconds(60 * lpick(2, 60)), Seconds(60 * lpick(0, 30)), lpick(0, 3) != 0};
        LaggyPlugSim sim(l, seed);
        bool asleep = false;
        for (int i = 0; i < 150 && !sim.failed(); ++i, ++steps) {
            switch (sim.pick(0, 9)) {
                case 0:
                case 1:
                case 2:
                    sim.request(Seconds(sim.pick(1, 3600)));
                    break;
                case 3:
                    sim.release();
                    break;
                case 4:
                    asleep = sim.pick(0, 2) == 0;
                    sim.sleep(asleep);
                    break;
                case 5:
                    sim.reconnect();
                    break;
                case 6:
                    sim.restart(sim.pick(0, 1) == 1);
                    break;
                case 7:
                    sim.settle();
                    break;
                default:
                    sim.advance(
                        milliseconds(sim.pick(0, 1) ? sim.pick(0, 4000) : sim.pick(0, 1800000)));
                    break;
            }
        }
        if (!sim.failed()) sim.settle();
        ++sequences;
        ASSERT_FALSE(sim.failed())
            << "seed " << seed << ", max_on " << l.max_on.count() << " s, min_off "
            << l.min_off.count() << " s, device cap " << l.device_cap << "\n"
            << sim.dump();
    }
    std::printf("heat governor with a late plug: %d sequences, %ld steps\n", sequences, steps);
}

}  // namespace
}  // namespace bedtimed::heat
