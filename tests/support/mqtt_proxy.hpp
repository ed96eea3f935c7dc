// A TCP proxy on loopback in front of a real broker, for what a real broker
// cannot be made to do on cue:
//  - hold_acks: after CONNACK nothing more reaches the client, so its QoS 1
//    publishes stay in flight (unacknowledged) until the connection goes;
//  - drop_resends: a connection on which the client resends a PUBLISH (the
//    DUP flag set) is closed at once, as mosquitto closes one that sends
//    Paho C 1.3.12's corrupted resend ("malformed packet"), right after CONNACK.
// cut_all() closes every open connection, as a broker restart does.
//
// Threads: its own (one accepting, one per connection); every public method
// may be called from any thread. Owns its sockets and threads; the
// destructor closes and joins them. The constructor throws
// std::runtime_error when it cannot listen.
#pragma once

#include <atomic>
#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <thread>

namespace bedtimed::test {

class MqttProxy {
public:
    enum class Mode { pass, hold_acks, drop_resends };

    explicit MqttProxy(std::uint16_t broker_port);
    ~MqttProxy();
    MqttProxy(const MqttProxy&) = delete;
    MqttProxy& operator=(const MqttProxy&) = delete;

    std::string uri() const { return "tcp://127.0.0.1:" + std::to_string(port_); }
    // Applies to connections accepted from now on.
    void set_mode(Mode mode) { mode_ = mode; }
    void cut_all();
    int connections() const { return connections_; }
    int resends_dropped() const { return resends_dropped_; }

private:
    void accept_loop();
    void pump(int client, Mode mode);

    std::uint16_t broker_port_;
    std::uint16_t port_ = 0;
    int listener_ = -1;
    std::atomic<bool> stopping_{false};
    std::atomic<Mode> mode_{Mode::pass};
    std::atomic<int> connections_{0};
    std::atomic<int> resends_dropped_{0};
    std::mutex mutex_;
    std::list<int> open_;  // both ends of every live connection
    std::list<std::thread> threads_;
    std::thread acceptor_;
};

}  // namespace bedtimed::test
