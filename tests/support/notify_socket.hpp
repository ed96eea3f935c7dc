// The service manager's end of the notify protocol, for tests: systemd cannot
// run as PID 1 here, so the test binds the AF_UNIX datagram socket that
// $NOTIFY_SOCKET names and reads what bedtimed tells it (sd_notify(3)).
//
// Threads: the test thread. The constructor fails the test (ADD_FAILURE) when
// the socket cannot be bound; nothing throws.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace bedtimed::test {

class NotifySocket {
public:
    enum class Kind { path, abstract };  // a file, or "@name" in the abstract namespace
    explicit NotifySocket(Kind kind = Kind::path);
    ~NotifySocket();
    NotifySocket(const NotifySocket&) = delete;
    NotifySocket& operator=(const NotifySocket&) = delete;

    // The value for NOTIFY_SOCKET.
    const std::string& address() const { return address_; }
    const std::string& path() const { return address_; }
    // The next datagram, or "(timeout)".
    // Generous: a start-up on a loaded 2-core machine (a bound, not a timing check).
    std::string next(std::chrono::milliseconds timeout = std::chrono::seconds(30));
    // The next datagram that is not a WATCHDOG=1 or STATUS= on its own.
    std::string next_event(std::chrono::milliseconds timeout = std::chrono::seconds(30));
    // Every datagram that arrives within `window`.
    std::vector<std::string> collect(std::chrono::milliseconds window);

private:
    std::optional<std::string> receive(std::chrono::milliseconds timeout);
    std::string address_;
    std::string dir_;
    int fd_ = -1;
};

}  // namespace bedtimed::test
