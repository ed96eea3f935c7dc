// The cramp log as a FHIR R4 Bundle for a doctor (`bedtimectl export --format
// fhir`; docs/fhir.md lists every code): a Patient for the sleeper, an
// Observation per episode (effective period, body site with laterality,
// severity, the symptom flags, the source as the method: wearable, hand log,
// check-in) and an Observation per night's check-in.
//
// The Bundle is of type "collection": a record to hand over, not a
// transaction for a server. Resource ids are derived from the log's own keys,
// so the same log exports the same ids. False positives are exported with
// status "entered-in-error" so that the doctor sees what was corrected.
//
// Pure string/JSON building; any thread; nothing throws apart from
// std::bad_alloc.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "clock.hpp"
#include "episode_store.hpp"

namespace bedtimed::cramplog {

// The code system of bedtimed's own codes (docs/fhir.md).
inline constexpr const char* kFhirCodeSystem =
    "https://bedtimed.example.org/fhir/CodeSystem/cramp-log";

struct FhirExport {
    std::string sleeper;
    std::vector<StoredEpisode> episodes;
    std::vector<CheckinRecord> checkins;
    WallTime generated;
};
nlohmann::json fhir_bundle(const FhirExport& in);

}  // namespace bedtimed::cramplog
