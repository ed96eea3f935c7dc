// The systemd notify protocol (sd_notify(3)): one datagram to $NOTIFY_SOCKET.
// Written by hand rather than linking libsystemd, as systemd itself advises
// for daemons that need only this: it saves about 1 MiB of resident memory
// (libsystemd pulls in gcrypt, zstd, lzma, lz4 and libcap).
//
// Threads: any. noexcept; returns false when not under systemd or on failure.
#pragma once

#include <string_view>

namespace bedtimed {

bool notify_systemd(std::string_view state) noexcept;

}  // namespace bedtimed
