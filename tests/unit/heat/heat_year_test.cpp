// "Heat always stops", tried on the whole household: a year of simulated
// nights (bed, sleep stages, a silent or dropping tracker, cold rooms,
// episodes, hands at the plug, reconnects) against the Zigbee2MQTT plug model
// of tests/support/heat_year_plug.hpp, whose checks run on the plug's real
// on/off timeline. Each night's events are planned first, then played in time
// order on the manual clock.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "heat_year_plug.hpp"

namespace bedtimed::test {
namespace {

using namespace std::chrono_literals;
using namespace heat_year;

struct YearFigures {
    int nights = 0, episodes = 0, episodes_asleep = 0, hand_events = 0, cold_nights = 0,
        silent_tracker_nights = 0, reconnects = 0;
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
    double uniform(double lo, double hi) {
        return std::uniform_real_distribution<double>(lo, hi)(rng_);
    }
    int pick(std::initializer_list<int> weights) {
        return std::discrete_distribution<int>(weights.begin(), weights.end())(rng_);
    }
    bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }

private:
    std::mt19937_64& rng_;
    date::local_days day_;
};

using Stages = std::vector<std::pair<double, std::string>>;  // change points (minutes, value)

void sort_stages(Stages& stages) {
    std::stable_sort(stages.begin(), stages.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
}
std::string stage_at_minute(const Stages& stages, double m) {
    std::string v = "awake";
    for (const auto& [t, s] : stages)
        if (t <= m) v = s;
    return v;
}

// One year of nights for one seed and cap.
class Year {
public:
    Year(std::uint64_t seed, int max_on_min, int cold_min, bool zcl_max)
        : seed_(seed), max_on_min_(max_on_min), rng_(seed),
          h_(household_yaml(max_on_min, cold_min), at_local(berlin(), kFirstDay, 10 * 60 + 30), "",
             /*expect_confirmation=*/true),
          max_on_(std::chrono::minutes(max_on_min)), plug_(h_, max_on_) {
        plug_.zcl_max = zcl_max;
        plug_.asleep_since = [this]() -> std::optional<WallTime> {
            if (reads_asleep(h_.clock.wall_now())) return asleep_streak_;
            return std::nullopt;
        };
    }

    void run() {
        const auto saved_level = spdlog::default_logger()->level();
        spdlog::set_level(spdlog::level::off);  // a year of log lines would cost more than the year
        for (int k = 0; k < 365; ++k) run_night(k);
        spdlog::set_level(saved_level);
        print_figures();
        EXPECT_EQ(failed_nights_, 0) << plug_.violations.size() << " violations in all";
        EXPECT_LE(plug_.longest(), max_on_ + kSlack);
        EXPECT_GT(h_.counters.heat_sessions, 100u) << "the year heated at all";
    }

private:
    static constexpr date::local_days kFirstDay = date::local_days(date::year(2026) / 1 / 5);
    struct Event {
        WallTime at;
        std::function<void()> act;
    };
    // What one night's plan decided, for the events and the failure report.
    struct Plan {
        double onset = 0, wake = 0;
        Stages stages;
        std::vector<double> episode_times;
        bool cold = false;
    };

    bool reads_asleep(WallTime now) const {
        return stage_ != "awake" && now - stage_at_ < kStageStale;
    }
    void add(Night& n, double minutes, std::function<void()> act) {
        events_.push_back({n.at(minutes), std::move(act)});
    }

    void run_night(int k) {
        const date::local_days day = kFirstDay + date::days(k);
        Night n(rng_, day);
        const WallTime night_end = n.at(1440 + 10 * 60 + 30);
        plug_.night_trace.clear();
        const std::size_t timeline_mark = h_.timeline.size();
        const std::size_t violations_mark = plug_.violations.size();
        const long chains_mark = plug_.chains_past_cap;
        plug_.new_night();
        events_.clear();
        Plan plan;
        plan_bed_and_sleep(n, plan);
        plan_episodes(n, k, plan);
        plan_tracker(n, plan);
        plan_room(n, plan);
        plan_hands(n, plan);
        plan_reconnect(n, plan);
        play(n, night_end);
        ++fig_.nights;
        // HEAT_YEAR_TRACE=1 prints the nights with back-to-back periods longer than max_on.
        if (std::getenv("HEAT_YEAR_TRACE") && plug_.chains_past_cap > chains_mark) {
            std::printf("[ year ] seed %llu night %d (%s):\n",
                        static_cast<unsigned long long>(seed_), k, date_text(day).c_str());
            for (const auto& line : plug_.night_trace)
                if (line.find(" stage ") == std::string::npos) std::printf("  %s\n", line.c_str());
        }
        if (plug_.violations.size() > violations_mark && ++failed_nights_ <= 3)
            report_night(k, day, plan, violations_mark, timeline_mark);
    }

    // Bed, sleep and waking, and the sleep stages before the episodes move them.
    void plan_bed_and_sleep(Night& n, Plan& plan) {
        const double bed_in = n.uniform(21 * 60 + 40, 23 * 60 + 50);
        plan.onset = bed_in + n.uniform(5, 50);
        plan.wake = 1440 + n.uniform(6 * 60, 8 * 60 + 30);
        const double bed_out = plan.wake + n.uniform(0.5, 30);
        add(n, 10 * 60 + 31, [this] { h_.bus.inject("s/bed", "OFF"); });
        add(n, bed_in, [this] { h_.bus.inject("s/bed", "ON"); });
        if (n.chance(0.3)) {  // up once in the night
            const double up = n.uniform(plan.onset + 30, plan.wake - 20);
            const double back = up + n.uniform(1, 10);
            add(n, up, [this] { h_.bus.inject("s/bed", "OFF"); });
            add(n, back, [this] { h_.bus.inject("s/bed", "ON"); });
        }
        add(n, bed_out, [this] { h_.bus.inject("s/bed", "OFF"); });

        plan.stages = {{19 * 60, "awake"}};
        if (n.chance(0.1)) {  // dozing off on the sofa before bed
            const double doze = n.uniform(20 * 60 + 30, std::min(bed_in - 5, 22.0 * 60 + 20));
            plan.stages.push_back({doze, "light"});
            plan.stages.push_back({doze + n.uniform(5, 40), "awake"});
        }
        for (double t = plan.onset; t < plan.wake;) {
            static const char* kAsleep[] = {"light", "deep", "rem"};
            plan.stages.push_back({t, n.chance(0.1) ? "awake" : kAsleep[n.pick({5, 3, 2})]});
            t += plan.stages.back().second == "awake" ? n.uniform(2, 15) : n.uniform(8, 40);
        }
        plan.stages.push_back({plan.wake, "awake"});
        sort_stages(plan.stages);
    }

    // Episodes; after one, the tracker often shows the sleeper awake for a while.
    void plan_episodes(Night& n, int k, Plan& plan) {
        const int n_episodes = n.pick({30, 30, 20, 12, 8});
        for (int e = 0; e < n_episodes; ++e) {
            const double t = n.uniform(20 * 60, 1440 + 7 * 60);
            plan.episode_times.push_back(t);
            const std::string id = fmt::format("s{}n{}e{}", seed_, k, e);
            add(n, t, [this, id, e] {
                ++fig_.episodes;
                const bool asleep = reads_asleep(h_.clock.wall_now());
                if (asleep) ++fig_.episodes_asleep;
                plug_.trace("episode " + id + (asleep ? " (sensor reads asleep)" : ""));
                h_.bus.inject("w/episode",
                              fmt::format(R"({{"id":"{}","duration_s":{}}})", id, 20 + e * 17));
            });
        }
        for (double t : plan.episode_times)
            if (n.chance(0.6)) {
                const double from = t + n.uniform(0.2, 3), to = from + n.uniform(3, 10);
                const std::string resume = stage_at_minute(plan.stages, to);
                auto& st = plan.stages;
                st.erase(
                    std::remove_if(st.begin(), st.end(),
                                   [&](const auto& p) { return p.first >= from && p.first < to; }),
                    st.end());
                st.push_back({from, "awake"});
                st.push_back({to, resume});
                sort_stages(st);
            }
    }

    // The tracker: at every change and every 5 min from 19:00 to 09:00;
    // silent on some nights, dropping out in the middle on others.
    void plan_tracker(Night& n, const Plan& plan) {
        const bool silent = n.chance(0.12);
        const double dropout = n.chance(0.1) ? n.uniform(plan.onset, plan.wake) : 1e9;
        fig_.silent_tracker_nights += silent ? 1 : 0;
        if (silent) return;
        std::vector<double> readings;
        for (double t = 19 * 60 + n.uniform(0, 5); t < 1440 + 9 * 60; t += 5) readings.push_back(t);
        for (const auto& [t, s] : plan.stages) readings.push_back(t + 0.05);
        for (double t : readings) {
            if (t >= dropout) continue;
            const std::string v = stage_at_minute(plan.stages, t);
            add(n, t, [this, v] {
                const WallTime now = h_.clock.wall_now();
                if (v != "awake" && !reads_asleep(now)) asleep_streak_ = now;
                if (v != stage_) plug_.trace("stage " + v);
                stage_ = v;
                stage_at_ = now;
                h_.bus.inject("s/stage", v);
            });
        }
    }

    // The bedroom: cold on some nights (the long pre-warm), every 10 min.
    void plan_room(Night& n, Plan& plan) {
        plan.cold = n.chance(0.4);
        fig_.cold_nights += plan.cold ? 1 : 0;
        const double room = plan.cold ? n.uniform(14, 17.4) : n.uniform(18.3, 22);
        for (double t = 18 * 60 + n.uniform(0, 10); t < 1440 + 9 * 60; t += 10) {
            const std::string v = fmt::format("{:.1f}", room + n.uniform(-0.3, 0.3));
            add(n, t, [this, v] { h_.bus.inject("s/room", v); });
        }
    }

    // A hand at the plug: in the pre-warm, after an episode, while asleep, or any time.
    void plan_hands(Night& n, const Plan& plan) {
        const int n_hand = n.pick({35, 30, 20, 10, 5});
        const auto& episodes = plan.episode_times;
        for (int i = 0; i < n_hand; ++i) {
            double t = 0;
            switch (n.pick({35, 30, 20, 15})) {
                case 0:
                    t = n.uniform(22 * 60 + 5, 22 * 60 + 36);
                    break;
                case 1:
                    t = episodes.empty() ? n.uniform(19 * 60 + 30, 1440 + 7 * 60 + 30)
                                         : episodes[static_cast<std::size_t>(
                                               n.uniform(0, episodes.size() - 0.001))] +
                                               n.uniform(0.5, 16);
                    break;
                case 2:
                    t = n.uniform(plan.onset + 5, plan.wake - 5);
                    break;
                default:
                    t = n.uniform(19 * 60 + 30, 1440 + 7 * 60 + 30);
                    break;
            }
            add(n, t, [this] {
                ++fig_.hand_events;
                plug_.hand();
            });
        }
    }

    // The broker connection comes back now and then, most often while heating.
    void plan_reconnect(Night& n, const Plan& plan) {
        if (!n.chance(0.2)) return;
        const double t = n.chance(0.5) ? n.uniform(22 * 60 + 5, 22 * 60 + 40)
                         : !plan.episode_times.empty()
                             ? plan.episode_times.front() + n.uniform(0.2, 16)
                             : n.uniform(19 * 60, 1440 + 8 * 60);
        add(n, t, [this] {
            ++fig_.reconnects;
            plug_.trace("reconnect");
            plug_.reconnect();
        });
    }

    // The night's events in time order; time moves in random steps of 30-120 s between them.
    void play(Night& n, WallTime night_end) {
        std::stable_sort(events_.begin(), events_.end(),
                         [](const Event& a, const Event& b) { return a.at < b.at; });
        auto advance_to = [&](WallTime t) {
            while (h_.clock.wall_now() < t) {
                const Duration step = seconds(static_cast<long long>(n.uniform(30, 120)));
                h_.advance(std::min<Duration>(step, t - h_.clock.wall_now()));
                plug_.catch_up();
                plug_.check();
            }
        };
        for (const auto& e : events_) {
            if (e.at < h_.clock.wall_now() || e.at >= night_end) continue;
            advance_to(e.at);
            e.act();
            plug_.catch_up();
            plug_.check();
        }
        advance_to(night_end);
    }

    void report_night(int k, date::local_days day, const Plan& plan, std::size_t violations_mark,
                      std::size_t timeline_mark) {
        std::string text = fmt::format("seed {} night {} ({}{}), max_on {} min:\n", seed_, k,
                                       date_text(day), plan.cold ? ", cold room" : "", max_on_min_);
        for (std::size_t i = violations_mark; i < plug_.violations.size(); ++i)
            text += "  " + plug_.violations[i] + "\n";
        text += " plug and test:\n";
        for (const auto& line : plug_.night_trace) text += "  " + line + "\n";
        text += " bedtimed:\n";
        for (std::size_t i = timeline_mark; i < h_.timeline.size(); ++i)
            text += "  " + h_.timeline[i] + "\n";
        ADD_FAILURE() << text;
    }

    void print_figures() const {
        std::printf(
            "[ year ] seed %llu, max_on %d min: %d nights (%d cold, %d with a silent tracker), %d "
            "episodes (%d "
            "while the sensor read asleep), %d hand events (%ld ON, %ld OFF, %ld of them at the "
            "plug's own end), "
            "%d reconnects\n",
            static_cast<unsigned long long>(seed_), max_on_min_, fig_.nights, fig_.cold_nights,
            fig_.silent_tracker_nights, fig_.episodes, fig_.episodes_asleep, fig_.hand_events,
            plug_.hand_ons, plug_.hand_offs, plug_.hand_offs_ambiguous, fig_.reconnects);
        std::printf(
            "[ year ] plug: %ld ON periods, %ld ON commands, %ld OFF by bedtimed, %ld by its own "
            "timer, longest "
            "%lld s on; %ld back-to-back chains (gaps < 1 min) longer than max_on\n",
            plug_.periods, plug_.on_commands, plug_.bedtimed_offs, plug_.own_timer_offs,
            static_cast<long long>(duration_cast<seconds>(plug_.longest()).count()),
            plug_.chains_past_cap);
        std::printf(
            "[ year ] counters: %llu heat sessions, %llu safety offs, %llu manual offs, %llu "
            "refusals, %llu "
            "unconfirmed\n",
            static_cast<unsigned long long>(h_.counters.heat_sessions),
            static_cast<unsigned long long>(h_.counters.heat_safety_offs),
            static_cast<unsigned long long>(h_.counters.manual_offs),
            static_cast<unsigned long long>(h_.counters.heat_refused),
            static_cast<unsigned long long>(h_.counters.device_unconfirmed));
    }

    const std::uint64_t seed_;
    const int max_on_min_;
    std::mt19937_64 rng_;
    Household h_;
    const Duration max_on_;
    Plug plug_;
    std::vector<Event> events_;
    YearFigures fig_;
    int failed_nights_ = 0;
    // The sleep sensor as the test injected it.
    std::string stage_ = "awake";
    WallTime stage_at_{}, asleep_streak_{};
};

void run_year(std::uint64_t seed, int max_on_min, int cold_min, bool zcl_max = false) {
    SCOPED_TRACE(fmt::format("seed {}, max_on {} min{}", seed, max_on_min,
                             zcl_max ? ", ZCL OnTime rule" : ""));
    Year(seed, max_on_min, cold_min, zcl_max).run();
}

TEST(HeatYear, AYearOfNightsWithA30MinuteCap) {
    for (std::uint64_t seed : {1u, 2u, 3u}) run_year(seed, 30, 25);
}

TEST(HeatYear, AYearOfNightsWithA20MinuteCap) {
    run_year(11, 20, 20);
    run_year(12, 20, 20, /*zcl_max=*/true);
}

}  // namespace
}  // namespace bedtimed::test
