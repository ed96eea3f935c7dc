// libFuzzer target: command payloads (daemon/commands/commands.*, verbs.hpp), where bedtimectl's
// and Home Assistant's buttons land. Input: one byte picks the verb (or, past
// the known verbs, the first line is the verb), then the payload.
#include <cstdint>
#include <cstdlib>
#include <iterator>

#include "commands.hpp"
#include "fuzz_input.hpp"

using namespace bedtimed;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::FuzzInput in(data, size);
    const std::size_t pick = in.take_byte();
    constexpr std::size_t verbs = std::size(commands::kVerbs);
    const std::string_view verb =
        pick < verbs * 20 ? commands::kVerbs[pick % verbs].name : in.take_line();
    const auto request = commands::parse_command(verb, in.rest(), fuzz::fixed_now());
    // A request_id that is taken is always one that is safe in a reply topic.
    if (!request.request_id.empty() && !commands::valid_request_id(request.request_id))
        std::abort();
    if (const auto* err = std::get_if<commands::CommandError>(&request.command))
        if (err->reason.empty()) std::abort();
    return 0;
}
