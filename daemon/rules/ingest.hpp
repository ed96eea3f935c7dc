// Strict parsing of untrusted MQTT payloads into sensor values and episodes.
// Pure functions: no I/O, no clock (the caller passes "now"), any thread.
// They never throw (apart from std::bad_alloc): a bad payload yields a
// Rejection with a short reason for the log.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "bus.hpp"
#include "clock.hpp"
#include "config.hpp"
#include "iso8601.hpp"  // parse_iso8601, format_iso8601: payload times
#include "value.hpp"

namespace bedtimed {

struct Rejection {
    std::string reason;
};

struct Episode {
    std::string source;  // wearable name
    std::string topic;
    Value id;             // as sent: a string or an integer
    std::string id_text;  // for de-duplication and logs
    WallTime start;
    double duration_s = 0;
    std::string muscle;
    std::string side;
    std::optional<double> severity;
    WallTime received;
};

// One wearable's reading of a message, made once per episode: the episode
// (parsed, with its one "now" as `received` and, when the payload has no
// start, as `start`) or why it was refused, and the sleeper who wears the
// wearable ("" = none). Whoever reads a message first (the intake on the
// bus's receive thread, else the engine on the loop) makes it; everyone
// after uses it.
struct EpisodeReading {
    std::string wearable;
    std::variant<Episode, Rejection> result;
    std::string sleeper;
};

// What the episode intake read from one message (bus.hpp declares it): one
// reading per wearable whose topic matches; none for an oversized payload.
struct IntakeReading {
    std::vector<EpisodeReading> episodes;
};

// The sleeper who wears `wearable`, "" when nobody does. The one place an
// episode is routed to its sleeper. A wearable two sleepers name (the config
// does not forbid it) goes to the first of them, as the cramp log always
// filed it (the routine used to react for each, the store to file it under
// the last).
std::string sleeper_wearing(const config::Config& cfg, std::string_view wearable);

// Deepest JSON nesting accepted; wearables and sensors send flat objects.
inline constexpr int kMaxJsonDepth = 16;

std::variant<Value, Rejection> parse_sensor_value(const config::SensorSpec& spec,
                                                  std::string_view payload);
std::variant<Episode, Rejection> parse_episode(const config::WearableSpec& spec,
                                               std::string_view topic, std::string_view payload,
                                               WallTime now);

// The strict JSON reader behind the parsers, for other untrusted payloads
// (command topics): nesting capped at kMaxJsonDepth before parsing, valid
// UTF-8 required, and no key twice in one object. nullopt with `error` set
// when refused.
std::optional<nlohmann::json> parse_untrusted_json(std::string_view payload, std::string& error);
bool valid_utf8(std::string_view s);

// Reads `episode.<field>` for conditions and templates.
Value episode_field(const Episode& e, std::string_view field);

}  // namespace bedtimed
