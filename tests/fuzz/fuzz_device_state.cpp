// libFuzzer target: the state messages of every device codec (integrations/*):
// what a plug or bed reports on its state topics, and for plugs the fact topics
// (Zigbee2MQTT's bridge/devices and bridge/logging, Shelly's RPC replies) that
// learn() reads. Input: one byte picks the codec, one byte the topic, then the payload.
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "esphome/esphome.hpp"
#include "fuzz_input.hpp"
#include "generic/generic.hpp"
#include "loader.hpp"
#include "shelly_gen2/shelly_gen2.hpp"
#include "tasmota/tasmota.hpp"
#include "zigbee2mqtt/zigbee2mqtt.hpp"

using namespace bedtimed;
using integrations::DeviceIntegration;

namespace {

struct Codec {
    std::unique_ptr<integrations::SwitchDevice> pad;
    std::unique_ptr<integrations::PositionDevice> bed;
};

Codec make(const DeviceIntegration& integration, bool bed,
           std::vector<std::pair<std::string, std::string>> kv) {
    config::Options o;
    for (auto& [k, v] : kv) o[k] = config::Option{v, 1, 1};
    config::ActuatorSpec spec;
    spec.name = bed ? "bed" : "pad";
    if (bed) spec.kind = config::ActuatorSpec::Kind::bed;
    integrations::OptionReader reader(o, "fuzz.yaml", 1, 1, "actuator '" + spec.name + "'");
    Codec c;
    if (bed) c.bed = integration.make_position(spec, reader);
    else c.pad = integration.make_switch(spec, reader);
    return c;
}

// Built once: the codecs are const and stateless.
const std::vector<Codec>& codecs() {
    static const std::vector<Codec> all = [] {
        std::vector<Codec> v;
        v.push_back(make(integrations::kZigbee2Mqtt, false, {{"device", "bedroom/pad"}}));
        v.push_back(make(integrations::kZigbee2Mqtt, true, {{"device", "bed"}}));
        v.push_back(make(integrations::kTasmota, false, {{"topic", "pad"}}));
        v.push_back(make(integrations::kTasmota, false, {{"topic", "pad2"}, {"relay", "2"}}));
        v.push_back(make(integrations::kShellyGen2, false, {{"prefix", "shelly-pad"}}));
        v.push_back(
            make(integrations::kEsphome, false, {{"node", "bedside"}, {"object_id", "pad"}}));
        v.push_back(make(integrations::kEsphome, true, {{"node", "bed"}, {"object_id", "legs"}}));
        v.push_back(make(integrations::kGeneric, false,
                         {{"on_topic", "pad/cmd"},
                          {"state_topic", "pad/state"},
                          {"state_on", "1"},
                          {"state_off", "0"}}));
        v.push_back(make(integrations::kGeneric, false,
                         {{"on_topic", "pad/cmd"},
                          {"state_topic", "pad/+/state"},
                          {"state_json", "relays.0.state"}}));
        v.push_back(make(integrations::kGeneric, true,
                         {{"position_topic", "bed/set"},
                          {"position_state_topic", "bed/#"},
                          {"position_json", "pos"}}));
        return v;
    }();
    return all;
}

// A concrete topic a filter matches ('+' and '#' filled in), or the raw text.
std::string topic_for(const std::string& filter) {
    std::string t;
    for (char c : filter)
        t += c == '+' ? std::string("x") : c == '#' ? std::string("a/b") : std::string(1, c);
    return t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::FuzzInput in(data, size);
    const auto& all = codecs();
    const Codec& codec = all[in.take_byte() % all.size()];
    const std::uint8_t topic_pick = in.take_byte();
    auto filters = codec.pad ? codec.pad->state_topics() : codec.bed->state_topics();
    if (codec.pad)
        for (auto& t : codec.pad->fact_topics()) filters.push_back(std::move(t));
    // Past the real state topics, the first line of the input is the topic.
    const std::string topic = topic_pick < filters.size() * 64
                                  ? topic_for(filters[topic_pick % filters.size()])
                                  : std::string(in.take_line());
    const auto payload = in.rest();
    if (codec.pad) {
        (void)codec.pad->parse_state(topic, payload);
        if (auto w = codec.pad->parse_power(topic, payload))
            if (!std::isfinite(*w) || *w < 0) std::abort();  // watts prove a pad draws current
        const auto known = codec.pad->initial_facts();
        if (auto learned = codec.pad->learn(topic, payload, known)) {
            if (*learned == known) std::abort();  // nullopt is "nothing new"
            // A plug learned to have no cap is sent none: no timer key at all.
            if (learned->cap == integrations::DeviceCap::none)
                for (const auto& c : codec.pad->turn_on_with(std::chrono::seconds(1800), *learned))
                    if (c.payload.find("on_time") != std::string::npos ||
                        c.payload.find("countdown") != std::string::npos ||
                        c.payload.find("toggle_after") != std::string::npos ||
                        c.topic.find("PulseTime") != std::string::npos)
                        std::abort();
            (void)codec.pad->prepare_with(std::chrono::seconds(1800), *learned);
        }
    } else if (auto pos = codec.bed->parse_position(topic, payload)) {
        if (!std::isfinite(*pos)) std::abort();  // a position drives a motor: never NaN
    }
    return 0;
}
