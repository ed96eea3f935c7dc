// The heat rules hold through everything life does to an evening, on random
// sequences: the whole household (routine, life, governor, devices) on the
// manual clock, driven by bed and sleep readings, cramp episodes, a wall
// switch on the pad (hand-offs), hand-backs, profiles, presence and alarm
// changes over several nights. The pad is a model of a Zigbee2MQTT plug: a
// command ON with `on_time` turns it on and its own timer off, OFF turns it
// off, the wall switch does either. After every simulated minute:
//   1. the pad is never on continuously beyond max_on (30 min, +1 min for
//      the minute this test steps in);
//   2. it is off while the sleeper sleeps (the reading says light, deep or rem);
//   3. after a hand switched it off (while it was on), bedtimed never
//      switches it on again that night (until the next local noon),
//      hand-back or not;
//   4. bedtimed never switches it on while the guest profile (heat off) is
//      in force, or while the sleeper is away (presence not_home, until
//      they are back or get into bed).
// A failure prints the seed and the actions up to it.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <optional>
#include <random>
#include <string>
#include <vector>

#include "household_fixture.hpp"
#include "ingest.hpp"

namespace bedtimed::test {
namespace {

using namespace std::chrono_literals;

const char* kHousehold = R"(
sensors:
  - {name: in_bed, topic: s/bed, type: bool}
  - {name: stage, topic: s/stage, type: enum, options: [awake, light, deep, rem]}
  - {name: home, topic: s/home, type: enum, options: [home, not_home]}
  - {name: alarm, topic: s/alarm, type: time}
wearables:
  - {name: band, topic: w/episode, fields: {id: id, duration: duration_s}}
actuators:
  - {name: pad, kind: heating_pad, integration: zigbee2mqtt, device: pad, max_on: 30m}
notifiers:
  - {name: phone, type: mqtt, topic: "notify/{sleeper}"}
sleepers:
  - name: sam
    timezone: Europe/Berlin
    bedtime: "23:00"
    occupancy_sensor: in_bed
    sleep_sensor: stage
    asleep_values: [light, deep, rem]
    wearable: band
    heating_pad: pad
    notify: [phone]
    routine:
      prewarm: {minutes: 25}
      stretch: {at: -20m}
    on_episode: {heat: true, heat_minutes: 20}
    profiles:
      guest: {heat: false}
    away: {presence_sensor: home, bed_unused_for: 36h}
    bedtime_from: {sensor: alarm, offset: -8h, earliest: "21:00", latest: "00:30"}
)";

// Thursday 2026-11-26 17:00 in Berlin (UTC+1 all through: no DST change).
const WallTime kStart = *parse_iso8601("2026-11-26T17:00:00+01:00");
const std::string kPadSet = "zigbee2mqtt/pad/set";
constexpr auto kMaxOn = 30min;

// The next local noon (11:00 UTC) after `t`: where bedtimed's night ends.
WallTime next_noon(WallTime t) {
    const auto day = std::chrono::floor<date::days>(t);
    WallTime noon = day + 11h;
    return noon > t ? noon : noon + date::days(1);
}

// The Zigbee2MQTT plug, as it behaves: on_time counts down on the device.
struct Plug {
    bool on = false;
    std::optional<WallTime> off_at;  // its own timer
    WallTime on_since{};

    void command(const std::string& payload, WallTime now) {
        const auto j = nlohmann::json::parse(payload, nullptr, false);
        if (!j.is_object() || !j.contains("state")) return;
        const bool want = j["state"] == "ON";
        if (want && !on) on_since = now;
        on = want;
        off_at.reset();
        if (want && j.contains("on_time")) off_at = now + std::chrono::seconds(j["on_time"]);
    }
    void wall(bool want, WallTime now) {
        if (want && !on) on_since = now;
        on = want;
        off_at.reset();
    }
    void tick(WallTime now) {
        if (on && off_at && now >= *off_at) {
            on = false;
            off_at.reset();
        }
    }
};

class LifeRun {
public:
    explicit LifeRun(std::uint32_t seed) : rng_(seed), h_(kHousehold, kStart) {
        h_.bus.inject("s/home", "home");
        h_.bus.inject("s/stage", "awake");
        h_.bus.inject("s/bed", "false");
    }

    // Runs `actions` random actions; returns "" or the first broken rule.
    std::string run(int actions) {
        for (int i = 0; i < actions && failure_.empty(); ++i) act();
        return failure_;
    }
    const std::vector<std::string>& trace() const { return trace_; }

private:
    int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
    WallTime now() const { return h_.clock.wall_now(); }
    std::string local_now() const { return format_iso8601(now()); }

    void note(const std::string& what) { trace_.push_back(local_now() + " " + what); }

