#include "notify_socket.hpp"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <filesystem>

#include "mosquitto_fixture.hpp"

namespace bedtimed::test {

NotifySocket::NotifySocket(Kind kind) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    socklen_t len = 0;
    if (kind == Kind::path) {
        dir_ = make_temp_dir("bt-notify");
        address_ = dir_ + "/notify.sock";
        std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", address_.c_str());
        len = sizeof addr;
    } else {
        // Abstract names start with a NUL byte and have no file; the "@" is
        // how NOTIFY_SOCKET spells that NUL.
        const std::string name = "bedtimed-test-" + std::to_string(::getpid()) + "-" +
                                 std::to_string(reinterpret_cast<std::uintptr_t>(this));
        address_ = "@" + name;
        std::memcpy(addr.sun_path + 1, name.data(), name.size());
        len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
    }
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0)
        ADD_FAILURE() << "bind " << address_ << ": " << std::strerror(errno);
}

NotifySocket::~NotifySocket() {
    ::close(fd_);
    if (!dir_.empty()) {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
}

std::optional<std::string> NotifySocket::receive(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return std::nullopt;
    char buf[4096];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return std::nullopt;
    return std::string(buf, static_cast<std::size_t>(n));
}

std::string NotifySocket::next(std::chrono::milliseconds timeout) {
    return receive(timeout).value_or("(timeout)");
}

std::string NotifySocket::next_event(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return "(timeout)";
        auto m = receive(left);
        if (!m) return "(timeout)";
        if (*m == "WATCHDOG=1" || m->rfind("STATUS=", 0) == 0) continue;
        return *m;
    }
}

std::vector<std::string> NotifySocket::collect(std::chrono::milliseconds window) {
    std::vector<std::string> out;
    const auto deadline = std::chrono::steady_clock::now() + window;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return out;
        if (auto m = receive(left)) out.push_back(std::move(*m));
    }
}

}  // namespace bedtimed::test
