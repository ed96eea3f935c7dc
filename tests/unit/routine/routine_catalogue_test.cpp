// The step catalogue's rows (daemon/routine/steps.hpp), against
// bedtimed_routine_pure alone: every kind has a row, every row an id, a
// label that reads as words, a Home Assistant decision and a reminder text
// exactly when it is a reminder. What reads the catalogue (the plan, HA
// discovery, the digest): routine_steps_test.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string_view>

#include "steps.hpp"

namespace bedtimed::routine {
namespace {

TEST(StepCatalogue, EveryKindHasARow) {
    for (int k = 0; k < static_cast<int>(StepKind::count); ++k) {
        const auto kind = static_cast<StepKind>(k);
        EXPECT_TRUE(std::any_of(kSteps.begin(), kSteps.end(),
                                [&](const StepRow& r) { return r.kind == kind; }))
            << "StepKind " << k << " has no row in steps.hpp";
    }
}

TEST(StepCatalogue, EveryRowHasAnIdALabelAndAHomeAssistantDecision) {
    std::set<std::string_view> ids;
    const config::SleeperSpec defaults;
    for (const auto& row : kSteps) {
        EXPECT_FALSE(row.id.empty());
        EXPECT_TRUE(ids.insert(row.id).second) << "two rows with id " << row.id;
        EXPECT_EQ(find_step(row.id), &row);
        // A label reads after "you did", and is words, not the id.
        EXPECT_EQ(row.label.substr(0, 4), "the ") << row.id;
        EXPECT_EQ(row.label.find('_'), std::string_view::npos) << row.id;
        EXPECT_NE(row.label, row.id);
        EXPECT_EQ(step_label(row.id), row.label);
        // Switched by itself, by a row that is its own switch, or by none.
        if (!row.switched_by.empty() && row.switched_by != row.id) {
            const StepRow* by = find_step(row.switched_by);
            ASSERT_NE(by, nullptr) << row.id << " is switched by an unknown step";
            EXPECT_EQ(by->switched_by, by->id) << row.id;
        }
        // Every reminder has its text in the config; no other kind claims one.
        EXPECT_EQ(row.reminder(defaults) != nullptr, row.kind == StepKind::reminder) << row.id;
    }
    EXPECT_EQ(find_step("socks"), nullptr);
    EXPECT_EQ(step_label("socks"), "");
}

}  // namespace
}  // namespace bedtimed::routine
