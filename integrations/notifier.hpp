// Notifiers: where reminders go (the log, an MQTT topic, and the phone
// channels over HTTP: ntfy, Gotify, the Home Assistant app, a webhook).
//
// Threads: loop thread only. A notifier borrows the Bus, Clock, io_context and
// Counters from its NotifierContext (owned by RoutineRunner/App, which outlive
// it). notify() never blocks and never throws apart from std::bad_alloc:
// failures are logged and counted. HTTP notifiers send in the background on
// the io_context; destroying one abandons what it has not delivered yet.
// Factories throw config::ConfigError naming the offending option.
#pragma once

#include <spdlog/logger.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bus.hpp"
#include "clock.hpp"
#include "config.hpp"
#include "counters.hpp"
#include "options.hpp"

namespace boost::asio {
class io_context;
}

namespace bedtimed::integrations {

struct Reminder {
    std::string sleeper;
    std::string step;  // "hydration", "stretch", "episode", ...
    std::string title;
    std::string message;
    bool urgent = false;  // red-flag notices; delivered even in quiet hours
    WallTime at;
    // How long "Snooze" puts it off; zero = no Snooze button (urgent, or
    // snoozed twice already). Set by the ReminderDesk (daemon/routine/reminder_desk.hpp).
    std::chrono::minutes snooze{10};
    // Answer buttons instead of "Done" (the morning check-in): each sends its
    // action id back as a button does (BEDTIMED_CHECKIN:<sleeper>:<answer>).
    struct Answer {
        std::string label, action_id;
    };
    std::vector<Answer> answers{};
};

// The ids of the Done / Snooze buttons, as the phone sends them back
// (`<base>/cmd/ack` and `<base>/cmd/snooze` accept them as the payload).
std::string done_action_id(const std::string& sleeper, const std::string& step);
std::string snooze_action_id(const std::string& sleeper, const std::string& step);
// The morning check-in's answer buttons (`<base>/cmd/checkin` accepts them).
std::string checkin_action_id(const std::string& sleeper, const std::string& answer);

class Notifier {
public:
    virtual ~Notifier() = default;
    virtual void notify(const Reminder& reminder) = 0;
    // Done came back (from this phone or another): take the reminder away
    // where the channel can (docs/notifications.md says which can); the
    // default does nothing. Must not throw.
    virtual void clear(const Reminder&) {}
};

struct NotifierContext {
    Bus& bus;
    Clock& clock;
    std::shared_ptr<spdlog::logger> log;
    // The loop HTTP notifiers send on. Null means no network (`simulate`,
    // `--check-config`, tests of other parts): they check their options and
    // only log, at debug level, what they would have sent.
    boost::asio::io_context* io = nullptr;
    // Where notify_delivered/_retries/_failures/_dropped are counted; may be null.
    Counters* counters = nullptr;
    // False in `simulate`: token and password files are not read (they may
    // belong to the daemon's user), only required to be named.
    bool read_secrets = true;
};

struct NotifierIntegration {
    std::string_view name;  // matches `type:` in the config
    std::unique_ptr<Notifier> (*create)(const config::NotifierSpec& spec, OptionReader& options,
                                        NotifierContext& ctx);
};

// The explicit list of every notifier integration (registry.cpp).
const std::vector<const NotifierIntegration*>& notifier_integrations();
const NotifierIntegration* find_notifier_integration(std::string_view name);

}  // namespace bedtimed::integrations
