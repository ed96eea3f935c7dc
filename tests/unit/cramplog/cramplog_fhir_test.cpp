// The FHIR R4 Bundle (daemon/cramplog/fhir.hpp): its shape and codes. The
// Bundle is validated against the official FHIR R4 JSON schema in
// tests/fhir/ (fhir_schema_validation).
#include <gtest/gtest.h>

#include "fhir.hpp"
#include "ingest.hpp"

namespace bedtimed::cramplog {
namespace {

FhirExport sample() {
    FhirExport in;
    in.sleeper = "alex";
    StoredEpisode e;
    e.source = "band";
    e.source_id = "e-1042";
    e.start = parse_iso8601("2026-11-26T02:14:00Z").value();
    e.received = e.start;
    e.duration_s = 45;
    e.muscle = "calf";
    e.side = "left";
    e.severity = 6;
    e.status = "confirmed";
    e.flags.swelling = true;
    in.episodes.push_back(e);
    e.source_id = "e-1043";
    e.status = "false_positive";
    e.severity.reset();
    in.episodes.push_back(e);
    CheckinRecord c;
    c.sleeper = "alex";
    c.night = "2026-11-26";
    c.answer = "two_or_more";
    c.answered = parse_iso8601("2026-11-27T07:05:00Z").value();
    in.checkins.push_back(c);
    in.generated = c.answered;
    return in;
}

TEST(CramplogFhir, BundleHasAPatientAnObservationPerEpisodeAndPerCheckin) {
    const auto b = fhir_bundle(sample());
    EXPECT_EQ(b["resourceType"], "Bundle");
    EXPECT_EQ(b["type"], "collection");
    ASSERT_EQ(b["entry"].size(), 4u);
    EXPECT_EQ(b["entry"][0]["resource"]["resourceType"], "Patient");
    const auto& ep = b["entry"][1]["resource"];
    EXPECT_EQ(ep["status"], "final");
    EXPECT_EQ(ep["effectivePeriod"]["start"], "2026-11-26T02:14:00Z");
    EXPECT_EQ(ep["effectivePeriod"]["end"], "2026-11-26T02:14:45Z");
    EXPECT_EQ(ep["bodySite"]["coding"][0]["code"], "53840002");
    EXPECT_EQ(ep["method"]["coding"][0]["code"], "wearable");
    EXPECT_EQ(ep["subject"]["reference"], b["entry"][0]["fullUrl"]);
    EXPECT_EQ(b["entry"][2]["resource"]["status"], "entered-in-error");
    const auto& ck = b["entry"][3]["resource"];
    EXPECT_EQ(ck["valueCodeableConcept"]["coding"][0]["code"], "answer-two_or_more");
    EXPECT_EQ(ck["issued"], "2026-11-27T07:05:00Z");
    // The same log exports the same ids.
    EXPECT_EQ(fhir_bundle(sample()), b);
}

}  // namespace
}  // namespace bedtimed::cramplog
