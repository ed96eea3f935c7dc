#include "commands.hpp"

#include <cctype>

#include "ingest.hpp"

namespace bedtimed::commands {

using nlohmann::json;

namespace {

bool plain_word(std::string_view s, std::size_t max) {
    if (s.empty() || s.size() > max) return false;
    for (char c : s)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) return false;
    return true;
}

// A reminder button's action id sent back as the whole payload (what the
// Home Assistant automation in docs/notifications.md publishes), e.g.
// BEDTIMED_DONE:<sleeper>:<step> on `ack`: the row's action_prefix names it.
std::variant<Command, CommandError> parse_action_id(const Verb& verb, std::string_view id,
                                                    WallTime now) {
    if (id.substr(0, verb.action_prefix.size()) != verb.action_prefix) {
        // Another phone verb's answer, or none: name the verb it belongs on.
        std::string_view other;
        for (const auto& v : kVerbs)
            if ((v.callers & kByPhone) && &v != &verb) other = v.name;
        for (const auto& v : kVerbs)
            if (!v.action_prefix.empty() && id.substr(0, v.action_prefix.size()) == v.action_prefix)
                other = v.name;
        return CommandError{"\"" + std::string(id.substr(0, id.find(':'))) +
                            "\" answers belong on cmd/" + std::string(other) + ", not cmd/" +
                            std::string(verb.name)};
    }
    id.remove_prefix(verb.action_prefix.size());
    const auto colon = id.find(':');
    const std::string_view sleeper = id.substr(0, colon);
    const std::string_view step =
        colon == std::string_view::npos ? std::string_view() : id.substr(colon + 1);
    if (!plain_word(sleeper, 64) || !plain_word(step, 40))
        return CommandError{"an action id must read " + std::string(verb.action_prefix) +
                            "<sleeper>:<step>"};
    json obj = {{"sleeper", sleeper}, {std::string(verb.action_field), step}};
    if (verb.action_field != "step") obj["channel"] = "phone";
    Fields f(obj);
    return verb.parse(f, now);
}

}  // namespace

Request parse_command(std::string_view verb_name, std::string_view payload, WallTime now) {
    Request r;
    const Verb* verb = find_verb(verb_name);
    // Home Assistant buttons send a bare word (e.g. "PRESS"); an empty body
    // means "no arguments" too.
    std::string_view body = payload;
    while (!body.empty() && (body.front() == ' ' || body.front() == '\n')) body.remove_prefix(1);
    json obj = json::object();
    if (!body.empty() && body.front() == '{') {
        std::string error;
        auto parsed = parse_untrusted_json(payload, error);
        if (!parsed || !parsed->is_object()) {
            r.command = CommandError{parsed ? "the payload must be a JSON object" : error};
            return r;
        }
        obj = std::move(*parsed);
    } else if (verb && (verb->callers & kByPhone) && body.substr(0, 9) == "BEDTIMED_") {
        while (!body.empty() && (body.back() == ' ' || body.back() == '\n' || body.back() == '\r'))
            body.remove_suffix(1);
        r.command = parse_action_id(*verb, body, now);
        return r;
    } else if (!body.empty() && body != "PRESS") {
        r.command = CommandError{"the payload must be a JSON object"};
        return r;
    }
    try {
        Fields f(obj);
        r.request_id = f.text("request_id", 64);
        if (!r.request_id.empty() && !valid_request_id(r.request_id)) {
            r.request_id.clear();
            throw Refused{"\"request_id\" may hold only A-Z a-z 0-9 _ - (at most 64)"};
        }
        if (!verb) throw Refused{"unknown command \"" + std::string(verb_name) + "\""};
        Command c = verb->parse(f, now);
        f.no_others();
        r.command = std::move(c);
    } catch (const Refused& e) {
        r.command = CommandError{e.reason};
    }
    return r;
}

}  // namespace bedtimed::commands
