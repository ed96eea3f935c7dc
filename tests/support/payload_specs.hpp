// What the payload parser tests share: the wearable spec most of their
// payloads are written for. Pure; any thread; nothing throws.
#pragma once

#include "config.hpp"

namespace bedtimed::test {

// A band sending {"id", "ts", "duration_s", "muscle", "side", "severity"}:
// start in epoch seconds or ISO-8601, durations in seconds up to an hour,
// severity 0..10.
inline config::WearableSpec band_spec() {
    config::WearableSpec w;
    w.name = "band";
    w.topic = "wearables/left/episode";
    w.fields.id = "id";
    w.fields.start = "ts";
    w.fields.duration = "duration_s";
    w.fields.muscle = "muscle";
    w.fields.side = "side";
    w.fields.severity = "severity";
    w.start_epoch_unit = config::TimeUnit::seconds;
    w.duration_scale = 1;
    w.max_duration_s = 3600;
    w.severity_min = 0;
    w.severity_max = 10;
    return w;
}

}  // namespace bedtimed::test
