// Turns Nagle's algorithm off on this process's TCP connections to one peer port.
//
// Why: Debian's Paho C 1.3.12 never sets TCP_NODELAY and offers no hook to
// reach its socket. With Nagle on, a small publish that follows another small
// unacknowledged segment (a QoS 1 PUBACK, say) waits for the broker's delayed
// ACK: about 40 ms per isolated reaction on Linux. Paho's socket is an ordinary
// fd in our process, so once Paho reports "connected" we find it by its peer
// port and set the option; setsockopt on another thread's socket is safe.
//
// Threads: any. noexcept; returns how many sockets were changed.
#pragma once

#include <cstdint>

namespace bedtimed {

int set_tcp_nodelay_to_peer_port(std::uint16_t peer_port) noexcept;

}  // namespace bedtimed
