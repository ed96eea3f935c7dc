// The command topic's executor: takes each message on `<base>/cmd/<verb>`,
// parses it (parse_command, pure), runs the verb's handler on the parts it
// acts on, and answers on `<base>/reply/<request_id>`. The handlers, one per
// argument type of the verb table (verbs.hpp), are in dispatch.cpp.
//
// Threads: loop thread only. Ownership: borrows everything in Parts from the
// Household (app/household.hpp), which owns the dispatcher; the runner, the
// actuators and the desk are reached through the Household's owning pointers
// because a reload replaces them. Nothing here throws apart from std::bad_alloc: a refused command
// is answered, logged (rate-limited) and counted in commands_rejected.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <string>

#include "actuators.hpp"
#include "bus.hpp"
#include "clock.hpp"
#include "config.hpp"
#include "counters.hpp"
#include "cramp_log.hpp"
#include "log.hpp"
#include "reminder_desk.hpp"
#include "routine_runner.hpp"
#include "safe_mode.hpp"

namespace bedtimed::commands {

// What the handlers act on, as the Household owns it.
struct Parts {
    Clock& clock;
    Counters& counters;
    Bus& bus;
    const std::shared_ptr<const config::Config>& cfg;  // replaced on reload
    CrampLog& cramp_log;
    const std::unique_ptr<RoutineRunner>& runner;  // these three are replaced on reload
    const std::unique_ptr<Actuators>& actuators;
    const std::unique_ptr<ReminderDesk>& desk;
    SafeMode& safe_mode;
    // The App's state topics (through the Household's hooks): Home Assistant's event for a
    // hand-logged episode (<base>/<sleeper>/episode), and <base>/safe_mode after a resume.
    std::function<void(const std::string& sleeper, const nlohmann::json& fields)> episode_logged;
    std::function<void()> safe_mode_changed;
};

class Dispatcher {
public:
    // Subscribes to <base>/cmd/+ (QoS 1) on parts.bus.
    explicit Dispatcher(Parts parts);

    // One message on <base>/cmd/<verb>: refused when retained, else parsed,
    // run and answered (a pad test answers when it ends).
    void on_message(const Message& msg);
    // One command from another channel (the web page): the same table, parser,
    // handler and counters as on_message; `origin` names the channel in the
    // log (e.g. "web"). Returns the reply body ({"ok":true,...} or
    // {"ok":false,"error":...}); a deferred verb (pad_test) answers
    // {"ok":true,"deferred":true} and its result goes to the log only.
    nlohmann::json execute(std::string_view verb, const std::string& payload,
                           const std::string& origin);

private:
    void refuse(const Message& msg, const std::string& request_id, const std::string& why);
    // Counts and logs a refusal (rate-limited); returns its reply body.
    nlohmann::json refusal(const std::string& where, const std::string& why);
    // The shared path: parse, run, count. `where` is the topic (or the channel).
    nlohmann::json run_request(std::string_view verb, const std::string& payload,
                               const std::string& where, std::string& request_id);

    Parts parts_;
    std::shared_ptr<spdlog::logger> log_;
    RateLimitedLog reject_log_{10, std::chrono::minutes(1)};
};

// Publishes `body` on <base>/reply/<request_id>; nothing for an empty id.
void reply(const Parts& parts, const std::string& request_id, const nlohmann::json& body);

}  // namespace bedtimed::commands
