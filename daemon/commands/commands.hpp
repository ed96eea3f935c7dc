// Command topics: what bedtimectl, Home Assistant and scripts may ask of the
// running daemon, parsed strictly from untrusted MQTT payloads.
//
// Protocol: publish a JSON object to `<base>/cmd/<verb>` (QoS 1, not
// retained). With a "request_id" ([A-Za-z0-9_-]{1,64}) the daemon answers on
// `<base>/reply/<request_id>` with {"ok":true,...} or {"ok":false,"error":...}.
// Unknown verbs, unknown fields and wrong types are refused, never guessed at.
// The verbs, their arguments and parsers are the table in verbs.hpp; their
// handlers are in dispatch.cpp.
//
// Pure: no I/O, no clock ("now" is passed in). Any thread. Never throws apart
// from std::bad_alloc: a bad payload yields a CommandError.
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "clock.hpp"
#include "verbs.hpp"

namespace bedtimed::commands {

struct CommandError {
    std::string reason;
};

struct Request {
    std::string request_id;  // "" = no reply wanted
    std::variant<Command, CommandError> command;
};

// `verb` is the topic's last level (a row's name or alias). A request_id is
// taken even when the rest of the payload is refused, so the sender hears why.
Request parse_command(std::string_view verb, std::string_view payload, WallTime now);

}  // namespace bedtimed::commands
