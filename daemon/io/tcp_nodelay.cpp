#include "tcp_nodelay.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cstdlib>

namespace bedtimed {

namespace {
bool is_tcp_to_port(int fd, std::uint16_t port) {
    int type = 0;
    socklen_t len = sizeof type;
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_STREAM) return false;
    sockaddr_storage peer{};
    len = sizeof peer;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) != 0) return false;
    if (peer.ss_family == AF_INET)
        return ntohs(reinterpret_cast<sockaddr_in*>(&peer)->sin_port) == port;
    if (peer.ss_family == AF_INET6)
        return ntohs(reinterpret_cast<sockaddr_in6*>(&peer)->sin6_port) == port;
    return false;
}
}  // namespace

int set_tcp_nodelay_to_peer_port(std::uint16_t peer_port) noexcept {
    int changed = 0;
    DIR* dir = opendir("/proc/self/fd");
    if (!dir) return 0;
    while (dirent* entry = readdir(dir)) {
        char* end = nullptr;
        const long fd = std::strtol(entry->d_name, &end, 10);
        if (end == entry->d_name || *end != '\0' || fd == dirfd(dir)) continue;
        if (!is_tcp_to_port(static_cast<int>(fd), peer_port)) continue;
        int one = 1;
        if (setsockopt(static_cast<int>(fd), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0)
            ++changed;
    }
    closedir(dir);
    return changed;
}

}  // namespace bedtimed
