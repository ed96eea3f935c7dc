#include "steps.hpp"

namespace bedtimed::routine {

const StepRow* find_step(std::string_view id) noexcept {
    for (const auto& row : kSteps)
        if (row.id == id) return &row;
    return nullptr;
}

std::string_view step_label(std::string_view id) noexcept {
    const StepRow* row = find_step(id);
    return row ? row->label : std::string_view();
}

std::vector<std::string> switchable_steps(const config::SleeperSpec& sleeper) {
    std::vector<std::string> out;
    for (const auto& row : kSteps)
        if (row.switched_by == row.id && row.configured(sleeper)) out.emplace_back(row.id);
    return out;
}

}  // namespace bedtimed::routine
