#include "dispatch.hpp"

#include "ingest.hpp"

namespace bedtimed::commands {

namespace {

using Result = CrampLog::Result;

// One command being run: the parts, and where it came from.
struct Call {
    const Parts& parts;
    spdlog::logger& log;
    const std::string& topic;       // for the log and the reason of a heat off
    const std::string& request_id;  // a pad test answers it later
};

// Runs `fn` on the sleeper a command names (or the only one); fn returns "" or why not.
template <class Fn>
Result on_sleeper(const Call& call, const std::string& named, Fn&& fn) {
    const std::string name = call.parts.cramp_log.resolve_sleeper(named);
    if (name.empty())
        return {false,
                named.empty() ? "name the sleeper (there is more than one)"
                              : "unknown sleeper \"" + named + "\"",
                {}};
    const auto error = fn(name);
    return {error.empty(), error, {}};
}

// ---- The cramp log ------------------------------------------------------

Result run(const Call& call, const LogEpisode& c) {
    auto result = call.parts.cramp_log.log(c);
    if (result.ok)
        call.parts.episode_logged(call.parts.cramp_log.resolve_sleeper(c.sleeper),
                                  {{"source", "manual"},
                                   {"duration_s", c.duration_s},
                                   {"muscle", c.muscle},
                                   {"side", c.side}});
    return result;
}
Result run(const Call& call, const EditEpisode& c) { return call.parts.cramp_log.edit(c); }
Result run(const Call& call, const MarkEpisode& c) { return call.parts.cramp_log.mark(c); }
Result run(const Call& call, const Travel& c) { return call.parts.cramp_log.travel(c); }

Result run(const Call& call, const SetTier& c) {
    auto result = call.parts.cramp_log.set_tier(c);
    // Tonight's steps follow the new tier at once.
    if (result.ok) call.parts.runner->reevaluate();
    return result;
}

Result run(const Call& call, const CheckIn& c) {
    auto result = call.parts.cramp_log.checkin(c);
    // This morning's question is answered: as Done on a reminder, no snoozed
    // copy comes again and the other phones' copies are cleared.
    if (result.ok && c.night.empty())
        call.parts.desk->done(call.parts.cramp_log.resolve_sleeper(c.sleeper), "checkin");
    return result;
}

Result run(const Call& call, const Experiment& c) {
    auto result = call.parts.cramp_log.experiment(c);
    // Tonight's steps follow the experiment's arm at once.
    if (result.ok) call.parts.runner->reevaluate();
    return result;
}

// ---- The reminders ------------------------------------------------------

Result run(const Call& call, const Acknowledge& c) {
    call.parts.desk->done(c.sleeper, c.step);
    return call.parts.cramp_log.acknowledge(c.sleeper, call.parts.runner->night_of(c.sleeper),
                                            c.step);
}

Result run(const Call& call, const Snooze& c) {
    const auto answer = call.parts.desk->snooze(c.sleeper, c.step);
    if (!answer.ok) return {false, answer.error, {}};
    Result result;
    result.reply["again_at"] = format_iso8601(answer.again_at);
    return result;
}

Result run(const Call& call, const TestNotify& c) {
    const Parts& p = call.parts;
    if (!c.sleeper.empty() && p.cramp_log.resolve_sleeper(c.sleeper).empty())
        return {false, "unknown sleeper \"" + c.sleeper + "\"", {}};
    int sent = 0;
    for (const auto& name : p.runner->sleeper_names())
        if (c.sleeper.empty() || c.sleeper == name)
            sent += p.runner->notify(integrations::Reminder{
                name, "test", "bedtimed test", "This is a test notification from bedtimed.", false,
                p.clock.wall_now()});
    Result result;
    result.reply["sent"] = sent;
    return result;
}

// ---- The routine ----------------------------------------------------------

Result run(const Call& call, const SetRoutineEnabled& c) {
    return on_sleeper(call, c.sleeper, [&](const std::string& s) {
        return call.parts.runner->set_routine_enabled(s, c.enabled);
    });
}
Result run(const Call& call, const SetStepEnabled& c) {
    return on_sleeper(call, c.sleeper, [&](const std::string& s) {
        return call.parts.runner->set_step_enabled(s, c.step, c.enabled);
    });
}
Result run(const Call& call, const StartRoutine& c) {
    return on_sleeper(call, c.sleeper,
                      [&](const std::string& s) { return call.parts.runner->start_now(s); });
}
Result run(const Call& call, const SetBedtime& c) {
    return on_sleeper(call, c.sleeper, [&](const std::string& s) {
        return call.parts.runner->set_bedtime(s, c.minutes);
    });
}

Result run(const Call& call, const SetProfile& c) {
    return on_sleeper(call, c.sleeper, [&](const std::string& s) {
        return call.parts.runner->set_profile(s, c.profile, c.until);
    });
}
Result run(const Call& call, const HandBack& c) {
    return on_sleeper(call, c.sleeper, [&](const std::string& s) {
        return call.parts.runner->hand_back(s, c.device);
    });
}

// ---- Heat and safe mode ---------------------------------------------------

Result run(const Call& call, const PadOff&) {
    Result result;
    result.reply["pads"] = call.parts.runner->all_heat_off("heat off requested on " + call.topic);
    return result;
}

Result run(const Call& call, const PadTest& c) {
    const Parts* parts = &call.parts;  // the Dispatcher's, which outlives the test
    spdlog::logger* log = &call.log;
    const std::string error = call.parts.actuators->pad_test(
        c.pad, [parts, log, request_id = call.request_id, pad = c.pad](const std::string& result) {
            log->info("pad test of {}: {}", pad, result);
            reply(*parts, request_id,
                  {{"ok", true},
                   {"pad", pad},
                   {"result", result},
                   {"verified", result.rfind("PASSED", 0) == 0}});
        });
    if (!error.empty()) return {false, error, {}};
    Result result;
    result.reply["deferred"] = true;  // the reply comes when the test ends (about 5-15 s)
    return result;
}

Result run(const Call& call, const Resume&) {
    const Parts& p = call.parts;
    if (!p.safe_mode.active()) return {false, "bedtimed is not in safe mode", {}};
    p.safe_mode.resume();
    call.log.warn("safe mode ended (resumed on {})", call.topic);
    p.actuators->set_safe_mode(false);
    p.runner->set_paused(false);
    p.safe_mode_changed();
    return {};
}

}  // namespace

void reply(const Parts& parts, const std::string& request_id, const nlohmann::json& body) {
    if (request_id.empty()) return;
    parts.bus.publish(parts.cfg->mqtt.base_topic + "/reply/" + request_id, body.dump(), 1, false);
}

Dispatcher::Dispatcher(Parts parts) : parts_(std::move(parts)), log_(logger("main")) {
    parts_.bus.subscribe(parts_.cfg->mqtt.base_topic + "/cmd/+", 1,
                         [this](const Message& m) { on_message(m); });
}

void Dispatcher::refuse(const Message& msg, const std::string& request_id, const std::string& why) {
    reply(parts_, request_id, refusal(msg.topic, why));
}

nlohmann::json Dispatcher::refusal(const std::string& where, const std::string& why) {
    ++parts_.counters.commands_rejected;
    std::uint64_t suppressed = 0;
    if (reject_log_.allow(parts_.clock.steady_now(), suppressed))
        log_->warn("command refused on {}: {}{}", where, why,
                   suppressed ? " (" + std::to_string(suppressed) + " similar suppressed)" : "");
    return {{"ok", false}, {"error", why}};
}

nlohmann::json Dispatcher::run_request(std::string_view verb, const std::string& payload,
                                       const std::string& where, std::string& request_id) {
    const auto request = parse_command(verb, payload, parts_.clock.wall_now());
    request_id = request.request_id;
    if (const auto* err = std::get_if<CommandError>(&request.command))
        return refusal(where, err->reason);
    const Call call{parts_, *log_, where, request.request_id};
    const Result result = std::visit([&](const auto& args) { return run(call, args); },
                                     std::get<Command>(request.command));
    if (!result.ok) return refusal(where, result.error);
    ++parts_.counters.commands;
    log_->info("command {} done", verb);
    auto body = result.reply;
    body["ok"] = true;
    return body;
}

void Dispatcher::on_message(const Message& msg) {
    const std::string verb = msg.topic.substr(msg.topic.rfind('/') + 1);
    // A retained command would run again on every reconnect.
    if (msg.retained)
        return refuse(msg, "", "retained commands are ignored (publish without retain)");
    std::string request_id;
    const auto body = run_request(verb, msg.payload, msg.topic, request_id);
    if (body.contains("deferred")) return;  // it replies itself when done
    reply(parts_, request_id, body);
}

nlohmann::json Dispatcher::execute(std::string_view verb, const std::string& payload,
                                   const std::string& origin) {
    std::string request_id;
    return run_request(verb, payload, origin, request_id);
}

}  // namespace bedtimed::commands
