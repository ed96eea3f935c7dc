#include "daemon_harness.hpp"

#include <filesystem>
#include <fstream>
#include <future>
#include <stdexcept>

#include "mosquitto_fixture.hpp"

namespace bedtimed::test {

void write_file(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::trunc);
    out << text;
}

DaemonHarness::DaemonHarness(const std::string& config_yaml, const std::string& broker_uri,
                             Clock* clock) {
    const std::string dir = make_temp_dir("bt-daemon");
    config_path_ = dir + "/config.yaml";
    state_dir_ = dir + "/state";
    write_file(config_path_, config_yaml);
    AppOptions options;
    options.config_path = config_path_;
    options.broker_override = broker_uri;
    options.state_dir = state_dir_;
    options.handle_signals = false;  // the test process owns its signals
    options.clock = clock;
    manual_clock_ = dynamic_cast<ManualClock*>(clock);
    app_ = std::make_unique<App>(options);
    if (clock != nullptr) work_.emplace(boost::asio::make_work_guard(app_->io()));
    loop_ = std::thread([this] { app_->run(); });
}

DaemonHarness::~DaemonHarness() {
    app_->request_stop();
    loop_.join();
    work_.reset();  // it refers to the App's io_context: release it first (ASan:
                    // heap-use-after-free)
    app_.reset();
    std::error_code ec;
    std::filesystem::remove_all(std::filesystem::path(config_path_).parent_path(), ec);
}

void DaemonHarness::advance(Duration d) {
    if (!manual_clock_) throw std::logic_error("DaemonHarness::advance needs a ManualClock");
    std::promise<void> done;
    boost::asio::post(app_->io(), [&] {
        manual_clock_->advance(d);
        done.set_value();
    });
    done.get_future().wait();
}

}  // namespace bedtimed::test
