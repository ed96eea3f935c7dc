// libFuzzer target: a sensor payload (daemon/rules/ingest.*) for number, boolean and
// enumeration sensors, raw or through a JSON path.
// Input: one selector byte, then the payload.
#include <cmath>
#include <cstdint>
#include <cstdlib>

#include "fuzz_input.hpp"
#include "ingest.hpp"

using namespace bedtimed;

namespace {

config::SensorSpec spec_for(std::uint8_t selector) {
    config::SensorSpec s;
    s.name = "bedroom";
    s.topic = "sensors/bedroom";
    switch (selector % 6) {
        case 0:
            s.json_path = "temperature";
            s.min = -30;
            s.max = 60;
            break;
        case 1:
            break;  // raw number, no range
        case 2:
            s.type = config::SensorType::boolean;
            break;
        case 3:
            s.type = config::SensorType::boolean;
            s.json_path = "occupancy";
            break;
        case 4:
            s.type = config::SensorType::enumeration;
            s.options = {"day", "evening", "night"};
            break;
        default:
            s.json_path = "readings.1.value";
            break;
    }
    return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::FuzzInput in(data, size);
    const auto spec = spec_for(in.take_byte());
    auto parsed = parse_sensor_value(spec, in.rest());
    if (auto* v = std::get_if<Value>(&parsed)) {
        // Accepted numbers are finite and in range; the rest are of the sensor's type.
        if (spec.type == config::SensorType::number) {
            const auto* d = std::get_if<double>(v);
            if (!d || !std::isfinite(*d) || (spec.min && *d < *spec.min) ||
                (spec.max && *d > *spec.max))
                std::abort();
        }
        if (spec.type == config::SensorType::boolean && !std::holds_alternative<bool>(*v))
            std::abort();
        if (spec.type == config::SensorType::enumeration &&
            !std::holds_alternative<std::string>(*v))
            std::abort();
        (void)to_json_text(*v);
    } else if (std::get<Rejection>(parsed).reason.empty()) {
        std::abort();
    }
    return 0;
}
