#include "commands.hpp"

#include <cctype>
#include <cmath>
#include <set>

#include "ingest.hpp"

namespace bedtimed::commands {

using nlohmann::json;

namespace {

// Thrown inside the parser only, turned into a CommandError at the edge.
struct Refused {
    std::string reason;
};

// Reads fields of one command object, remembering which were read so that
// anything else can be refused as unknown.
class Fields {
public:
    explicit Fields(const json& obj) : obj_(obj) {}

    const json* get(const char* key) {
        read_.insert(key);
        auto it = obj_.find(key);
        return it == obj_.end() || it->is_null() ? nullptr : &*it;
    }
    std::string text(const char* key, std::size_t max_len = 200, bool required = false) {
        const json* v = get(key);
        if (!v) {
            if (required) throw Refused{std::string("missing \"") + key + "\""};
            return {};
        }
        if (!v->is_string()) throw Refused{std::string("\"") + key + "\" must be a string"};
        auto s = v->get<std::string>();
        if (s.size() > max_len)
            throw Refused{std::string("\"") + key + "\" is longer than " + std::to_string(max_len) + " bytes"};
        for (unsigned char c : s)
            if (c < 0x20) throw Refused{std::string("\"") + key + "\" contains control characters"};
        return s;
    }
    std::optional<double> number(const char* key, double lo, double hi) {
        const json* v = get(key);
        if (!v) return std::nullopt;
        if (!v->is_number()) throw Refused{std::string("\"") + key + "\" must be a number"};
        const double d = v->get<double>();
        if (!std::isfinite(d) || d < lo || d > hi)
            throw Refused{std::string("\"") + key + "\" must be between " + std::to_string(static_cast<int>(lo)) +
                          " and " + std::to_string(static_cast<int>(hi))};
        return d;
    }
    std::optional<bool> flag(const char* key) {
        const json* v = get(key);
        if (!v) return std::nullopt;
        if (!v->is_boolean()) throw Refused{std::string("\"") + key + "\" must be true or false"};
        return v->get<bool>();
    }
    // An ISO-8601 instant no later than a few minutes from now (clock skew
    // between phone and server) and no earlier than ten years back.
    std::optional<WallTime> time(const char* key, WallTime now) {
        const std::string s = text(key, 40);
        if (s.empty()) return std::nullopt;
        auto t = parse_iso8601(s);
        if (!t) throw Refused{std::string("\"") + key + "\" is not an ISO-8601 time"};
        if (*t > now + std::chrono::minutes(5)) throw Refused{std::string("\"") + key + "\" is in the future"};
        if (*t < now - std::chrono::hours(24 * 3653)) throw Refused{std::string("\"") + key + "\" is too far back"};
        return t;
    }
    void no_others() const {
        for (auto it = obj_.begin(); it != obj_.end(); ++it)
            if (!read_.count(it.key())) throw Refused{"unknown field \"" + it.key() + "\""};
    }

private:
    const json& obj_;
    std::set<std::string> read_;
};

std::string side_of(Fields& f) {
    std::string side = f.text("side", 10);
    if (!side.empty() && side != "left" && side != "right" && side != "both")
        throw Refused{"\"side\" must be left, right or both"};
    return side;
}

// The flags of an episode; `given` says whether any was present.
EpisodeFlags flags_of(Fields& f, bool& given) {
    EpisodeFlags flags;
    given = false;
    auto read = [&](const char* key, bool& out) {
        if (auto v = f.flag(key)) {
            out = *v;
            given = true;
        }
    };
    read("swelling", flags.swelling);
    read("redness", flags.redness);
    read("warmth", flags.warmth);
    read("numbness", flags.numbness);
    read("back_pain", flags.back_pain);
    return flags;
}

constexpr double kMaxDurationS = 24 * 3600;

bool required_flag(Fields& f, const char* key) {
    auto v = f.flag(key);
    if (!v) throw Refused{std::string("missing \"") + key + "\""};
    return *v;
}

// "22:30" -> 1350; exactly two digits, a colon, two digits.
std::optional<int> hhmm_minutes(const std::string& t) {
    auto digit = [&](std::size_t i) { return std::isdigit(static_cast<unsigned char>(t[i])) != 0; };
    if (t.size() != 5 || t[2] != ':' || !digit(0) || !digit(1) || !digit(3) || !digit(4)) return std::nullopt;
    const int h = (t[0] - '0') * 10 + (t[1] - '0'), m = (t[3] - '0') * 10 + (t[4] - '0');
    if (h > 23 || m > 59) return std::nullopt;
    return h * 60 + m;
}

Command parse_body(std::string_view verb, Fields& f, WallTime now) {
    if (verb == "log") {
        LogEpisode c;
        c.sleeper = f.text("sleeper", 64);
        c.start = f.time("start", now).value_or(now);
        c.duration_s = f.number("duration_s", 0, kMaxDurationS).value_or(0);
        c.muscle = f.text("muscle", 40);
        c.side = side_of(f);
        c.notes = f.text("notes", 1000);
        c.severity = f.number("severity", 0, 10);
        bool given = false;
        c.flags = flags_of(f, given);
        c.id = f.text("id", 64);
        if (!c.id.empty() && !valid_request_id(c.id)) throw Refused{"\"id\" may hold only A-Z a-z 0-9 _ -"};
        return c;
    }
    if (verb == "edit") {
        EditEpisode c;
        c.source = f.text("source", 64, true);
        c.source_id = f.text("source_id", 128, true);
        c.edit.start = f.time("start", now);
        c.edit.duration_s = f.number("duration_s", 0, kMaxDurationS);
        if (f.get("muscle")) c.edit.muscle = f.text("muscle", 40);
        if (f.get("side")) c.edit.side = side_of(f);
        if (f.get("notes")) c.edit.notes = f.text("notes", 1000);
        c.edit.severity = f.number("severity", 0, 10);
        bool given = false;
        const auto flags = flags_of(f, given);
        if (given) c.edit.flags = flags;
        return c;
    }
    if (verb == "confirm" || verb == "false_positive" || verb == "delete") {
        MarkEpisode c;
        c.mark = verb == "confirm"          ? MarkEpisode::Mark::confirm
                 : verb == "false_positive" ? MarkEpisode::Mark::false_positive
                                            : MarkEpisode::Mark::remove;
        c.source = f.text("source", 64, true);
        c.source_id = f.text("source_id", 128, true);
        return c;
    }
    if (verb == "travel") {
        Travel c;
        c.sleeper = f.text("sleeper", 64);
        c.ended = f.time("ended", now).value_or(now);
        return c;
    }
    if (verb == "heat_off") return HeatOff{};
    if (verb == "pad_test") return PadTest{f.text("pad", 64, true)};
    if (verb == "resume") return Resume{};
    if (verb == "test_notify") return TestNotify{f.text("sleeper", 64)};
    if (verb == "ack") {
        Acknowledge c;
        c.sleeper = f.text("sleeper", 64, true);
        c.step = f.text("step", 40, true);
        return c;
    }
    if (verb == "snooze") {
        Snooze c;
        c.sleeper = f.text("sleeper", 64, true);
        c.step = f.text("step", 40, true);
        return c;
    }
    if (verb == "tier") {
        SetTier c;
        c.sleeper = f.text("sleeper", 64);
        c.tier = f.text("tier", 20, true);
        if (c.tier != "auto" && c.tier != "calm" && c.tier != "moderate" && c.tier != "frequent")
            throw Refused{"\"tier\" must be auto, calm, moderate or frequent"};
        return c;
    }
    if (verb == "routine") return SetRoutineEnabled{f.text("sleeper", 64), required_flag(f, "enabled")};
    if (verb == "step") {
        SetStepEnabled c;
        c.sleeper = f.text("sleeper", 64);
        c.step = f.text("step", 40, true);
        c.enabled = required_flag(f, "enabled");
        return c;
    }
    if (verb == "start_routine") return StartRoutine{f.text("sleeper", 64)};
    if (verb == "bedtime") {
        SetBedtime c;
        c.sleeper = f.text("sleeper", 64);
        const std::string t = f.text("bedtime", 10, true);
        if (t != "auto") {
            c.minutes = hhmm_minutes(t);
            if (!c.minutes) throw Refused{"\"bedtime\" must be HH:MM (00:00 to 23:59) or auto"};
        }
        return c;
    }
    throw Refused{"unknown command \"" + std::string(verb) + "\""};
}

// A button's action id sent back as the whole payload (what the Home
// Assistant automation in the README publishes): BEDTIMED_DONE:<sleeper>:<step>
// on `ack`, BEDTIMED_SNOOZE:<sleeper>:<step> on `snooze`.
std::variant<Command, CommandError> parse_action_id(std::string_view verb, std::string_view id) {
    const std::string_view prefix = verb == "ack" ? "BEDTIMED_DONE:" : "BEDTIMED_SNOOZE:";
    if (id.substr(0, prefix.size()) != prefix) {
        const std::string other = verb == "ack" ? "snooze" : "ack";
        return CommandError{"\"" + std::string(id.substr(0, id.find(':'))) + "\" answers belong on cmd/" + other +
                            ", not cmd/" + std::string(verb)};
    }
    id.remove_prefix(prefix.size());
    const auto colon = id.find(':');
    const std::string_view sleeper = id.substr(0, colon);
    const std::string_view step = colon == std::string_view::npos ? std::string_view() : id.substr(colon + 1);
    auto plain = [](std::string_view s, std::size_t max) {
        if (s.empty() || s.size() > max) return false;
        for (char c : s)
            if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) return false;
        return true;
    };
    if (!plain(sleeper, 64) || !plain(step, 40))
        return CommandError{"an action id must read " + std::string(prefix) + "<sleeper>:<step>"};
    if (verb == "ack") return Command{Acknowledge{std::string(sleeper), std::string(step)}};
    return Command{Snooze{std::string(sleeper), std::string(step)}};
}

}  // namespace

bool valid_request_id(std::string_view id) noexcept {
    if (id.empty() || id.size() > 64) return false;
    for (char c : id)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) return false;
    return true;
}

Request parse_command(std::string_view verb, std::string_view payload, WallTime now) {
    Request r;
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
    } else if ((verb == "ack" || verb == "snooze") && body.substr(0, 9) == "BEDTIMED_") {
        while (!body.empty() && (body.back() == ' ' || body.back() == '\n' || body.back() == '\r')) body.remove_suffix(1);
        r.command = parse_action_id(verb, body);
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
        Command c = parse_body(verb, f, now);
        f.no_others();
        r.command = std::move(c);
    } catch (const Refused& e) {
        r.command = CommandError{e.reason};
    }
    return r;
}

}  // namespace bedtimed::commands
