#include "child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "mosquitto_fixture.hpp"

namespace bedtimed::test {

ChildProcess::ChildProcess(std::vector<std::string> argv, std::vector<std::string> env,
                           std::string output_path, std::string stderr_path)
    : log_path_(std::move(output_path)) {
    if (log_path_.empty()) log_path_ = make_temp_dir("bt-child") + "/output.log";
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
        const int fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
        ::dup2(fd, 1);
        ::dup2(stderr_path.empty()
                   ? fd
                   : ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600),
               2);
        // Nothing else of the test's: Paho opens its sockets without
        // CLOEXEC, so a daemon would otherwise inherit the test clients'
        // broker connections (and count them as its own: "TCP_NODELAY on 2
        // sockets"), keeping them open after the test client has gone.
        ::close_range(3, ~0U, 0);
        for (auto& e : env) ::putenv(e.data());
        std::vector<char*> args;
        for (auto& a : argv) args.push_back(a.data());
        args.push_back(nullptr);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
}

ChildProcess::~ChildProcess() {
    if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
}

void ChildProcess::signal(int sig) {
    if (pid_ > 0) ::kill(pid_, sig);
}

std::optional<int> ChildProcess::wait(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (pid_ > 0) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        if (std::chrono::steady_clock::now() > deadline) return std::nullopt;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return std::nullopt;
}

std::string ChildProcess::output() const {
    std::ifstream in(log_path_);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

bool ChildProcess::wait_for_output(const std::string& needle,
                                   std::chrono::milliseconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (output().find(needle) != std::string::npos) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
}

std::pair<int, std::string> run_to_completion(std::vector<std::string> argv,
                                              std::chrono::milliseconds timeout) {
    ChildProcess p(std::move(argv));
    auto rc = p.wait(timeout);
    return {rc.value_or(-1), p.output()};
}

SplitOutput run_split(std::vector<std::string> argv, std::chrono::milliseconds timeout) {
    const std::string dir = make_temp_dir("bt-child");
    SplitOutput r;
    {
        ChildProcess p(std::move(argv), {}, dir + "/stdout.log", dir + "/stderr.log");
        r.rc = p.wait(timeout).value_or(-1);
        r.out = p.output();
    }
    std::ifstream err(dir + "/stderr.log");
    std::ostringstream s;
    s << err.rdbuf();
    r.err = s.str();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    return r;
}

}  // namespace bedtimed::test
