// A real, private mosquitto broker for tests: a free loopback port, its own
// config and persistence directory, started and stopped by the test.
//
// Threads: the test thread. Throws std::runtime_error when mosquitto cannot
// be started.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace bedtimed::test {

// A TCP port on 127.0.0.1 that was free a moment ago.
std::uint16_t free_loopback_port();
// A fresh empty directory under $TMPDIR, removed by the caller if wanted.
std::string make_temp_dir(const std::string& prefix);

class Mosquitto {
public:
    struct Options {
        bool persistence = false;  // keep sessions and queued messages across restarts
        std::string extra_config;  // appended to mosquitto.conf
        // `log_type all`: every packet in and out is logged (with the
        // client id and message id), for tests that need to see exactly when
        // a client sent its PUBACK. mosquitto writes each line as it happens.
        bool verbose_log = false;
    };
    Mosquitto();
    explicit Mosquitto(Options options);
    ~Mosquitto();
    Mosquitto(const Mosquitto&) = delete;
    Mosquitto& operator=(const Mosquitto&) = delete;

    void start();  // returns once the port accepts connections
    void stop();   // SIGTERM and wait (persistence is written on a clean stop)
    void kill9();  // SIGKILL and wait
    bool running() const noexcept { return pid_ > 0; }

    std::uint16_t port() const noexcept { return port_; }
    std::string uri() const { return "tcp://127.0.0.1:" + std::to_string(port_); }
    const std::string& dir() const noexcept { return dir_; }
    std::string log_path() const { return dir_ + "/mosquitto.log"; }

private:
    Options options_;
    std::uint16_t port_;
    std::string dir_;
    pid_t pid_ = -1;
};

}  // namespace bedtimed::test
