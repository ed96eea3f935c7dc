// The household and the plug model shared by the year of nights
// (tests/unit/heat/heat_year_test.cpp) and the heat findings as named household
// tests (tests/unit/heat/household_heat_findings_test.cpp).
//
// The household runs on a manual clock (tests/support/household_fixture.hpp)
// with expect_confirmation, against a plug model in this file that behaves
// like a Zigbee2MQTT plug with on_time: it reads bedtimed's commands on
// zigbee2mqtt/pad/set a few seconds after they are sent (a poll timer on the
// same manual clock), switches itself off when its own on_time runs out, can
// be switched by a hand at its button, and reports every change and every
// command on zigbee2mqtt/pad as the real one does. The checks run on the
// plug's real on/off timeline and on the commands it received, not on what
// bedtimed believes.
//
// Threads: the test thread. Nothing throws apart from std::bad_alloc.
#pragma once

#include <gtest/gtest.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <optional>
#include <random>

#include "household_fixture.hpp"
#include "ingest.hpp"
#include "local_time.hpp"

namespace bedtimed::test::heat_year {

using namespace std::chrono_literals;
using std::chrono::duration_cast;
using std::chrono::seconds;

// The pre-warm (15 min), the long pre-warm for a cold room, and heat after an
// episode, up to three times a night. The stage sensor reports every few
// minutes; it is stale after 20 min without a reading.
inline std::string household_yaml(int max_on_min, int cold_min) {
    return fmt::format(R"(
sensors:
  - {{name: room, topic: s/room, type: number, stale_after: 30m}}
  - {{name: in_bed, topic: s/bed, type: bool, stale_after: 12h}}
  - {{name: stage, topic: s/stage, type: enum, options: [awake, light, deep, rem], stale_after: 20m}}
wearables:
  - {{name: band, topic: w/episode, fields: {{id: id, duration: duration_s}}}}
actuators:
  - {{name: pad, kind: heating_pad, integration: zigbee2mqtt, device: pad, max_on: {}m}}
notifiers:
  - {{name: phone, type: mqtt, topic: "notify/{{sleeper}}"}}
sleepers:
  - name: sam
    timezone: Europe/Berlin
    bedtime: "22:30"
    wearable: band
    occupancy_sensor: in_bed
    sleep_sensor: stage
    asleep_values: [light, deep, rem]
    heating_pad: pad
    notify: [phone]
    routine:
      prewarm: {{minutes: 15, cold_sensor: room, cold_below: 18, cold_minutes: {}}}
    on_episode: {{heat_minutes: 15, max_heats_per_night: 3}}
)",
                       max_on_min, cold_min);
}

inline const std::string kSet = "zigbee2mqtt/pad/set";
inline const std::string kState = "zigbee2mqtt/pad";
inline const auto kStageStale = 20min;
// The plug reads a command at most this long after it was sent.
inline constexpr auto kLatency = 5s;
// What the checks allow beyond a limit: the plug's latency, and a second for
// whole-second caps.
inline constexpr auto kSlack = kLatency + 1s;
inline const date::time_zone* berlin() { return zone_named("Europe/Berlin"); }

inline std::string clock_text(WallTime t) {
    const auto s = duration_cast<seconds>(t.time_since_epoch()).count() % 60;
    const int m = local_minutes(berlin(), t);
    return fmt::format("{:02}:{:02}:{:02}", m / 60, m % 60, s);
}

// A Zigbee2MQTT plug with on_time (ZCL OnWithTimedOff), and a hand at its button.
class Plug {
public:
    Plug(Household& h, Duration max_on) : h_(h), max_on_(max_on) {
        poll_ = h_.clock.make_timer();
        own_ = h_.clock.make_timer();
        arm_poll();
        catch_up();
    }
    ~Plug() {
        poll_->cancel();
        own_->cancel();
    }

    // Since when the sleep sensor has read asleep (and is fresh), if it does now.
    std::function<std::optional<WallTime>()> asleep_since = [] {
        return std::optional<WallTime>();
    };
    bool zcl_max = false;

