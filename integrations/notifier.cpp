#include "notifier.hpp"

namespace bedtimed::integrations {

// Sleeper and step names never contain ':' (config names are [A-Za-z0-9_-]),
// so the id splits back unambiguously (commands.cpp).
std::string done_action_id(const std::string& sleeper, const std::string& step) {
    return "BEDTIMED_DONE:" + sleeper + ":" + step;
}

std::string snooze_action_id(const std::string& sleeper, const std::string& step) {
    return "BEDTIMED_SNOOZE:" + sleeper + ":" + step;
}

std::string checkin_action_id(const std::string& sleeper, const std::string& answer) {
    return "BEDTIMED_CHECKIN:" + sleeper + ":" + answer;
}

}  // namespace bedtimed::integrations
