// Notifiers: where reminders go (the log, an MQTT topic; the phone channels
// ntfy, Gotify and the Home Assistant app arrive with the notifications work).
//
// Threads: loop thread only. A notifier borrows the Bus and Clock from its
// NotifierContext (owned by App, which outlives it). notify() never blocks and
// never throws apart from std::bad_alloc: failures are logged and counted.
// Factories throw config::ConfigError naming the offending option.
#pragma once

#include <spdlog/logger.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bus.hpp"
#include "clock.hpp"
#include "config.hpp"
#include "options.hpp"

namespace bedtimed::integrations {

struct Reminder {
    std::string sleeper;
    std::string step;     // "hydration", "stretch", "episode", ...
    std::string title;
    std::string message;
    bool urgent = false;  // red-flag notices; delivered even in quiet hours
    WallTime at;
};

class Notifier {
public:
    virtual ~Notifier() = default;
    virtual void notify(const Reminder& reminder) = 0;
};

struct NotifierContext {
    Bus& bus;
    Clock& clock;
    std::shared_ptr<spdlog::logger> log;
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
