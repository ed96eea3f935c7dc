// Crash-loop safe mode. A daemon that keeps dying and being restarted (by
// systemd's Restart=) may be dying in the middle of heat, over and over, each
// start resuming what the last one left. When bedtimed starts more than
// `max_starts` times within `window`, it starts in safe mode instead: every
// pad off and refused, the bed left alone, the routine paused, one urgent
// notice on every channel. Safe mode holds across further restarts until a
// person acknowledges it (`bedtimectl resume`, Home Assistant's button, or
// the MQTT command `<base>/cmd/resume`).
//
// record_start() is the pure decision; SafeMode keeps the start history in
// the state directory (safe_mode.json, replaced atomically).
// Threads: loop thread only. Nothing throws apart from std::bad_alloc (a
// state file that cannot be written is logged by StateFile and ignored).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "clock.hpp"
#include "state_file.hpp"

namespace bedtimed {

struct CrashLoopPolicy {
    int max_starts = 5;
    std::chrono::minutes window{10};
};

struct StartHistory {
    std::vector<WallTime> starts;  // within the window, oldest first
    bool safe_mode = false;
    WallTime since{};  // when safe mode began
};

// The history after a start at `now`: older starts drop out of the window;
// safe mode begins when more than max_starts remain, and stays until resumed.
StartHistory record_start(StartHistory history, WallTime now, const CrashLoopPolicy& policy);

class SafeMode {
public:
    SafeMode(std::string path, CrashLoopPolicy policy);
    // Records this start; true when bedtimed must run in safe mode.
    bool on_start(WallTime now);
    // A person acknowledged it: normal operation, and a fresh start history.
    void resume();
    bool active() const noexcept { return history_.safe_mode; }
    // {"active","since","starts","max_starts","window_min"} for <base>/safe_mode.
    std::string json() const;
    const CrashLoopPolicy& policy() const noexcept { return policy_; }
    int starts_in_window() const noexcept { return static_cast<int>(history_.starts.size()); }

private:
    void save();
    StateFile file_;
    CrashLoopPolicy policy_;
    StartHistory history_;
};

}  // namespace bedtimed
