// Prints a FHIR R4 Bundle from a small cramp log (episodes from a wearable and
// by hand, a false positive, check-ins with details) for tests/fhir/validate.js.
#include <cstdio>

#include "fhir.hpp"
#include "ingest.hpp"

int main() {
    using namespace bedtimed;
    cramplog::FhirExport in;
    in.sleeper = "alex";
    const auto at = [](const char* t) { return parse_iso8601(t).value(); };
    StoredEpisode e;
    e.sleeper = "alex";
    e.source = "band";
    e.source_id = "e-1042";
    e.start = e.received = at("2026-11-26T02:14:00Z");
    e.duration_s = 45;
    e.muscle = "calf";
    e.side = "left";
    e.severity = 6;
    e.status = "confirmed";
    in.episodes.push_back(e);
    e.source = "manual";
    e.source_id = "m1";
    e.muscle = "foot";
    e.side = "both";
    e.severity.reset();
    e.status = "unconfirmed";
    e.flags.swelling = e.flags.numbness = true;
    e.notes = "woke up twice";
    in.episodes.push_back(e);
    e.source_id = "m2";
    e.status = "false_positive";
    e.muscle = "hamstring";
    e.side = "";
    in.episodes.push_back(e);
    CheckinRecord c;
    c.sleeper = "alex";
    c.night = "2026-11-26";
    c.answer = "two_or_more";
    c.answered = at("2026-11-27T07:05:00Z");
    c.muscle = "calf";
    c.side = "right";
    c.severity = 4;
    in.checkins.push_back(c);
    c.night = "2026-11-27";
    c.answer = "none";
    c.muscle = c.side = "";
    c.severity.reset();
    in.checkins.push_back(c);
    in.generated = at("2026-11-28T08:00:00Z");
    std::puts(cramplog::fhir_bundle(in).dump(2).c_str());
}
