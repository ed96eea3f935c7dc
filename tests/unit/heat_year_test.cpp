// "Heat always stops", tried on the whole household: a year of
// simulated nights, and each finding about heat as a named test.
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

namespace bedtimed::test {
namespace {

using namespace std::chrono_literals;
using std::chrono::duration_cast;
using std::chrono::seconds;

// The pre-warm (15 min), the long pre-warm for a cold room, and heat after an
// episode, up to three times a night. The stage sensor reports every few
// minutes; it is stale after 20 min without a reading.
std::string household_yaml(int max_on_min, int cold_min) {
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

const std::string kSet = "zigbee2mqtt/pad/set";
const std::string kState = "zigbee2mqtt/pad";
const auto kStageStale = 20min;
// The plug reads a command at most this long after it was sent.
constexpr auto kLatency = 5s;
// What the checks allow beyond a limit: the plug's latency, and a second for
// whole-second caps.
constexpr auto kSlack = kLatency + 1s;
const date::time_zone* berlin() { return zone_named("Europe/Berlin"); }

std::string clock_text(WallTime t) {
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
    std::function<std::optional<WallTime>()> asleep_since = [] { return std::optional<WallTime>(); };
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
                        violation(fmt::format("ON with on_time {} s ends {} s past the period's cap (on since {})",
                                              n.count(), duration_cast<seconds>(now + n - since - max_on_).count(),
                                              clock_text(since)));
                    // (c) after a hand's OFF, only the re-arm of a hand's own ON.
                    if (manual_off_tonight_ && !(on_ && by_hand_) && seen_ - 1 >= hand_off_index_)
                        violation(fmt::format("bedtimed sent ON ({}) after a hand switched the pad off at {}",
                                              m.payload, clock_text(*manual_off_at_)));
                    trace(fmt::format("plug gets ON on_time={} ({})", n.count(), on_ ? "already on" : "was off"));
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
                trace("hand OFF (" + std::to_string(duration_cast<seconds>(*own_end_ - now).count()) +
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
            violation(fmt::format("on since {} ({}): past max_on {} s", clock_text(on_since_), on_cause_,
                                  duration_cast<seconds>(max_on_).count()));
        }
        if (const auto asleep = asleep_since(); asleep && !reported_asleep_) {
            const WallTime from = std::max(*asleep, on_since_);
            if (now - from > 1min + kSlack) {
                reported_asleep_ = true;
                violation(fmt::format("on since {} ({}) and the sleep sensor reads asleep since {}: still on at {}",
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
    long on_commands = 0, periods = 0, own_timer_offs = 0, bedtimed_offs = 0, hand_ons = 0, hand_offs = 0,
         hand_offs_ambiguous = 0;

    void trace(const std::string& what) { night_trace.push_back(clock_text(h_.clock.wall_now()) + " " + what); }

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
            trace("plug ON again at once: " + cause + " (the period since " + clock_text(on_since_) + " goes on)");
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
        if (chain_heat_ > max_on_ + kSlack && now - on_since_ <= max_on_ + kSlack && !chain_counted_) {
            chain_counted_ = true;
            ++chains_past_cap;
            trace(fmt::format("back-to-back periods (gaps under a minute) since {}: {} s of heat", clock_text(chain_since_),
                              duration_cast<seconds>(chain_heat_).count()));
        }
        if (cause == "bedtimed OFF") ++bedtimed_offs;
        if (cause == "own timer") ++own_timer_offs;
        on_ = false;
        own_->cancel();
        own_end_.reset();
        last_off_ = now;
        trace(fmt::format("plug OFF: {} after {} s on", cause, duration_cast<seconds>(now - on_since_).count()));
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
        h_.bus.inject(kState, fmt::format(R"({{"state":"{}","linkquality":{}}})", on_ ? "ON" : "OFF", 120 + seen_ % 60));
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
void run_until(Household& h, Plug& plug, WallTime t, Duration step = 30s) {
    while (h.clock.wall_now() < t) {
        h.advance(std::min<Duration>(step, t - h.clock.wall_now()));
        plug.catch_up();
        plug.check();
    }
}

void expect_no_violations(const Plug& plug) {
    for (const auto& v : plug.violations) ADD_FAILURE() << v;
    if (!plug.violations.empty())
        for (const auto& line : plug.night_trace) std::printf("  %s\n", line.c_str());
}

// ---- a year of nights --------------------------------------------------------

struct YearFigures {
    int nights = 0, episodes = 0, episodes_asleep = 0, hand_events = 0, cold_nights = 0, silent_tracker_nights = 0,
        reconnects = 0;
};

// Local times of one night, in minutes after midnight of its first day (may exceed 1440).
class Night {
public:
    Night(std::mt19937_64& rng, date::local_days day) : rng_(rng), day_(day) {}
    WallTime at(double minutes) const {
        const int whole = static_cast<int>(minutes);
        const auto secs = seconds(static_cast<long long>((minutes - whole) * 60));
        return at_local(berlin(), day_ + date::days(whole / 1440), whole % 1440) + secs;
    }
    double uniform(double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng_); }
    int pick(std::initializer_list<int> weights) {
        return std::discrete_distribution<int>(weights.begin(), weights.end())(rng_);
    }
    bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }

private:
    std::mt19937_64& rng_;
    date::local_days day_;
};

void run_year(std::uint64_t seed, int max_on_min, int cold_min, bool zcl_max = false) {
    SCOPED_TRACE(fmt::format("seed {}, max_on {} min{}", seed, max_on_min, zcl_max ? ", ZCL OnTime rule" : ""));
    std::mt19937_64 rng(seed);
    const date::local_days first_day = date::local_days(date::year(2026) / 1 / 5);
    const WallTime start = at_local(berlin(), first_day, 10 * 60 + 30);
    Household h(household_yaml(max_on_min, cold_min), start, "", /*expect_confirmation=*/true);
    const Duration max_on = std::chrono::minutes(max_on_min);
    Plug plug(h, max_on);
    plug.zcl_max = zcl_max;
    const auto saved_level = spdlog::default_logger()->level();
    spdlog::set_level(spdlog::level::off);  // a year of log lines would cost more than the year

    // The sleep sensor as the test injected it.
    std::string stage = "awake";
    WallTime stage_at{}, asleep_streak{};
    auto reads_asleep = [&](WallTime now) { return stage != "awake" && now - stage_at < kStageStale; };
    plug.asleep_since = [&]() -> std::optional<WallTime> {
        if (reads_asleep(h.clock.wall_now())) return asleep_streak;
        return std::nullopt;
    };

    YearFigures fig;
    int failed_nights = 0;
    for (int k = 0; k < 365; ++k) {
        const date::local_days day = first_day + date::days(k);
        Night n(rng, day);
        const WallTime night_end = n.at(1440 + 10 * 60 + 30);
        plug.night_trace.clear();
        const std::size_t timeline_mark = h.timeline.size();
        const std::size_t violations_mark = plug.violations.size();
        const long chains_mark = plug.chains_past_cap;
        plug.new_night();

        struct Event {
            WallTime at;
            std::function<void()> act;
        };
        std::vector<Event> events;
        auto add = [&](double minutes, std::function<void()> act) { events.push_back({n.at(minutes), std::move(act)}); };

        // Bed, sleep and waking.
        const double bed_in = n.uniform(21 * 60 + 40, 23 * 60 + 50);
        const double onset = bed_in + n.uniform(5, 50);
        const double wake = 1440 + n.uniform(6 * 60, 8 * 60 + 30);
        const double bed_out = wake + n.uniform(0.5, 30);
        add(10 * 60 + 31, [&] { h.bus.inject("s/bed", "OFF"); });
        add(bed_in, [&] { h.bus.inject("s/bed", "ON"); });
        if (n.chance(0.3)) {  // up once in the night
            const double up = n.uniform(onset + 30, wake - 20);
            const double back = up + n.uniform(1, 10);
            add(up, [&] { h.bus.inject("s/bed", "OFF"); });
            add(back, [&] { h.bus.inject("s/bed", "ON"); });
        }
        add(bed_out, [&] { h.bus.inject("s/bed", "OFF"); });

        // Sleep stages: change points (minutes, value).
        std::vector<std::pair<double, std::string>> stages{{19 * 60, "awake"}};
        if (n.chance(0.1)) {  // dozing off on the sofa before bed
            const double doze = n.uniform(20 * 60 + 30, std::min(bed_in - 5, 22.0 * 60 + 20));
            stages.push_back({doze, "light"});
            stages.push_back({doze + n.uniform(5, 40), "awake"});
        }
        for (double t = onset; t < wake;) {
            static const char* kAsleep[] = {"light", "deep", "rem"};
            stages.push_back({t, n.chance(0.1) ? "awake" : kAsleep[n.pick({5, 3, 2})]});
            t += stages.back().second == "awake" ? n.uniform(2, 15) : n.uniform(8, 40);
        }
        stages.push_back({wake, "awake"});
        std::stable_sort(stages.begin(), stages.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        auto stage_at_min = [&](double m) {
            std::string v = "awake";
            for (const auto& [t, s] : stages)
                if (t <= m) v = s;
            return v;
        };

        // Episodes; after one, the tracker often shows the sleeper awake for a while.
        const int n_episodes = n.pick({30, 30, 20, 12, 8});
        std::vector<double> episode_times;
        for (int e = 0; e < n_episodes; ++e) {
            const double t = n.uniform(20 * 60, 1440 + 7 * 60);
            episode_times.push_back(t);
            const std::string id = fmt::format("s{}n{}e{}", seed, k, e);
            add(t, [&, id, e] {
                ++fig.episodes;
                if (reads_asleep(h.clock.wall_now())) ++fig.episodes_asleep;
                plug.trace("episode " + id + (reads_asleep(h.clock.wall_now()) ? " (sensor reads asleep)" : ""));
                h.bus.inject("w/episode", fmt::format(R"({{"id":"{}","duration_s":{}}})", id, 20 + e * 17));
            });
        }
        for (double t : episode_times)
            if (n.chance(0.6)) {
                const double from = t + n.uniform(0.2, 3), to = from + n.uniform(3, 10);
                const std::string resume = stage_at_min(to);
                stages.erase(std::remove_if(stages.begin(), stages.end(),
                                            [&](const auto& p) { return p.first >= from && p.first < to; }),
                             stages.end());
                stages.push_back({from, "awake"});
                stages.push_back({to, resume});
                std::stable_sort(stages.begin(), stages.end(),
                                 [](const auto& a, const auto& b) { return a.first < b.first; });
            }

        // The tracker: at every change and every 5 min from 19:00 to 09:00;
        // silent on some nights, dropping out in the middle on others.
        const bool silent = n.chance(0.12);
        const double dropout = n.chance(0.1) ? n.uniform(onset, wake) : 1e9;
        fig.silent_tracker_nights += silent ? 1 : 0;
        if (!silent) {
            std::vector<double> readings;
            for (double t = 19 * 60 + n.uniform(0, 5); t < 1440 + 9 * 60; t += 5) readings.push_back(t);
            for (const auto& [t, s] : stages) readings.push_back(t + 0.05);
            for (double t : readings) {
                if (t >= dropout) continue;
                const std::string v = stage_at_min(t);
                add(t, [&, v] {
                    const WallTime now = h.clock.wall_now();
                    if (v != "awake" && !reads_asleep(now)) asleep_streak = now;
                    if (v != stage) plug.trace("stage " + v);
                    stage = v;
                    stage_at = now;
                    h.bus.inject("s/stage", v);
                });
            }
        }

        // The bedroom: cold on some nights (the long pre-warm), every 10 min.
        const bool cold = n.chance(0.4);
        fig.cold_nights += cold ? 1 : 0;
        const double room = cold ? n.uniform(14, 17.4) : n.uniform(18.3, 22);
        for (double t = 18 * 60 + n.uniform(0, 10); t < 1440 + 9 * 60; t += 10) {
            const std::string v = fmt::format("{:.1f}", room + n.uniform(-0.3, 0.3));
            add(t, [&, v] { h.bus.inject("s/room", v); });
        }

        // A hand at the plug: in the pre-warm, after an episode, while asleep, or any time.
        const int n_hand = n.pick({35, 30, 20, 10, 5});
        for (int i = 0; i < n_hand; ++i) {
            double t = 0;
            switch (n.pick({35, 30, 20, 15})) {
                case 0: t = n.uniform(22 * 60 + 5, 22 * 60 + 36); break;
                case 1:
                    t = episode_times.empty() ? n.uniform(19 * 60 + 30, 1440 + 7 * 60 + 30)
                                              : episode_times[static_cast<std::size_t>(n.uniform(0, episode_times.size() - 0.001))] +
                                                    n.uniform(0.5, 16);
                    break;
                case 2: t = n.uniform(onset + 5, wake - 5); break;
                default: t = n.uniform(19 * 60 + 30, 1440 + 7 * 60 + 30); break;
            }
            add(t, [&] {
                ++fig.hand_events;
                plug.hand();
            });
        }

        // The broker connection comes back now and then, most often while heating.
        if (n.chance(0.2)) {
            const double t = n.chance(0.5) ? n.uniform(22 * 60 + 5, 22 * 60 + 40)
                             : !episode_times.empty() ? episode_times.front() + n.uniform(0.2, 16)
                                                      : n.uniform(19 * 60, 1440 + 8 * 60);
            add(t, [&] {
                ++fig.reconnects;
                plug.trace("reconnect");
                plug.reconnect();
            });
        }

        std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) { return a.at < b.at; });
        for (const auto& e : events) {
            if (e.at < h.clock.wall_now() || e.at >= night_end) continue;
            while (h.clock.wall_now() < e.at) {
                const Duration step = seconds(static_cast<long long>(n.uniform(30, 120)));
                h.advance(std::min<Duration>(step, e.at - h.clock.wall_now()));
                plug.catch_up();
                plug.check();
            }
            e.act();
            plug.catch_up();
            plug.check();
        }
        while (h.clock.wall_now() < night_end) {
            const Duration step = seconds(static_cast<long long>(n.uniform(30, 120)));
            h.advance(std::min<Duration>(step, night_end - h.clock.wall_now()));
            plug.catch_up();
            plug.check();
        }
        ++fig.nights;
        // HEAT_YEAR_TRACE=1 prints the nights with back-to-back periods longer than max_on.
        if (std::getenv("HEAT_YEAR_TRACE") && plug.chains_past_cap > chains_mark) {
            std::printf("[ year ] seed %llu night %d (%s):\n", static_cast<unsigned long long>(seed), k,
                        date_text(day).c_str());
            for (const auto& line : plug.night_trace)
                if (line.find(" stage ") == std::string::npos) std::printf("  %s\n", line.c_str());
        }

        if (plug.violations.size() > violations_mark && ++failed_nights <= 3) {
            std::string text = fmt::format("seed {} night {} ({}{}), max_on {} min:\n", seed, k, date_text(day),
                                           cold ? ", cold room" : "", max_on_min);
            for (std::size_t i = violations_mark; i < plug.violations.size(); ++i)
                text += "  " + plug.violations[i] + "\n";
            text += " plug and test:\n";
            for (const auto& line : plug.night_trace) text += "  " + line + "\n";
            text += " bedtimed:\n";
            for (std::size_t i = timeline_mark; i < h.timeline.size(); ++i) text += "  " + h.timeline[i] + "\n";
            ADD_FAILURE() << text;
        }
    }
    spdlog::set_level(saved_level);

    std::printf(
        "[ year ] seed %llu, max_on %d min: %d nights (%d cold, %d with a silent tracker), %d episodes (%d while the "
        "sensor read asleep), %d hand events (%ld ON, %ld OFF, %ld of them at the plug's own end), %d reconnects\n"
        "[ year ] plug: %ld ON periods, %ld ON commands, %ld OFF by bedtimed, %ld by its own timer, longest %lld s "
        "on; %ld back-to-back chains (gaps < 1 min) longer than max_on\n"
        "[ year ] counters: %llu heat sessions, %llu safety offs, %llu manual offs, %llu refusals, %llu "
        "unconfirmed\n",
        static_cast<unsigned long long>(seed), max_on_min, fig.nights, fig.cold_nights, fig.silent_tracker_nights,
        fig.episodes, fig.episodes_asleep, fig.hand_events, plug.hand_ons, plug.hand_offs, plug.hand_offs_ambiguous, fig.reconnects,
        plug.periods, plug.on_commands, plug.bedtimed_offs, plug.own_timer_offs,
        static_cast<long long>(duration_cast<seconds>(plug.longest()).count()), plug.chains_past_cap,
        static_cast<unsigned long long>(h.counters.heat_sessions),
        static_cast<unsigned long long>(h.counters.heat_safety_offs),
        static_cast<unsigned long long>(h.counters.manual_offs),
        static_cast<unsigned long long>(h.counters.heat_refused),
        static_cast<unsigned long long>(h.counters.device_unconfirmed));
    EXPECT_EQ(failed_nights, 0) << plug.violations.size() << " violations in all";
    EXPECT_LE(plug.longest(), max_on + kSlack);
    EXPECT_GT(h.counters.heat_sessions, 100u) << "the year heated at all";
}

TEST(HeatYear, AYearOfNightsWithA30MinuteCap) {
    for (std::uint64_t seed : {1u, 2u, 3u}) run_year(seed, 30, 25);
}

TEST(HeatYear, AYearOfNightsWithA20MinuteCap) {
    run_year(11, 20, 20);
    run_year(12, 20, 20, /*zcl_max=*/true);
}

// ---- the findings of the issue, one by one -------------------------------------

// Thursday 2026-11-26 in Berlin (UTC+1).
WallTime at_evening(const std::string& hhmmss) { return *parse_iso8601("2026-11-26T" + hhmmss + "+01:00"); }
WallTime at_morning(const std::string& hhmmss) { return *parse_iso8601("2026-11-27T" + hhmmss + "+01:00"); }

struct Scene {
    Household h{household_yaml(30, 25), at_evening("18:00:00"), "", /*expect_confirmation=*/true};
    Plug plug{h, 30min};
    bool on_sent_since(std::size_t mark) const {
        for (const auto& p : h.bus.payloads_on(kSet, mark))
            if (p.find(R"("ON")") != std::string::npos) return true;
        return false;
    }
};

TEST(HeatYear, PreWarmFrom2205PlusAnEpisodeAt2228IsOffBy2235) {
    Scene s;
    run_until(s.h, s.plug, at_evening("22:00:00"));
    s.h.bus.inject("s/room", "16");  // cold: the long pre-warm, 25 min from 22:05
    run_until(s.h, s.plug, at_evening("22:06:00"));
    ASSERT_TRUE(s.plug.on());
    run_until(s.h, s.plug, at_evening("22:28:00"));
    s.h.bus.inject("w/episode", R"({"id":"e1","duration_s":40})");
    run_until(s.h, s.plug, at_evening("22:35:00") + kSlack);
    EXPECT_FALSE(s.plug.on()) << "on 22:05 to past 22:35: past the 30 min cap";
    run_until(s.h, s.plug, at_evening("23:30:00"));
    EXPECT_LE(s.plug.longest(), 30min + kSlack);
    EXPECT_EQ(s.plug.periods, 1);
    expect_no_violations(s.plug);
}

TEST(HeatYear, ThreeEpisodesTwelveMinutesApartNeverHeatMoreThanTheCap) {
    Scene s;
    s.h.bus.inject("s/room", "20");
    run_until(s.h, s.plug, at_evening("23:00:00"));  // the 15-min pre-warm ran 22:15-22:30
    for (const char* id : {"e1", "e2", "e3"}) {
        s.h.bus.inject("w/episode", fmt::format(R"({{"id":"{}","duration_s":40}})", id));
        run_until(s.h, s.plug, s.h.clock.wall_now() + 12min);
    }
    run_until(s.h, s.plug, at_evening("23:59:00"));
    EXPECT_LE(s.plug.longest(), 30min + kSlack);
    ASSERT_TRUE(s.plug.last_off());
    EXPECT_LE(*s.plug.last_off(), at_evening("23:30:00") + kSlack) << "23:00 + the 30 min cap";
    expect_no_violations(s.plug);
}

TEST(HeatYear, APadSwitchedOnByHandAt2140AndThePreWarmAt2205IsOffBy2210) {
    Scene s;
    run_until(s.h, s.plug, at_evening("21:40:00"));
    ASSERT_TRUE(s.plug.hand());  // on by hand
    run_until(s.h, s.plug, at_evening("22:00:00"));
    s.h.bus.inject("s/room", "16");  // the long pre-warm is due at 22:05
    run_until(s.h, s.plug, at_evening("22:10:00") + kSlack);
    EXPECT_FALSE(s.plug.on()) << "21:40 + the 30 min cap, which the pre-warm must not restart";
    run_until(s.h, s.plug, at_evening("23:00:00"));
    EXPECT_LE(s.plug.longest(), 30min + kSlack);
    expect_no_violations(s.plug);
}

TEST(HeatYear, APadSwitchedOnByHandWhileAsleepIsOffWithinAMinute) {
    Scene s;
    run_until(s.h, s.plug, at_morning("02:55:00"));
    s.h.bus.inject("s/stage", "deep");
    run_until(s.h, s.plug, at_morning("03:00:00"));
    ASSERT_TRUE(s.plug.hand());
    run_until(s.h, s.plug, at_morning("03:01:00"));
    EXPECT_FALSE(s.plug.on());
    ASSERT_TRUE(s.plug.last_off());
    EXPECT_LE(*s.plug.last_off(), at_morning("03:00:00") + kSlack) << "off at once";
    EXPECT_TRUE(s.h.said("switched on outside bedtimed while asleep"));
    expect_no_violations(s.plug);
}

TEST(HeatYear, AHandsOffThirtySecondsBeforeThePlannedEndIsManualForTheNight) {
    Scene s;
    s.h.bus.inject("s/room", "20");  // no long pre-warm: 22:15 to 22:30
    run_until(s.h, s.plug, at_evening("22:16:00"));
    ASSERT_TRUE(s.plug.on());
    run_until(s.h, s.plug, at_evening("22:29:30"));
    ASSERT_TRUE(s.plug.on());
    EXPECT_FALSE(s.plug.hand());  // a hand, 30 s before bedtimed's end (the plug's own ends a minute later)
    EXPECT_EQ(s.h.counters.manual_offs, 1u);
    EXPECT_TRUE(s.h.said("switched off by hand: no more heat tonight"));
    run_until(s.h, s.plug, at_evening("23:30:00"));
    const std::size_t mark = s.h.bus.published.size();
    s.h.bus.inject("w/episode", R"({"id":"e1","duration_s":40})");
    run_until(s.h, s.plug, at_evening("23:50:00"));
    EXPECT_FALSE(s.on_sent_since(mark));
    EXPECT_FALSE(s.h.bus.payloads_on("notify/sam", mark).empty()) << "guidance still goes out";
    EXPECT_TRUE(s.h.said("no heat: the pad was switched off by hand tonight"));
    expect_no_violations(s.plug);
}

TEST(HeatYear, AnEpisodeWhileTheSensorReadsAsleepGetsGuidanceButNoHeatAndIsNotCounted) {
    Scene s;
    s.h.bus.inject("s/room", "20");
    run_until(s.h, s.plug, at_morning("00:58:00"));
    s.h.bus.inject("s/stage", "deep");
    run_until(s.h, s.plug, at_morning("01:00:00"));
    std::size_t mark = s.h.bus.published.size();
    s.h.bus.inject("w/episode", R"({"id":"asleep","duration_s":40})");
    run_until(s.h, s.plug, at_morning("01:05:00"));
    EXPECT_FALSE(s.on_sent_since(mark));
    EXPECT_FALSE(s.plug.on());
    EXPECT_FALSE(s.h.bus.payloads_on("notify/sam", mark).empty()) << "guidance goes out";
    EXPECT_TRUE(s.h.said("detected while asleep"));
    // Shown awake, the next episode heats, as the first of the night.
    s.h.bus.inject("s/stage", "awake");
    run_until(s.h, s.plug, at_morning("01:10:00"));
    mark = s.h.bus.published.size();
    s.h.bus.inject("w/episode", R"({"id":"awake","duration_s":40})");
    EXPECT_TRUE(s.on_sent_since(mark));
    EXPECT_TRUE(s.h.said("(1 of 3 tonight)"));
    run_until(s.h, s.plug, at_morning("01:30:00"));
    expect_no_violations(s.plug);
}

// Found by the year run, fixed in the governor: two sessions of bedtimed's own,
// back to back, each within max_on, were one long heat. The long pre-warm runs
// 22:05 to bedtime 22:30 (25 min, not its cap); an episode 30 s later got a
// fresh 15 min. Now heat with breaks shorter than min_off is one period: the
// episode gets the 5 min that are left (30 min of heat; the break is not heat).
TEST(HeatYear, BackToBackSessionsSecondsApartStayWithinTheCap) {
    Scene s;
    run_until(s.h, s.plug, at_evening("22:00:00"));
    s.h.bus.inject("s/room", "16");  // cold: the long pre-warm, 22:05 to 22:30
    run_until(s.h, s.plug, at_evening("22:30:30"));
    ASSERT_FALSE(s.plug.on()) << "the pre-warm ended at bedtime";
    s.h.bus.inject("w/episode", R"({"id":"e1","duration_s":40})");
    run_until(s.h, s.plug, at_evening("22:35:30") + kSlack);
    EXPECT_FALSE(s.plug.on()) << "25 min of heat, a 30 s break, then only the 5 min left of the 30 min cap";
    run_until(s.h, s.plug, at_evening("23:30:00"));
    EXPECT_EQ(s.plug.chains_past_cap, 0);
    expect_no_violations(s.plug);
}


// Found by the year run, fixed in the governor (a pad confirmed ON stays
// confirmed while an extension is on its way): a hand's OFF while a command
// of bedtimed's is on its way was lost. The pad is on (pre-warm, confirmed); an episode
// extends it (an ON is sent, not yet confirmed); the hand switches the plug
// off before the plug has read that ON. The governor takes the OFF report for
// an old state ("a report against a command not yet confirmed"), the plug
// then carries out the ON and reports ON: the pad is on again until the cap,
// and the night does not know a hand switched it off. An OFF report cannot be
// old when the pad was confirmed ON before the command. The window is the
// plug's latency (here up to 5 s; well under a second on a real network).
TEST(HeatYear, AHandsOffWhileAnExtensionIsOnItsWayWins) {
    Scene s;
    s.h.bus.inject("s/room", "20");
    run_until(s.h, s.plug, at_evening("22:20:00"));  // the pre-warm, 22:15 to 22:30, confirmed
    ASSERT_TRUE(s.plug.on());
    s.h.bus.inject("w/episode", R"({"id":"e1","duration_s":40})");  // ON for 15 min more, on its way
    EXPECT_FALSE(s.plug.hand(/*in_flight=*/true));                  // the hand, before the plug read it
    run_until(s.h, s.plug, at_evening("22:21:00"));
    EXPECT_FALSE(s.plug.on()) << "the hand's OFF was undone by the ON in flight";
    EXPECT_EQ(s.h.counters.manual_offs, 1u);
    expect_no_violations(s.plug);
}

}  // namespace
}  // namespace bedtimed::test
