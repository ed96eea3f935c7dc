// The state file (daemon/io/state_file.*): replaced whole, read back as
// written; with a timer, a burst of changes is one save when the window
// closes, and what waits for it runs only once the file holds the change.
#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "manual_clock.hpp"
#include "state_file.hpp"

namespace bedtimed {
namespace {

struct StateDir {
    StateDir() {
        path = std::filesystem::temp_directory_path() /
               ("bedtimed-state-file-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(path);
        std::filesystem::create_directories(path);
    }
    ~StateDir() { std::filesystem::remove_all(path); }
    std::string file() const { return (path / "state.json").string(); }
    std::filesystem::path path;
};

nlohmann::json on_disk(const std::string& file) {
    std::ifstream in(file);
    if (!in) return nullptr;
    std::stringstream text;
    text << in.rdbuf();
    return nlohmann::json::parse(text.str());
}

using namespace std::chrono_literals;

TEST(StateFile, WithoutATimerEveryChangeIsSavedAtOnce) {
    StateDir dir;
    StateFile state(dir.file());
    state.save_soon([](nlohmann::json& doc) { doc["n"] = 1; });
    EXPECT_EQ(on_disk(dir.file())["n"], 1);
    bool said = false;
    state.after_saved([&] { said = true; });
    EXPECT_TRUE(said) << "nothing pending: said at once";
}

TEST(StateFile, ABurstOfChangesIsOneSaveOfTheLatestWhenTheWindowCloses) {
    StateDir dir;
    ManualClock clock;
    StateFile state(dir.file());
    state.defer_saves(clock.make_timer(), 50ms);
    for (int n = 1; n <= 20; ++n) {
        state.save_soon([n](nlohmann::json& doc) { doc["n"] = n; });
        clock.advance(2ms);  // the burst: 40 ms in all, within the window
    }
    EXPECT_TRUE(state.pending());
    EXPECT_TRUE(on_disk(dir.file()).is_null()) << "nothing written before the window closes";
    clock.advance(10ms);
    EXPECT_FALSE(state.pending());
    EXPECT_EQ(on_disk(dir.file())["n"], 20) << "the latest state, once";
    state.save_soon([](nlohmann::json& doc) { doc["n"] = 21; });
    clock.advance(49ms);
    EXPECT_EQ(on_disk(dir.file())["n"], 20) << "a new window from the next change";
    clock.advance(1ms);
    EXPECT_EQ(on_disk(dir.file())["n"], 21);
}

TEST(StateFile, WhatWaitsForTheSaveRunsAfterTheFileHoldsIt) {
    StateDir dir;
    ManualClock clock;
    StateFile state(dir.file());
    state.defer_saves(clock.make_timer(), 50ms);
    state.save_soon([](nlohmann::json& doc) { doc["pad"] = "on"; });
    std::vector<std::string> said;
    state.after_saved(
        [&] { said.push_back("first saw " + on_disk(dir.file())["pad"].get<std::string>()); });
    state.after_saved([&] { said.push_back("second"); });
    EXPECT_TRUE(said.empty()) << "held back until the save";
    clock.advance(50ms);
    EXPECT_EQ(said, (std::vector<std::string>{"first saw on", "second"})) << "in order, after it";
}

TEST(StateFile, KeysItDoesNotTouchAreKeptAndNotReadAgain) {
    StateDir dir;
    { std::ofstream(dir.file()) << R"({"other":"kept","n":0})"; }
    StateFile state(dir.file());
    EXPECT_EQ(state.load()["other"], "kept");
    // A file changed behind its back is not read again: the document is the
    // last one loaded or saved (one owner per file).
    { std::ofstream(dir.file()) << R"({"other":"changed"})"; }
    state.save_soon([](nlohmann::json& doc) { doc["n"] = 2; });
    const auto doc = on_disk(dir.file());
    EXPECT_EQ(doc["other"], "kept");
    EXPECT_EQ(doc["n"], 2);
}

TEST(StateFile, FlushSavesNowAndAPendingSaveDiesWithTheStateFile) {
    StateDir dir;
    ManualClock clock;
    {
        StateFile state(dir.file());
        state.defer_saves(clock.make_timer(), 50ms);
        state.save_soon([](nlohmann::json& doc) { doc["n"] = 7; });
        state.flush();
        EXPECT_EQ(on_disk(dir.file())["n"], 7) << "flush: on disk now";
        clock.advance(50ms);
        EXPECT_EQ(on_disk(dir.file())["n"], 7) << "and the window's save is off";
        state.save_soon([](nlohmann::json& doc) { doc["n"] = 8; });
    }
    clock.advance(50ms);  // its timer went with it: no save, no crash
    EXPECT_EQ(on_disk(dir.file())["n"], 7);
}


// A house's routine.json: 1,500 entries, of which a save changes a few. An
// update that names its entries has only those serialised again; the rest of
// the text is the one kept since each entry last changed.
TEST(StateFile, AnUpdateThatNamesItsEntriesHasOnlyThoseWrittenAgain) {
    StateDir dir;
    StateFile state(dir.file());
    state.save_soon([](nlohmann::json& doc) {
        doc["sleepers"]["ann"] = {{"done", 1}};
        doc["sleepers"]["bob"] = {{"done", 1}};
        doc["version"] = 1;
    });
    // The update names ann only; bob's change is one the owner "forgot":
    // its kept text is written, which shows that it was not serialised again.
    state.save_soon([&state](nlohmann::json& doc) {
        doc["sleepers"]["ann"]["done"] = 2;
        doc["sleepers"]["bob"]["done"] = 2;
        state.changed("sleepers", "ann");
    });
    auto disk = on_disk(dir.file());
    EXPECT_EQ(disk["sleepers"]["ann"]["done"], 2);
    EXPECT_EQ(disk["sleepers"]["bob"]["done"], 1) << "spliced from the kept text";
    EXPECT_EQ(disk["version"], 1) << "values that are not sections are written every time";
    // An update that names nothing: the whole document again.
    state.save_soon([](nlohmann::json& doc) { doc["version"] = 2; });
    disk = on_disk(dir.file());
    EXPECT_EQ(disk["sleepers"]["bob"]["done"], 2);
    EXPECT_EQ(disk["version"], 2);
}

TEST(StateFile, ANamedSectionIsWrittenWholeAndErasedEntriesLeaveNoText) {
    StateDir dir;
    StateFile state(dir.file());
    state.save_soon([](nlohmann::json& doc) {
        doc["pads"] = {{"a", {{"on", 1}}}, {"b", {{"on", 1}}}};
    });
    state.save_soon([&state](nlohmann::json& doc) {
        doc["pads"].erase("a");
        state.changed("pads", "a");
    });
    EXPECT_EQ(on_disk(dir.file())["pads"], (nlohmann::json{{"b", {{"on", 1}}}}));
    state.save_soon([&state](nlohmann::json& doc) {
        doc["pads"] = {{"c", {{"on", 2}}}, {"b", {{"on", 3}}}};
        state.changed("pads");
    });
    EXPECT_EQ(on_disk(dir.file())["pads"], (nlohmann::json{{"b", {{"on", 3}}}, {"c", {{"on", 2}}}}));
    state.save_soon([&state](nlohmann::json& doc) {
        doc["pads"] = nlohmann::json::object();
        state.changed("pads");
    });
    EXPECT_EQ(on_disk(dir.file())["pads"], nlohmann::json::object());
}

// Whatever the order of sets, erasures, new sections and whole rewrites, as
// long as each update names what it changed, the file reads back as the document.
TEST(StateFile, RandomNamedUpdatesAlwaysReadBackAsTheDocument) {
    StateDir dir;
    for (unsigned seed = 1; seed <= 20; ++seed) {
        std::filesystem::remove(dir.file());
        std::mt19937 rng(seed);
        StateFile state(dir.file());
        nlohmann::json model = nlohmann::json::object();
        const std::vector<std::string> sections{"sleepers", "controls", "life"};
        for (int step = 0; step < 60; ++step) {
            const int kind = static_cast<int>(rng() % 10);
            const std::string section = sections[rng() % sections.size()];
            const std::string key = "s" + std::to_string(rng() % 12);
            const int value = static_cast<int>(rng() % 1000);
            state.save_soon([&](nlohmann::json& doc) {
                if (kind < 6) {
                    doc[section][key] = {{"v", value}, {"text", "n\"" + std::to_string(value)}};
                    state.changed(section, key);
                } else if (kind < 8) {
                    if (doc.contains(section)) doc[section].erase(key);
                    state.changed(section, key);
                } else if (kind < 9) {
                    doc[section] = {{key, value}};
                    state.changed(section);
                } else {
                    doc["top"] = value;  // names nothing: written whole
                }
                model = doc;
            });
            ASSERT_EQ(on_disk(dir.file()), model) << "seed " << seed << ", step " << step;
        }
    }
}

}  // namespace
}  // namespace bedtimed
