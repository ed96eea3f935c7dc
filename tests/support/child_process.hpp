// Runs one of our binaries as a child process for tests, with stdout and
// stderr captured to files, so tests can send it signals and read its log.
// Threads: the test thread. Throws std::runtime_error if fork fails.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace bedtimed::test {

class ChildProcess {
public:
    // `env` entries ("K=V") are added to the inherited environment.
    // `output_path`, if given, receives stdout and stderr (appended); else a temp file.
    // `stderr_path`, if given, receives stderr instead, so output() is stdout alone.
    ChildProcess(std::vector<std::string> argv, std::vector<std::string> env = {},
                 std::string output_path = "", std::string stderr_path = "");
    ~ChildProcess();  // SIGKILL if still running

    pid_t pid() const noexcept { return pid_; }
    void signal(int sig);
    // Exit status (or 128+signal) if it ended within `timeout`.
    std::optional<int> wait(std::chrono::milliseconds timeout);
    std::string output() const;  // stdout and stderr so far
    // Waits until output() contains `needle`.
    bool wait_for_output(const std::string& needle, std::chrono::milliseconds timeout) const;

private:
    pid_t pid_ = -1;
    std::string log_path_;
};

// Runs argv to completion (at most `timeout`) and returns {exit code, output}.
std::pair<int, std::string> run_to_completion(
    std::vector<std::string> argv, std::chrono::milliseconds timeout = std::chrono::seconds(20));

struct SplitOutput {
    int rc = -1;
    std::string out, err;
};
// The same with stdout and stderr apart, for output a test parses (JSON).
SplitOutput run_split(std::vector<std::string> argv,
                      std::chrono::milliseconds timeout = std::chrono::seconds(20));

}  // namespace bedtimed::test
