// actuators.json is saved per pad (only the pads changed since the last
// save are serialised again). Whatever the order of heat, a plug's OFF by
// hand, time passing and a kill -9 at any moment (the file as it stood then),
// the restarted household never heats a pad past its session's end, and a
// hand's OFF before the kill still holds tonight. Random sequences, fixed seeds.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <random>

#include "household_fixture.hpp"
#include "ingest.hpp"

namespace bedtimed::test {
namespace {

using namespace std::chrono_literals;

const char* kTwoPads = R"(
actuators:
  - {name: pad, kind: heating_pad, integration: zigbee2mqtt, device: pad, max_on: 30m}
  - {name: pad2, kind: heating_pad, integration: zigbee2mqtt, device: pad2, max_on: 30m}
sleepers:
  - {name: sam, timezone: Europe/Berlin, bedtime: "23:30", heating_pad: pad}
  - {name: kim, timezone: Europe/Berlin, bedtime: "23:30", heating_pad: pad2}
)";

// 18:00 in Berlin: every step below ends before the evenings' routines begin.
const WallTime kEvening = *parse_iso8601("2026-11-26T18:00:00+01:00");

TEST(PadRestartRandom, AKilledDaemonNeverResumesHeatPastItsEndNorAfterAHandsOff) {
    const auto base = std::filesystem::temp_directory_path() / "bt-pad-restart-random";
    const std::vector<std::string> pads{"pad", "pad2"};
    int restarts = 0, resumed = 0;
    for (unsigned seed = 1; seed <= 25; ++seed) {
        std::filesystem::remove_all(base);
        std::filesystem::create_directories(base / "live");
        std::mt19937 rng(seed);
        Household h(kTwoPads, kEvening, (base / "live").string());
        std::map<std::string, WallTime> last_end;  // the latest end bedtimed granted a pad
        std::map<std::string, bool> hand_off;
        // The session running now, as granted: when and until when.
        std::map<std::string, std::pair<WallTime, WallTime>> running;
        for (int step = 0; step < 40; ++step) {
            const std::string& pad = pads[rng() % pads.size()];
            switch (rng() % 5) {
                case 0:
                case 1: {
                    const auto granted = h.actuators->heat_on(pad, (1 + rng() % 40) * 1min, "test");
                    if (hand_off[pad]) {
                        EXPECT_EQ(granted.count(), 0) << "a hand's OFF holds tonight";
                    }
                    // The latest end granted so far: a save inside the 50 ms window
                    // may not hold the newest session yet, but never one longer.
                    if (granted.count() > 0)
                        running[pad] = {h.clock.wall_now(), h.clock.wall_now() + granted};
                    if (granted.count() > 0)
                        last_end[pad] = std::max(last_end.count(pad) ? last_end[pad] : WallTime{},
                                                 h.clock.wall_now() + granted);
                    break;
                }
                case 2:
                    h.actuators->heat_off(pad, "test");
                    running.erase(pad);
                    break;
                case 3:
                    if (h.actuators->pad_on(pad)) {
                        h.advance(50ms);
                        h.bus.inject("zigbee2mqtt/" + pad, R"({"state":"OFF"})");
                        hand_off[pad] = true;
                        running.erase(pad);
                    }
                    break;
                default:
                    h.advance(std::chrono::seconds(rng() % 600) + 10ms * (rng() % 10));
            }
            if (rng() % 6 != 0) continue;
            // kill -9 now: a copy of the state directory as it stands.
            const auto crashed = base / ("crash-" + std::to_string(step));
            std::filesystem::copy(base / "live", crashed);
            const WallTime restart_at = h.clock.wall_now() + std::chrono::seconds(rng() % 1200);
            Household again(kTwoPads, restart_at, crashed.string());
            ++restarts;
            for (const auto& p : pads) {
                // On disk once the 50 ms window after its grant has closed:
                // resumed for what it had left.
                const auto r = running.find(p);
                if (h.actuators->pad_on(p) && r != running.end() &&
                    h.clock.wall_now() - r->second.first >= 50ms && restart_at < r->second.second) {
                    EXPECT_TRUE(again.actuators->pad_on(p))
                        << "seed " << seed << ", step " << step << ": " << p << " not resumed";
                }
                if (again.actuators->pad_on(p)) {
                    ++resumed;
                    ASSERT_TRUE(last_end.count(p)) << "seed " << seed << ": never switched on";
                    EXPECT_LT(restart_at, last_end[p]) << "seed " << seed << ", step " << step;
                }
            }
            // Run on to past every granted end: nothing is still on.
            WallTime latest = restart_at;
            for (const auto& [p, end] : last_end) latest = std::max(latest, end);
            again.advance(latest - restart_at + 1s);
            for (const auto& p : pads)
                EXPECT_FALSE(again.actuators->pad_on(p)) << "seed " << seed << ", " << p;
            for (const auto& p : pads) {
                if (!hand_off[p]) continue;
                EXPECT_EQ(again.actuators->heat_on(p, 10min, "test").count(), 0)
                    << "seed " << seed << ": " << p << "'s OFF by hand survived the kill";
            }
        }
    }
    std::filesystem::remove_all(base);
    EXPECT_GT(restarts, 50);
    EXPECT_GT(resumed, 5) << "some restarts found a session to resume";
}

}  // namespace
}  // namespace bedtimed::test
