// What the HTTP notifier tests share: a Harness that builds a notifier of
// any HTTP channel from options, on a real io_context and a ManualClock, with
// secret files in a temporary directory and the notifier's log captured; a
// reminder; option builders; a loopback port nobody listens on.
// Threads: the test thread runs the io_context (run_until). The Harness owns
// its directory and removes it. Creating a notifier throws ConfigError for
// bad options.
#pragma once

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>

// clang-format off
#include <utility>  // before Asio: Boost 1.74 with C++20 needs it

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
// clang-format on

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "counters.hpp"
#include "loader.hpp"
#include "manual_clock.hpp"
#include "notifier.hpp"
#include "recording_bus.hpp"

namespace bedtimed::test {

inline const WallTime kStart{std::chrono::seconds(1795730400)};  // 2026-11-26T22:00:00Z

inline config::Option scalar(std::string v, int line) {
    return config::Option{std::move(v), line, 7};
}

inline config::Option list(std::vector<config::Option> items, int line) {
    config::Option o{"", line, 7};
    o.shape = config::Option::Shape::list;
    o.items = std::move(items);
    return o;
}

inline config::Option map(std::vector<std::pair<std::string, config::Option>> kv, int line) {
    config::Option o{"", line, 7};
    o.shape = config::Option::Shape::map;
    for (auto& [k, v] : kv) {
        o.keys.push_back(k);
        o.items.push_back(std::move(v));
    }
    return o;
}

struct Harness {
    boost::asio::io_context io;
    ManualClock clock{kStart};
    RecordingBus bus;
    Counters counters;
    std::ostringstream out;
    std::shared_ptr<spdlog::logger> log;
    integrations::NotifierContext ctx{bus, clock, nullptr, &io, &counters, true};
    std::string dir;
    std::string token_file, password_file, header_file;

    Harness() {
        auto sink = std::make_shared<spdlog::sinks::ostream_sink_st>(out);
        sink->set_pattern("%l|%v");
        log = std::make_shared<spdlog::logger>("http_notifier_test", sink);
        log->set_level(spdlog::level::trace);
        ctx.log = log;
        std::string tmpl = (std::filesystem::temp_directory_path() / "bt-http-XXXXXX").string();
        dir = ::mkdtemp(tmpl.data());
        token_file = dir + "/token";
        password_file = dir + "/password";
        header_file = dir + "/header";
        std::ofstream(token_file) << "tk_s3cret-token\n";
        std::ofstream(password_file) << "pa55-word\n";
        std::ofstream(header_file) << "hdr-s3cret\n";
    }
    ~Harness() {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }

    std::unique_ptr<integrations::Notifier> make(std::string_view type, const config::Options& o,
                                                 std::vector<std::string>* warnings = nullptr) {
        const auto* integration = integrations::find_notifier_integration(type);
        if (integration == nullptr) return nullptr;
        bedtimed::config::NotifierSpec spec;
        spec.name = "phone";
        spec.type = std::string(type);
        integrations::OptionReader reader(o, dir + "/house.yaml", 18, 3, "notifier 'phone'");
        auto n = integration->create(spec, reader, ctx);
        if (warnings) *warnings = reader.unread_warnings();
        return n;
    }

    // Runs the loop until `done()` holds. The limit only stops a broken test
    // from hanging; no test asserts how long anything took.
    template <class Pred>
    bool run_until(Pred done) {
        const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (!done()) {
            if (std::chrono::steady_clock::now() > limit) return false;
            if (io.stopped()) io.restart();
            io.run_one_for(std::chrono::milliseconds(5));
        }
        return true;
    }

    std::string logged() const { return out.str(); }
};

inline integrations::Reminder reminder(std::string step = "stretch", bool urgent = false) {
    integrations::Reminder r;
    r.sleeper = "alex";
    r.step = std::move(step);
    r.title = "Stretch your calves";
    r.message = "Three slow stretches, 30 s each.";
    r.urgent = urgent;
    r.at = kStart;
    return r;
}

// A loopback port nobody listens on (bound, then closed).
inline unsigned short closed_port() {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    return a.local_endpoint().port();
}

}  // namespace bedtimed::test