    // Reads bedtimed's new commands, carries them out and reports, as Z2M does
    // after every /set.
    void catch_up() {
        for (int commands = 0; seen_ < h_.bus.published.size();) {
            const Message m = h_.bus.published[seen_++];  // a copy: reports grow the vector
            if (m.topic != kSet) continue;
            if (++commands > 1000) {
                violation("more than 1000 commands in a row: a command loop");
                return;
            }
            const auto j = nlohmann::json::parse(m.payload, nullptr, false);
            if (!j.is_object() || !j.contains("state")) continue;  // power_on_behavior
            const auto now = h_.clock.wall_now();
            if (j["state"] == "ON") {
                ++on_commands;
                if (!j.contains("on_time") || !j["on_time"].is_number_integer()) {
                    violation("an ON without on_time: " + m.payload);
                    switch_on("bedtimed ON (no cap)", false);
                } else {
                    const auto n = seconds(j["on_time"].get<long long>());
                    const WallTime since = on_ ? on_since_ : now;
                    // (d) the plug's cap ends no later than the period's cap.
                    if (now + n > since + max_on_ + kSlack)
                        violation(fmt::format(
                            "ON with on_time {} s ends {} s past the period's cap (on since {})",
                            n.count(), duration_cast<seconds>(now + n - since - max_on_).count(),
                            clock_text(since)));
                    // (c) after a hand's OFF, only the re-arm of a hand's own ON.
                    if (manual_off_tonight_ && !(on_ && by_hand_) && seen_ - 1 >= hand_off_index_)
                        violation(fmt::format(
                            "bedtimed sent ON ({}) after a hand switched the pad off at {}",
                            m.payload, clock_text(*manual_off_at_)));
                    trace(fmt::format("plug gets ON on_time={} ({})", n.count(),
                                      on_ ? "already on" : "was off"));
                    if (!on_) switch_on("bedtimed ON", false);
                    arm_own(n);
                }
            } else if (j["state"] == "OFF") {
                if (on_) switch_off("bedtimed OFF");
                else trace("plug gets OFF (already off)");
            }
            report();
        }
    }

    // The hand at the button: toggles. Returns true when the hand switched it ON.
    // `in_flight`: before the plug has read what bedtimed just sent.
    bool hand(bool in_flight = false) {
        if (!in_flight) catch_up();  // whatever bedtimed sent is on the plug first
        const auto now = h_.clock.wall_now();
        if (on_) {
            ++hand_offs;
            // Within the plug's own end (plus its latency), a hand's OFF cannot
            // be told from the timer: not held to check (c).
            if (own_end_ && *own_end_ - now <= heat::kDeviceTimerTolerance + kLatency) {
                ++hand_offs_ambiguous;
                trace("hand OFF (" +
                      std::to_string(duration_cast<seconds>(*own_end_ - now).count()) +
                      " s before the plug's own timer: cannot be told apart)");
            } else {
                manual_off_tonight_ = true;
                manual_off_at_ = now;
                // Commands bedtimed published before it heard of the hand may
                // still reach the plug after it (in flight); check (c) holds
                // bedtimed to what it sends once it knows.
                hand_off_index_ = h_.bus.published.size();
            }
            switch_off("hand OFF");
        } else {
            ++hand_ons;
            switch_on("hand ON", true);
        }
        const bool turned_on = on_;
        report();
        catch_up();
        return turned_on;
    }

    // A reconnect: bedtimed's OFF and its ON for what is left of the same
    // period reach the plug together; one continuous period for the checks.
    void reconnect() {
        merge_ = true;
        h_.actuators->on_connected();
        catch_up();
        merge_ = false;
    }

    // The sleeper's night rolled over: a hand's OFF no longer holds.
    void new_night() {
        manual_off_tonight_ = false;
        manual_off_at_.reset();
    }

    // (a) and (b) while the plug is on.
    void check() {
        if (!on_) return;
        const auto now = h_.clock.wall_now();
        if (!reported_cap_ && now - on_since_ > max_on_ + kSlack) {
            reported_cap_ = true;
            violation(fmt::format("on since {} ({}): past max_on {} s", clock_text(on_since_),
                                  on_cause_, duration_cast<seconds>(max_on_).count()));
        }
        if (const auto asleep = asleep_since(); asleep && !reported_asleep_) {
            const WallTime from = std::max(*asleep, on_since_);
            if (now - from > 1min + kSlack) {
                reported_asleep_ = true;
                violation(fmt::format(
                    "on since {} ({}) and the sleep sensor reads asleep since {}: still on at {}",
                    clock_text(on_since_), on_cause_, clock_text(*asleep), clock_text(now)));
            }
        }
    }

    bool on() const { return on_; }
    Duration longest() const { return longest_; }
    // The end of the last period that ended (wall time).
    std::optional<WallTime> last_off() const { return last_off_; }

    std::vector<std::string> violations;
    std::vector<std::string> night_trace;
    // Periods bedtimed switched on back to back (within a minute of the last
    // OFF), each within max_on but longer than it together.
    long chains_past_cap = 0;
    long on_commands = 0, periods = 0, own_timer_offs = 0, bedtimed_offs = 0, hand_ons = 0,
         hand_offs = 0, hand_offs_ambiguous = 0;

