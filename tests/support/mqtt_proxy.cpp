#include "mqtt_proxy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <optional>
#include <stdexcept>
#include <vector>

namespace bedtimed::test {

namespace {

int connect_loopback(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) return fd;
    if (fd >= 0) ::close(fd);
    return -1;
}

bool send_all(int fd, const char* data, std::size_t n) {
    while (n > 0) {
        const ssize_t sent = ::send(fd, data, n, MSG_NOSIGNAL);
        if (sent <= 0) return false;
        data += sent;
        n -= static_cast<std::size_t>(sent);
    }
    return true;
}

// The size of the whole MQTT packet at the front of `buf`, once all of it is there.
std::optional<std::size_t> next_packet_size(const std::vector<char>& buf) {
    std::size_t length = 0, at = 1;
    for (int shift = 0; at < buf.size() && at <= 4; shift += 7) {
        const auto b = static_cast<unsigned char>(buf[at++]);
        length |= static_cast<std::size_t>(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            if (buf.size() < at + length) return std::nullopt;
            return at + length;
        }
    }
    return std::nullopt;
}

constexpr int kConnack = 2, kPublish = 3;
constexpr unsigned char kDupFlag = 0x08;

}  // namespace

MqttProxy::MqttProxy(std::uint16_t broker_port) : broker_port_(broker_port) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listener_, 16) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
        throw std::runtime_error("MqttProxy: cannot listen on loopback");
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
}

MqttProxy::~MqttProxy() {
    stopping_ = true;
    ::shutdown(listener_, SHUT_RDWR);
    acceptor_.join();
    cut_all();
    for (auto& t : threads_) t.join();
    ::close(listener_);
}

void MqttProxy::cut_all() {
    std::lock_guard lock(mutex_);
    for (int fd : open_) ::shutdown(fd, SHUT_RDWR);
}

void MqttProxy::accept_loop() {
    while (!stopping_) {
        const int client = ::accept(listener_, nullptr, nullptr);
        if (client < 0) return;  // shut down
        ++connections_;
        std::lock_guard lock(mutex_);
        threads_.emplace_back([this, client, mode = mode_.load()] { pump(client, mode); });
    }
}

void MqttProxy::pump(int client, Mode mode) {
    const int broker = connect_loopback(broker_port_);
    {
        std::lock_guard lock(mutex_);
        open_.push_back(client);
        if (broker >= 0) open_.push_back(broker);
    }
    std::vector<char> from_client, from_broker;
    bool connack_passed = false;
    bool open = broker >= 0;
    char chunk[4096];
    while (open && !stopping_) {
        pollfd fds[2] = {{client, POLLIN, 0}, {broker, POLLIN, 0}};
        if (::poll(fds, 2, 200) < 0) break;
        for (int side = 0; side < 2 && open; ++side) {
            if (!(fds[side].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            const bool upstream = side == 0;  // client to broker
            const int from = upstream ? client : broker, to = upstream ? broker : client;
            const ssize_t n = ::recv(from, chunk, sizeof chunk, 0);
            if (n <= 0) {
                open = false;
                break;
            }
            auto& buf = upstream ? from_client : from_broker;
            buf.insert(buf.end(), chunk, chunk + n);
            // Whole packets only, so each one is judged by its first byte.
            while (auto size = next_packet_size(buf)) {
                const auto first = static_cast<unsigned char>(buf[0]);
                const int type = first >> 4;
                if (upstream && mode == Mode::drop_resends && type == kPublish &&
                    (first & kDupFlag)) {
                    ++resends_dropped_;
                    open = false;
                    break;
                }
                const bool held = !upstream && mode == Mode::hold_acks && connack_passed;
                if (!upstream && type == kConnack) connack_passed = true;
                if (!held && !send_all(to, buf.data(), *size)) {
                    open = false;
                    break;
                }
                buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*size));
            }
        }
    }
    std::lock_guard lock(mutex_);
    open_.remove(client);
    open_.remove(broker);
    ::close(client);
    if (broker >= 0) ::close(broker);
}

}  // namespace bedtimed::test
