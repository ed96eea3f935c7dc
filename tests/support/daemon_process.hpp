// The real bedtimed binary as a restartable child process, for the process
// tests (cramp log end to end, faults, security): the same config, state
// directory and client id on every start, so a restart resumes the daemon's
// persistent session at the broker. Output from every run goes to one file.
//
// Also the small polling helpers those tests share. No helper here asserts
// on timing: every wait is a bounded poll with a generous timeout.
//
// Threads: the test thread. Header-only. Throws std::runtime_error when a
// child cannot be started.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "child_process.hpp"
#include "daemon_harness.hpp"
#include "mosquitto_fixture.hpp"

namespace bedtimed::test {

inline std::string read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

inline bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout,
                       std::chrono::milliseconds every = std::chrono::milliseconds(20)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        if (done()) return true;
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(every);
    }
}

inline std::size_t count_of(const std::string& haystack, const std::string& needle) {
    std::size_t n = 0;
    for (auto at = haystack.find(needle); at != std::string::npos;
         at = haystack.find(needle, at + 1))
        ++n;
    return n;
}

// "HH:MM" in UTC, `from_now` from now: a bedtime that puts a test "at night".
inline std::string utc_hhmm(std::chrono::seconds from_now = std::chrono::seconds(0)) {
    const std::time_t t = std::time(nullptr) + static_cast<std::time_t>(from_now.count());
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char text[8];
    std::snprintf(text, sizeof text, "%02d:%02d", tm.tm_hour, tm.tm_min);
    return text;
}

class DaemonProcess {
public:
    struct Options {
        std::vector<std::string> extra_args;  // e.g. {"--log-level", "debug"}
        std::vector<std::string> env;         // "K=V", added to the inherited environment
        // The daemon's stdout/stderr go through a pipe to `cat`, which writes
        // the log file: a file-size limit set on the daemon (RLIMIT_FSIZE)
        // then limits its database and state files but not its own log.
        bool log_through_pipe = false;
    };

    DaemonProcess(std::string broker_uri, const std::string& yaml)
        : DaemonProcess(std::move(broker_uri), yaml, Options{}) {}
    DaemonProcess(std::string broker_uri, const std::string& yaml, Options options)
        : broker_(std::move(broker_uri)), options_(std::move(options)) {
        write_file(config_, yaml);
    }
    ~DaemonProcess() {
        stop_now();
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    DaemonProcess(const DaemonProcess&) = delete;
    DaemonProcess& operator=(const DaemonProcess&) = delete;

    void start() {
        std::vector<std::string> argv{std::string(BEDTIMED_BIN_DIR) + "/bedtimed",
                                      "--config",
                                      config_,
                                      "--broker",
                                      broker_,
                                      "--state-dir",
                                      state_};
        argv.insert(argv.end(), options_.extra_args.begin(), options_.extra_args.end());
        // Through the pipe the daemon's exit status is logged, as "bedtimed exit status N".
        if (options_.log_through_pipe)
            argv.insert(argv.begin(),
                        {"/bin/sh", "-c",
                         "{ \"$@\"; echo \"bedtimed exit status $?\"; } 2>&1 | cat", "sh"});
        process_ = std::make_unique<ChildProcess>(argv, options_.env, log_);
        daemon_pid_ = options_.log_through_pipe ? find_descendant_named(process_->pid(), "bedtimed")
                                                : process_->pid();
        if (daemon_pid_ <= 0) throw std::runtime_error("bedtimed did not start");
    }
    void signal(int sig) { ::kill(daemon_pid_, sig); }
    // SIGKILL and wait for the exit: no chance to write anything more.
    bool kill9() {
        signal(SIGKILL);
        const bool ended = process_->wait(std::chrono::seconds(10)).has_value();
        process_.reset();
        return ended;
    }
    std::optional<int> wait(std::chrono::milliseconds timeout) { return process_->wait(timeout); }
    // Still running (not exited or killed)?
    bool alive() {
        return process_ && ::kill(daemon_pid_, 0) == 0 &&
               !process_->wait(std::chrono::milliseconds(0));
    }
    pid_t pid() const noexcept { return daemon_pid_; }

    std::string output() const { return read_all(log_); }
    bool wait_for_output(const std::string& needle, std::chrono::milliseconds timeout) const {
        return wait_until([&] { return output().find(needle) != std::string::npos; }, timeout);
    }

    const std::string& config() const { return config_; }
    const std::string& state_dir() const { return state_; }
    std::string db() const { return state_ + "/bedtimed.db"; }

private:
    void stop_now() {
        if (!process_) return;
        if (daemon_pid_ > 0) ::kill(daemon_pid_, SIGKILL);  // never leave a daemon behind
        process_.reset();
    }
    // {parent pid, command name} of a process, from /proc; {-1, ""} if it is gone.
    static std::pair<pid_t, std::string> parent_and_name(const std::string& pid) {
        const std::string stat = read_all("/proc/" + pid + "/stat");
        const auto open = stat.find('('), close = stat.rfind(')');
        if (open == std::string::npos || close == std::string::npos) return {-1, ""};
        std::istringstream rest(stat.substr(close + 2));
        char state = 0;
        pid_t ppid = -1;
        rest >> state >> ppid;
        return {ppid, stat.substr(open + 1, close - open - 1)};
    }
    // The child or grandchild of `ancestor` whose command name is `comm`.
    static pid_t find_descendant_named(pid_t ancestor, const std::string& comm) {
        pid_t found = -1;
        wait_until(
            [&] {
                for (const auto& e : std::filesystem::directory_iterator("/proc")) {
                    const std::string pid = e.path().filename().string();
                    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
                    const auto [ppid, name] = parent_and_name(pid);
                    if (name != comm) continue;
                    if (ppid != ancestor && parent_and_name(std::to_string(ppid)).first != ancestor)
                        continue;
                    found = static_cast<pid_t>(std::stol(pid));
                    return true;
                }
                return false;
            },
            std::chrono::seconds(10));
        return found;
    }

    std::string broker_;
    Options options_;
    std::string dir_ = make_temp_dir("bt-proc");
    std::string config_ = dir_ + "/config.yaml";
    std::string state_ = dir_ + "/state";
    std::string log_ = dir_ + "/bedtimed.log";
    std::unique_ptr<ChildProcess> process_;
    pid_t daemon_pid_ = -1;
};

}  // namespace bedtimed::test
