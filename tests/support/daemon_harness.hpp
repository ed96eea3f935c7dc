// Runs a whole bedtimed App in-process on its own loop thread, against a
// real broker, for integration tests.
//
// Threads: construct, counters() and the destructor on the test thread; the
// App's loop runs on an internal thread. Throws config::ConfigError when the
// config text is invalid.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <utility>  // before Asio: Boost 1.74 with C++20 needs it

#include <boost/asio/executor_work_guard.hpp>

#include "app.hpp"
#include "manual_clock.hpp"

namespace bedtimed::test {

class DaemonHarness {
public:
    // `config_yaml` is written to a temp file; `broker_uri` overrides mqtt.uri.
    // With `clock` (a ManualClock the test keeps), the App runs on it; advance
    // it on the loop thread (post to app().io()).
    DaemonHarness(const std::string& config_yaml, const std::string& broker_uri,
                  Clock* clock = nullptr);
    ~DaemonHarness();

    Counters counters() { return app_->counters_snapshot(); }
    // Advances the test's ManualClock by `d` on the loop thread and waits
    // for it (the retained state topics wait 50 ms of the App's clock for
    // more changes). Only with a ManualClock.
    void advance(Duration d);
    App& app() { return *app_; }
    const std::string& config_path() const { return config_path_; }
    const std::string& state_dir() const { return state_dir_; }

private:
    std::string config_path_;
    std::string state_dir_;
    std::unique_ptr<App> app_;
    ManualClock* manual_clock_ = nullptr;
    // With a manual clock no Asio timer keeps the loop busy; stop() ends it.
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
    std::thread loop_;
};

// Writes `text` to `path` (replacing it).
void write_file(const std::string& path, const std::string& text);

}  // namespace bedtimed::test
