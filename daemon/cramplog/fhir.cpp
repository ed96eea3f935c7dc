#include "fhir.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <optional>

#include "checkin.hpp"
#include "ingest.hpp"

namespace bedtimed::cramplog {

using nlohmann::json;

namespace {

constexpr const char* kSnomed = "http://snomed.info/sct";
constexpr const char* kCategory = "http://terminology.hl7.org/CodeSystem/observation-category";

// FNV-1a over the log's key: a stable, valid FHIR id ([A-Za-z0-9\-\.]{1,64}).
std::string stable_id(const std::string& kind, const std::string& key) {
    std::uint64_t h = 1469598103934665603ULL;
    for (unsigned char c : kind + "\x1f" + key) h = (h ^ c) * 1099511628211ULL;
    return fmt::format("{}-{:016x}", kind, h);
}

json coding(const char* system, const std::string& code, const std::string& display) {
    return {{"system", system}, {"code", code}, {"display", display}};
}

json own(const std::string& code, const std::string& display) {
    return {{"coding", json::array({coding(kFhirCodeSystem, code, display)})}, {"text", display}};
}

// SNOMED CT body structures for the muscles the log names; others as text.
json body_site(const std::string& muscle, const std::string& side) {
    json site = {{"text", (side.empty() ? "" : side + " ") + muscle}};
    if (muscle == "calf") site["coding"] = {coding(kSnomed, "53840002", "Calf of leg structure")};
    else if (muscle == "foot") site["coding"] = {coding(kSnomed, "56459004", "Foot structure")};
    else if (muscle == "thigh") site["coding"] = {coding(kSnomed, "68367000", "Thigh structure")};
    return site;
}

// The side as a component (SNOMED CT laterality qualifiers); none when not given.
std::optional<json> laterality_component(const std::string& side) {
    json value;
    if (side == "left") value = coding(kSnomed, "7771000", "Left");
    else if (side == "right") value = coding(kSnomed, "24028007", "Right");
    else if (side == "both") value = coding(kSnomed, "51440002", "Right and left");
    else return std::nullopt;
    return json{{"code", own("laterality", "Laterality")},
                {"valueCodeableConcept", {{"coding", json::array({value})}}}};
}

// A urn:uuid (version-4 layout) from the log's key, so an export is reproducible.
std::string stable_uuid(const std::string& key) {
    const std::string a = stable_id("a", key), b = stable_id("b", key);
    const std::string h = a.substr(a.size() - 16) + b.substr(b.size() - 16);
    return "urn:uuid:" + h.substr(0, 8) + "-" + h.substr(8, 4) + "-4" + h.substr(13, 3) + "-8" +
           h.substr(17, 3) + "-" + h.substr(20, 12);
}

json method_of(const std::string& source) {
    if (source == "manual") return own("hand-log", "Logged by hand");
    if (source == "checkin") return own("checkin", "Morning check-in");
    return own("wearable", "Wearable (" + source + ")");
}

json flag_components(const EpisodeFlags& f) {
    json out = json::array();
    const std::pair<const char*, bool> flags[] = {{"swelling", f.swelling},
                                                  {"redness", f.redness},
                                                  {"warmth", f.warmth},
                                                  {"numbness", f.numbness},
                                                  {"back-pain", f.back_pain}};
    for (const auto& [code, value] : flags)
        out.push_back({{"code", own(std::string("flag-") + code, code)}, {"valueBoolean", value}});
    return out;
}

json severity_component(double severity) {
    return {{"code", own("severity", "Severity (0-10, self-rated)")},
            {"valueQuantity",
             {{"value", severity},
              {"unit", "score"},
              {"system", "http://unitsofmeasure.org"},
              {"code", "{score}"}}}};
}

json episode_observation(const StoredEpisode& e, const std::string& patient) {
    json obs = {
        {"resourceType", "Observation"},
        {"id", stable_id("episode", e.source + "/" + e.source_id)},
        {"status", e.status == "false_positive" ? "entered-in-error"
                   : e.status == "confirmed"    ? "final"
                                                : "preliminary"},
        {"category",
         json::array({{{"coding", json::array({coding(kCategory, "survey", "Survey")})}}})},
        {"code",
         {{"coding", json::array({coding(kFhirCodeSystem, "cramp-episode", "Leg cramp episode"),
                                  coding(kSnomed, "55300003", "Cramp")})},
          {"text", "Leg cramp episode"}}},
        {"subject", {{"reference", patient}}},
        {"effectivePeriod",
         {{"start", format_iso8601(e.start)},
          {"end", format_iso8601(e.start + std::chrono::duration_cast<WallTime::duration>(
                                               std::chrono::duration<double>(e.duration_s)))}}},
        {"issued", format_iso8601(e.received)},
        {"method", method_of(e.source)},
        {"identifier", json::array({{{"system", std::string(kFhirCodeSystem) + "/source/" +
                                                    (e.source.empty() ? "unknown" : e.source)},
                                     {"value", e.source_id}}})},
    };
    if (!e.muscle.empty()) obs["bodySite"] = body_site(e.muscle, e.side);
    json components = flag_components(e.flags);
    if (auto side = laterality_component(e.side)) components.push_back(*side);
    components.push_back({{"code", own("duration", "Duration")},
                          {"valueQuantity",
                           {{"value", e.duration_s},
                            {"unit", "s"},
                            {"system", "http://unitsofmeasure.org"},
                            {"code", "s"}}}});
    if (e.severity) components.push_back(severity_component(*e.severity));
    obs["component"] = components;
    if (!e.notes.empty()) obs["note"] = json::array({{{"text", e.notes}}});
    return obs;
}

json checkin_observation(const CheckinRecord& c, const std::string& patient) {
    const auto answer = answer_from(c.answer).value_or(CheckinAnswer::none);
    json obs = {
        {"resourceType", "Observation"},
        {"id", stable_id("checkin", c.sleeper + "/" + c.night)},
        {"status", "final"},
        {"category",
         json::array({{{"coding", json::array({coding(kCategory, "survey", "Survey")})}}})},
        {"code", own("night-checkin", "Leg cramps last night (morning check-in)")},
        {"subject", {{"reference", patient}}},
        {"effectiveDateTime", c.night},
        {"issued", format_iso8601(c.answered)},
        {"method", method_of("checkin")},
        {"valueCodeableConcept",
         own(std::string("answer-") + answer_name(answer), answer_label(answer))},
    };
    json components = flag_components(c.flags);
    if (auto side = laterality_component(c.side)) components.push_back(*side);
    if (c.severity) components.push_back(severity_component(*c.severity));
    obs["component"] = components;
    if (!c.muscle.empty()) obs["bodySite"] = body_site(c.muscle, c.side);
    if (!c.notes.empty()) obs["note"] = json::array({{{"text", c.notes}}});
    return obs;
}

}  // namespace

json fhir_bundle(const FhirExport& in) {
    const std::string patient_id = stable_id("patient", in.sleeper);
    // Inside a Bundle, a reference is the entry's fullUrl.
    const std::string patient_ref = stable_uuid("patient/" + in.sleeper);
    json entries = json::array();
    entries.push_back({{"fullUrl", patient_ref},
                       {"resource",
                        {{"resourceType", "Patient"},
                         {"id", patient_id},
                         {"name", json::array({{{"text", in.sleeper}}})}}}});
    const auto add = [&](json resource) {
        const std::string url = stable_uuid(resource["id"].get<std::string>());
        entries.push_back({{"fullUrl", url}, {"resource", std::move(resource)}});
    };
    for (const auto& e : in.episodes) add(episode_observation(e, patient_ref));
    for (const auto& c : in.checkins) add(checkin_observation(c, patient_ref));
    return {{"resourceType", "Bundle"},
            {"id", stable_id("bundle", in.sleeper + "/" + format_iso8601(in.generated))},
            {"type", "collection"},
            {"timestamp", format_iso8601(in.generated)},
            {"entry", entries}};
}

}  // namespace bedtimed::cramplog