    void act() {
        const int r = pick(0, 99);
        if (r < 35) {
            const int minutes = pick(0, 3) == 0 ? pick(30, 240) : pick(1, 30);
            note(fmt::format("advance {} min", minutes));
            for (int m = 0; m < minutes && failure_.empty(); ++m) {
                h_.advance(1min);
                settle();
            }
            return;
        }
        if (r < 43) {
            const bool in = pick(0, 1) == 1;
            note(in ? "into bed" : "out of bed");
            in_bed_ = in;
            if (in) away_ = false;  // getting into bed ends away, whatever presence said
            h_.bus.inject("s/bed", in ? "true" : "false");
        } else if (r < 53) {
            static const char* kStages[] = {"awake", "light", "deep", "rem"};
            const std::string stage = kStages[pick(0, 3)];
            note("stage " + stage);
            asleep_ = stage != "awake";
            h_.bus.inject("s/stage", stage);
        } else if (r < 61) {
            note("episode");
            h_.bus.inject("w/episode", fmt::format(R"({{"id":"e{}","duration_s":{}}})", ++episodes_,
                                                   pick(20, 300)));
        } else if (r < 68) {
            note("wall switch ON");
            plug_.wall(true, now());
            h_.bus.inject("zigbee2mqtt/pad", R"({"state":"ON"})");
        } else if (r < 75) {
            note("wall switch OFF");
            // Switching off a pad that is on is the hand saying "no heat";
            // pressing OFF on one that is off already says nothing.
            if (plug_.on) no_heat_until_ = next_noon(now());
            plug_.wall(false, now());
            h_.bus.inject("zigbee2mqtt/pad", R"({"state":"OFF"})");
        } else if (r < 80) {
            note("hand back");
            h_.runner->hand_back("sam", "pad");
        } else if (r < 87) {
            guest_ = pick(0, 1) == 1;
            note(guest_ ? "profile guest" : "profile normal");
            h_.runner->set_profile("sam", guest_ ? "guest" : "normal", "");
        } else if (r < 92) {
            const bool gone = pick(0, 2) == 0;
            note(gone ? "presence not_home" : "presence home");
            // Away only when the house says gone and the bed is empty.
            away_ = gone && !in_bed_;
            h_.bus.inject("s/home", gone ? "not_home" : "home");
        } else {
            const std::string alarm = pick(0, 3) == 0
                                          ? std::string("unavailable")
                                          : fmt::format("{:02}:{:02}", pick(4, 9), 15 * pick(0, 3));
            note("alarm " + alarm);
            h_.bus.inject("s/alarm", alarm);
        }
        h_.run_posted();
        settle();
    }

    // Applies bedtimed's new commands to the plug, then checks the rules.
    void settle() {
        const auto commands = h_.bus.payloads_on(kPadSet, seen_);
        seen_ = h_.bus.published.size();
        for (const auto& c : commands) {
            const bool on = c.find("\"ON\"") != std::string::npos;
            // An ON to a pad a hand already switched on only arms the device's
            // own cap (on_time) on it: it switches nothing on. Asleep, not even that.
            if (on && asleep_) fail("switched on while asleep: " + c);
            if (on && plug_.on) {
                plug_.command(c, now());
                continue;
            }
            if (on && now() < no_heat_until_)
                fail("switched on after a hand switched it off tonight: " + c);
            if (on && guest_) fail("switched on in the guest profile (heat off): " + c);
            if (on && away_) fail("switched on while away: " + c);
            plug_.command(c, now());
        }
        plug_.tick(now());
        if (plug_.on && now() - plug_.on_since > kMaxOn + 1min)
            fail(fmt::format(
                "on for {} min without a break",
                std::chrono::duration_cast<std::chrono::minutes>(now() - plug_.on_since).count()));
        if (plug_.on && asleep_) fail("on while the sleeper sleeps");
    }

    void fail(const std::string& what) {
        if (failure_.empty()) failure_ = local_now() + ": " + what;
    }

    std::mt19937 rng_;
    Household h_;
    Plug plug_;
    std::size_t seen_ = 0;
    int episodes_ = 0;
    bool asleep_ = false;
    bool guest_ = false;
    bool away_ = false;
    bool in_bed_ = false;
    WallTime no_heat_until_{};
    std::string failure_;
    std::vector<std::string> trace_;
};

constexpr int kSequences = 40;
constexpr int kActionsPerSequence = 120;  // about two nights each

TEST(LifeProperty, TheHeatRulesHoldThroughHandOffsProfilesPresenceAndAlarms) {
    for (std::uint32_t seed = 1; seed <= kSequences; ++seed) {
        LifeRun run(seed);
        const std::string failure = run.run(kActionsPerSequence);
        if (!failure.empty()) {
            std::string trace;
            for (const auto& t : run.trace()) trace += "  " + t + "\n";
            FAIL() << "seed " << seed << ": " << failure << "\nactions (UTC):\n" << trace;
        }
    }
}

}  // namespace
}  // namespace bedtimed::test
