// Notifiers: the log line and the MQTT payload a phone bridge will parse.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "loader.hpp"
#include "log_notifier/log_notifier.hpp"
#include "manual_clock.hpp"
#include "mqtt_notifier/mqtt_notifier.hpp"
#include "notifier.hpp"
#include "recording_bus.hpp"

using namespace bedtimed::integrations;
using bedtimed::config::ConfigError;
using bedtimed::config::Options;

namespace {

const bedtimed::WallTime kStart{std::chrono::seconds(1795730400)};  // 2026-11-26T22:00:00Z

Options make_options(std::vector<std::pair<std::string, std::string>> kv) {
    Options o;
    int line = 20;
    for (auto& [k, v] : kv) o[k] = bedtimed::config::Option{v, line++, 7};
    return o;
}

struct Harness {
    bedtimed::RecordingBus bus;
    bedtimed::ManualClock clock{kStart};
    std::ostringstream out;
    std::shared_ptr<spdlog::logger> log;
    NotifierContext ctx{bus, clock, nullptr};

    Harness() {
        auto sink = std::make_shared<spdlog::sinks::ostream_sink_st>(out);
        sink->set_pattern("%l|%v");
        log = std::make_shared<spdlog::logger>("notifier_test", sink);
        log->set_level(spdlog::level::trace);
        ctx.log = log;
    }

    std::unique_ptr<Notifier> make(std::string_view type, const Options& o,
                                   std::vector<std::string>* warnings = nullptr) {
        const auto* integration = find_notifier_integration(type);
        if (integration == nullptr) return nullptr;
        bedtimed::config::NotifierSpec spec;
        spec.name = "n";
        spec.type = std::string(type);
        OptionReader reader(o, "house.yaml", 18, 3, "notifier 'n'");
        auto n = integration->create(spec, reader, ctx);
        if (warnings) *warnings = reader.unread_warnings();
        return n;
    }
};

Reminder reminder(bool urgent = false) {
    Reminder r;
    r.sleeper = "alex";
    r.step = "stretch";
    r.title = "Stretch before bed";
    r.message = "Calf stretch, 3 x 30 s";
    r.urgent = urgent;
    r.at = kStart + std::chrono::minutes(5);
    return r;
}

}  // namespace

TEST(LogNotifier, InfoLineWithSleeperTitleAndMessage) {
    Harness h;
    auto n = h.make("log", make_options({}));
    ASSERT_NE(n, nullptr);
    n->notify(reminder());
    EXPECT_EQ(h.out.str(), "info|alex: Stretch before bed: Calf stretch, 3 x 30 s\n");
}

TEST(LogNotifier, UrgentIsWarnAndEmptyMessageIsLeftOut) {
    Harness h;
    auto n = h.make("log", make_options({}));
    Reminder r = reminder(true);
    r.message.clear();
    n->notify(r);
    EXPECT_EQ(h.out.str(), "warning|alex: Stretch before bed\n");
    EXPECT_TRUE(h.bus.published.empty());
}

TEST(LogNotifier, HasNoOptions) {
    Harness h;
    std::vector<std::string> warnings;
    h.make("log", make_options({{"level", "debug"}}), &warnings);
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("house.yaml:20:7: unknown option 'level'"), std::string::npos)
        << warnings[0];
}

TEST(MqttNotifier, PublishesJsonToTheSleepersTopic) {
    Harness h;
    auto n = h.make("mqtt", make_options({{"topic", "bedtimed/{sleeper}/reminder"}}));
    n->notify(reminder());
    ASSERT_EQ(h.bus.published.size(), 1u);
    const auto& p = h.bus.published[0];
    EXPECT_EQ(p.topic, "bedtimed/alex/reminder");
    EXPECT_EQ(p.payload,
              R"({"sleeper":"alex","step":"stretch","title":"Stretch before bed",)"
              R"("message":"Calf stretch, 3 x 30 s","urgent":false,"at":"2026-11-26T22:05:00Z"})");
    EXPECT_EQ(p.qos, 1);
    EXPECT_FALSE(p.retained);
}

TEST(MqttNotifier, QosRetainAndClockFallback) {
    Harness h;
    auto n =
        h.make("mqtt", make_options({{"topic", "phone/notify"}, {"qos", "2"}, {"retain", "true"}}));
    Reminder r = reminder(true);
    r.at = bedtimed::WallTime{};  // no time given: the clock's
    r.title = "Say \"hi\"";
    h.clock.advance(std::chrono::seconds(61));
    n->notify(r);
    ASSERT_EQ(h.bus.published.size(), 1u);
    const auto& p = h.bus.published[0];
    EXPECT_EQ(p.topic, "phone/notify");
    EXPECT_EQ(p.qos, 2);
    EXPECT_TRUE(p.retained);
    EXPECT_NE(p.payload.find(R"("title":"Say \"hi\"")"), std::string::npos) << p.payload;
    EXPECT_NE(p.payload.find(R"("urgent":true)"), std::string::npos) << p.payload;
    EXPECT_NE(p.payload.find(R"("at":"2026-11-26T22:01:01Z")"), std::string::npos) << p.payload;
}

TEST(MqttNotifier, SleeperNameThatBreaksTheTopicIsNotPublished) {
    Harness h;
    auto n = h.make("mqtt", make_options({{"topic", "bt/{sleeper}"}}));
    Reminder r = reminder();
    r.sleeper = "a+b";
    n->notify(r);
    EXPECT_TRUE(h.bus.published.empty());
    EXPECT_NE(h.out.str().find("error|"), std::string::npos) << h.out.str();
}

TEST(MqttNotifier, OptionErrors) {
    Harness h;
    auto error_of = [&](const Options& o) -> std::string {
        try {
            h.make("mqtt", o);
        } catch (const ConfigError& e) {
            return e.what();
        }
        return "(no error)";
    };
    std::string e = error_of(make_options({}));
    EXPECT_NE(e.find("house.yaml:18:3"), std::string::npos) << e;
    EXPECT_NE(e.find("'topic'"), std::string::npos) << e;
    e = error_of(make_options({{"topic", "bt/#/{sleeper}"}}));
    EXPECT_NE(e.find("house.yaml:20:7"), std::string::npos) << e;
    e = error_of(make_options({{"topic", "bt"}, {"qos", "3"}}));
    EXPECT_NE(e.find("house.yaml:21:7"), std::string::npos) << e;
    e = error_of(make_options({{"topic", "bt"}, {"retain", "2"}}));
    EXPECT_NE(e.find("house.yaml:21:7"), std::string::npos) << e;
}

TEST(MqttNotifier, UnreadOptionsAreWarned) {
    Harness h;
    std::vector<std::string> warnings;
    h.make("mqtt", make_options({{"topic", "bt"}, {"priority", "high"}}), &warnings);
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("'priority'"), std::string::npos) << warnings[0];
}
