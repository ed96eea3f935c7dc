// libFuzzer target: a wearable's episode payload (daemon/rules/ingest.*), through
// each shape of WearableSpec the config can produce, plus the ISO-8601 reader.
// Input: one selector byte, then the payload.
#include <cstdint>
#include <cstdlib>

#include "fuzz_input.hpp"
#include "ingest.hpp"

using namespace bedtimed;

namespace {

config::WearableSpec spec_for(std::uint8_t selector) {
    config::WearableSpec w;
    w.name = "band";
    w.topic = "wearables/band/episode";
    w.fields.id = "id";
    w.fields.duration = "duration_s";
    switch (selector % 5) {
        case 0:  // every field, seconds
            w.fields.start = "ts";
            w.fields.muscle = "muscle";
            w.fields.side = "side";
            w.fields.severity = "severity";
            break;
        case 1:  // milliseconds, scaled duration
            w.fields.start = "t";
            w.fields.duration = "len";
            w.start_epoch_unit = config::TimeUnit::milliseconds;
            w.duration_scale = 0.001;
            break;
        case 2:  // nanoseconds
            w.fields.start = "ts";
            w.start_epoch_unit = config::TimeUnit::nanoseconds;
            break;
        case 3:  // nested paths through objects and arrays
            w.fields.id = "meta.id";
            w.fields.duration = "data.0.seconds";
            w.fields.start = "meta.when";
            w.fields.severity = "data.1.sev";
            break;
        default:  // minutes, no start (arrival time), tight limits
            w.duration_scale = 60;
            w.max_duration_s = 600;
            w.max_future_skew = std::chrono::seconds(0);
            w.max_age = std::chrono::hours(1);
            break;
    }
    return w;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::FuzzInput in(data, size);
    const auto spec = spec_for(in.take_byte());
    const auto payload = in.rest();
    const WallTime now = fuzz::fixed_now();

    auto parsed = parse_episode(spec, spec.topic, payload, now);
    if (auto* e = std::get_if<Episode>(&parsed)) {
        // What an accepted episode promises to everything downstream.
        if (!std::isfinite(e->duration_s) || e->duration_s < 0 ||
            e->duration_s > spec.max_duration_s)
            std::abort();
        if (e->id_text.empty() || e->start > now + spec.max_future_skew) std::abort();
        if (e->severity && (*e->severity < spec.severity_min || *e->severity > spec.severity_max))
            std::abort();
        for (const char* f : {"id", "source", "start", "duration_s", "muscle", "side", "severity"})
            (void)to_json_text(episode_field(*e, f));
    } else if (std::get<Rejection>(parsed).reason.empty()) {
        std::abort();  // every rejection says why, for the log line
    }

    // The timestamp reader on its own: whatever it accepts must format again.
    if (auto t = parse_iso8601(payload)) (void)format_iso8601(*t);
    (void)valid_utf8(payload);
    return 0;
}
