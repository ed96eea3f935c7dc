// The verbs about the house rather than the log, sent to the daemon as MQTT
// commands like every verb (daemon_commands.cpp has the shared sending):
// heat and safe mode, notifications, the reminders' Done and Snooze, the
// tier, and the routine's switches (what Home Assistant's entities send).
#include <cstdio>

#include "cli.hpp"

namespace bedtimed::ctl {

namespace {

[[noreturn]] void usage_error(const std::string& what) { throw CtlError(kExitUsage, what); }

// {"sleeper": ...} when --sleeper or the config names one, else {} (the
// daemon then takes its only sleeper, or says to name one).
nlohmann::json sleeper_fields(Invocation& inv) {
    nlohmann::json j = nlohmann::json::object();
    if (const std::string s = inv.sleeper(false); !s.empty()) j["sleeper"] = s;
    return j;
}

// "on" or "off" at positional `i`, as the daemon's "enabled".
bool on_off(const Invocation& inv, std::size_t i) {
    const std::string& v = inv.positional.at(i);
    if (v != "on" && v != "off") usage_error("'" + v + "': say on or off");
    return v == "on";
}

std::string done(const nlohmann::json&) { return "done"; }

int run_pad_off(Invocation& inv) {
    return send_verb(inv, nlohmann::json::object(), [](const nlohmann::json& r) {
        std::string pads;
        if (const auto it = r.find("pads"); it != r.end() && it->is_array()) {
            for (const auto& p : *it) {
                if (!pads.empty()) pads += ", ";
                pads += p.is_string() ? p.get<std::string>() : p.dump();
            }
        }
        return "all heat off" + (pads.empty() ? std::string() : ": " + pads);
    });
}

int run_pad_test(Invocation& inv) {
    return send_verb(inv, {{"pad", inv.positional.at(0)}}, [](const nlohmann::json& r) {
        return text_of(r, "pad") + ": " + text_of(r, "result");
    });
}

int run_resume(Invocation& inv) {
    return send_verb(inv, nlohmann::json::object(), [](const nlohmann::json&) {
        return std::string("safe mode ended: the routine runs again");
    });
}

int run_test_notify(Invocation& inv) {
    nlohmann::json j = nlohmann::json::object();
    if (auto s = inv.get("--sleeper")) j["sleeper"] = *s;
    return send_verb(inv, std::move(j), [](const nlohmann::json& r) {
        const auto it = r.find("sent");
        const auto n = it != r.end() && it->is_number() ? it->get<long long>() : 0;
        return "sent " + std::to_string(n) + " test notification" + (n == 1 ? "" : "s");
    });
}

int run_ack(Invocation& inv) {
    return send_verb(
        inv, {{"sleeper", inv.sleeper(true)}, {"step", inv.positional.at(0)}},
        [](const nlohmann::json&) { return std::string("done, for tonight's reminder"); });
}

int run_snooze(Invocation& inv) {
    return send_verb(
        inv, {{"sleeper", inv.sleeper(true)}, {"step", inv.positional.at(0)}},
        [](const nlohmann::json& r) { return "snoozed until " + text_of(r, "again_at"); });
}

int run_tier(Invocation& inv) {
    nlohmann::json j = sleeper_fields(inv);
    j["tier"] = inv.positional.at(0);
    return send_verb(inv, std::move(j), done);
}

int run_routine(Invocation& inv) {
    nlohmann::json j = sleeper_fields(inv);
    j["enabled"] = on_off(inv, 0);
    return send_verb(inv, std::move(j), done);
}

int run_step(Invocation& inv) {
    nlohmann::json j = sleeper_fields(inv);
    j["step"] = inv.positional.at(0);
    j["enabled"] = on_off(inv, 1);
    return send_verb(inv, std::move(j), done);
}

int run_start_routine(Invocation& inv) { return send_verb(inv, sleeper_fields(inv), done); }

int run_bedtime(Invocation& inv) {
    nlohmann::json j = sleeper_fields(inv);
    j["bedtime"] = inv.positional.at(0);
    return send_verb(inv, std::move(j), done);
}

int run_profile(Invocation& inv) {
    nlohmann::json j = sleeper_fields(inv);
    j["profile"] = inv.positional.at(0);
    if (const auto until = inv.get("--until")) j["until"] = *until;
    return send_verb(inv, std::move(j), done);
}

int run_hand_back(Invocation& inv) {
    nlohmann::json j = sleeper_fields(inv);
    if (const auto device = inv.get("--device")) j["device"] = *device;
    return send_verb(inv, std::move(j), done);
}

const OptionSpec kSleeper{"--sleeper", "NAME", "which sleeper (optional with one sleeper)"};

}  // namespace

std::vector<CommandSpec> house_commands() {
    return {
        verb_command(
            "pad_off", "",
            "bedtimed switches every pad off, says which, and sends no more routine heat\n"
            "tonight. If bedtimed is not running, switch the plugs off by hand: their own\n"
            "on-time cap stops them anyway.",
            {}, 0, run_pad_off),
        verb_command("pad_test", "PAD",
                     "Switches PAD on with a 5 s cap on the plug itself and no OFF from bedtimed\n"
                     "for 15 s, and reports whether the plug switched itself off. A pass marks\n"
                     "the pad's device cap 'verified'; a fail marks it 'none' (bedtimed then\n"
                     "stops heat on its own timer only). At most about 15 s of heat; refused\n"
                     "while the pad is on or its sleeper is asleep.",
                     {}, 1, run_pad_test),
        verb_command("resume", "",
                     "After bedtimed restarted too often it starts with every pad off and the\n"
                     "routine paused, until a person says so with this command.",
                     {}, 0, run_resume),
        verb_command("test_notify", "", "Example: bedtimectl test-notify --sleeper alex",
                     {{"--sleeper", "NAME", "only this sleeper's notifiers (default: all)"}}, 0,
                     run_test_notify),
        verb_command("ack", "STEP",
                     "What the reminder's Done button does: STEP (stretch, hydration, ...) counts\n"
                     "as done tonight. Example: bedtimectl ack stretch --sleeper alex",
                     {kSleeper}, 1, run_ack),
        verb_command("snooze", "STEP",
                     "What the reminder's Snooze button does: tonight's reminder of STEP comes\n"
                     "again later (at most twice). Example: bedtimectl snooze stretch",
                     {kSleeper}, 1, run_snooze),
        verb_command("tier", "TIER",
                     "TIER is calm, moderate or frequent, pinned until changed; auto hands the\n"
                     "choice back to the adaptive tier. Example: bedtimectl tier frequent",
                     {kSleeper}, 1, run_tier),
        verb_command("routine", "on|off", "Example: bedtimectl routine off --sleeper alex",
                     {kSleeper}, 1, run_routine),
        verb_command("step", "STEP on|off",
                     "STEP is hydration, supplement, stretch, active_day or prewarm.\n"
                     "Example: bedtimectl step prewarm off",
                     {kSleeper}, 2, run_step),
        verb_command("start_routine", "",
                     "Tonight's steps not yet run move so that the first of them is due now,\n"
                     "keeping their spacing (the heat rules still apply).",
                     {kSleeper}, 0, run_start_routine),
        verb_command("bedtime", "HH:MM|auto",
                     "The bedtime of every night from now, in the sleeper's time zone; auto goes\n"
                     "back to the configured bedtimes.\n"
                     "Example: bedtimectl bedtime 23:15",
                     {kSleeper}, 1, run_bedtime),
        verb_command("profile", "PROFILE",
                     "PROFILE is normal (the config as written) or one of the sleeper's profiles\n"
                     "(guest, travel, sick, vacation, ...), kept across restarts. --until ends it\n"
                     "then (local \"YYYY-MM-DD HH:MM\", \"HH:MM\" = the next one, or RFC 3339).\n"
                     "Example: bedtimectl profile guest --until \"2026-12-06 18:00\"",
                     {kSleeper, {"--until", "TIME", "back to normal at TIME"}}, 1, run_profile),
        verb_command("hand_back", "",
                     "A pad or bed a person switched is left alone for a while (the hand-off);\n"
                     "this hands --device (default: every one) back. A pad switched OFF by hand\n"
                     "still gets no more heat tonight: that rule of the heat governor stays.",
                     {kSleeper, {"--device", "NAME", "only this pad or bed"}}, 0, run_hand_back),
    };
}

}  // namespace bedtimed::ctl