    void trace(const std::string& what) {
        night_trace.push_back(clock_text(h_.clock.wall_now()) + " " + what);
    }

private:
    void violation(const std::string& what) {
        trace("VIOLATION: " + what);
        violations.push_back(clock_text(h_.clock.wall_now()) + " " + what);
    }
    void switch_on(const std::string& cause, bool by_hand) {
        const auto now = h_.clock.wall_now();
        on_ = true;
        own_end_.reset();
        // OFF and ON again in the same instant (a reconnect: OFF first, then
        // what is left) is one continuous period for the checks.
        if (merge_ && last_off_ && *last_off_ == now && !by_hand) {
            trace("plug ON again at once: " + cause + " (the period since " +
                  clock_text(on_since_) + " goes on)");
            return;
        }
        // Back to back: on again within a minute of the last OFF, by bedtimed.
        // (A hand's ON is a person's choice: it starts a chain of its own.)
        if (!last_off_ || now - *last_off_ >= 1min || by_hand) {
            chain_since_ = now;
            chain_heat_ = Duration::zero();
            chain_counted_ = false;
        }
        by_hand_ = by_hand;
        on_since_ = now;
        on_cause_ = cause;
        reported_cap_ = reported_asleep_ = false;
        ++periods;
        trace("plug ON: " + cause);
    }
    void switch_off(const std::string& cause) {
        check();
        const auto now = h_.clock.wall_now();
        longest_ = std::max<Duration>(longest_, now - on_since_);
        // The heat of the chain, not its span: the governor counts heat with
        // short breaks as one period, so the breaks themselves are not heat.
        chain_heat_ += now - on_since_;
        if (chain_heat_ > max_on_ + kSlack && now - on_since_ <= max_on_ + kSlack &&
            !chain_counted_) {
            chain_counted_ = true;
            ++chains_past_cap;
            trace(fmt::format("back-to-back periods (gaps under a minute) since {}: {} s of heat",
                              clock_text(chain_since_),
                              duration_cast<seconds>(chain_heat_).count()));
        }
        if (cause == "bedtimed OFF") ++bedtimed_offs;
        if (cause == "own timer") ++own_timer_offs;
        on_ = false;
        own_->cancel();
        own_end_.reset();
        last_off_ = now;
        trace(fmt::format("plug OFF: {} after {} s on", cause,
                          duration_cast<seconds>(now - on_since_).count()));
    }
    void arm_own(seconds n) {
        // OnWithTimedOff: the plug switches itself off n s from now. A new one
        // replaces the old; with ZCL's rule (zcl_max) a plug that is on keeps
        // the longer of its OnTime and the new one.
        const auto now = h_.clock.wall_now();
        if (zcl_max && own_end_ && *own_end_ > now + n) {
            trace("plug keeps its longer OnTime");
            return;
        }
        own_end_ = now + n;
        own_->arm(n, [this] {
            switch_off("own timer");
            report();
            catch_up();
        });
    }
    void report() {
        h_.bus.inject(kState, fmt::format(R"({{"state":"{}","linkquality":{}}})",
                                          on_ ? "ON" : "OFF", 120 + seen_ % 60));
    }
    void arm_poll() {
        poll_->arm(kLatency, [this] {
            catch_up();
            check();
            arm_poll();
        });
    }

    Household& h_;
    Duration max_on_;
    std::unique_ptr<Timer> poll_, own_;
    std::size_t seen_ = 0;
    std::size_t hand_off_index_ = 0;
    bool on_ = false, by_hand_ = false;
    WallTime on_since_{};
    std::string on_cause_;
    std::optional<WallTime> own_end_;
    std::optional<WallTime> last_off_;
    bool reported_cap_ = false, reported_asleep_ = false;
    bool manual_off_tonight_ = false;
    std::optional<WallTime> manual_off_at_;
    Duration longest_{};
    WallTime chain_since_{};
    Duration chain_heat_{};
    bool chain_counted_ = false;
    bool merge_ = false;
};

// Advances to `t` in steps of `step`, the plug reading commands as it goes.
inline void run_until(Household& h, Plug& plug, WallTime t, Duration step = 30s) {
    while (h.clock.wall_now() < t) {
        h.advance(std::min<Duration>(step, t - h.clock.wall_now()));
        plug.catch_up();
        plug.check();
    }
}

inline void expect_no_violations(const Plug& plug) {
    for (const auto& v : plug.violations) ADD_FAILURE() << v;
    if (!plug.violations.empty())
        for (const auto& line : plug.night_trace) std::printf("  %s\n", line.c_str());
}

}  // namespace bedtimed::test::heat_year
