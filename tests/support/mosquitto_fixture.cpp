#include "mosquitto_fixture.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

namespace bedtimed::test {

std::uint16_t free_loopback_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        throw std::runtime_error("cannot bind a loopback port");
    }
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
}

std::string make_temp_dir(const std::string& prefix) {
    const char* tmp = std::getenv("TMPDIR");
    std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/" + prefix + "-XXXXXX";
    if (!::mkdtemp(templ.data())) throw std::runtime_error("mkdtemp failed");
    return templ;
}

namespace {
bool port_open(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
}
}  // namespace

Mosquitto::Mosquitto() : Mosquitto(Options{}) {}

Mosquitto::Mosquitto(Options options)
    : options_(std::move(options)), port_(free_loopback_port()), dir_(make_temp_dir("bt-mosq")) {
    start();
}

Mosquitto::~Mosquitto() {
    if (pid_ > 0) kill9();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
}

void Mosquitto::start() {
    if (pid_ > 0) return;
    const std::string conf = dir_ + "/mosquitto.conf";
    {
        std::ofstream out(conf);
        out << "listener " << port_ << " 127.0.0.1\n"
            << "allow_anonymous true\n"
            << "persistence " << (options_.persistence ? "true" : "false") << "\n"
            << "persistence_location " << dir_ << "/\n"
            << "log_dest file " << log_path() << "\n"
            << (options_.verbose_log ? "log_type all\n" : "")
            << "max_queued_messages 100000\n"
            // Started as root, mosquitto drops to the "mosquitto" user, which
            // cannot write into our private temp dir; stay who we are.
            << (::geteuid() == 0 ? "user root\n" : "") << options_.extra_config << "\n";
    }
    pid_ = ::fork();
    if (pid_ == 0) {
        ::execlp("mosquitto", "mosquitto", "-c", conf.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    for (int i = 0; i < 200; ++i) {
        if (port_open(port_)) return;
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            throw std::runtime_error("mosquitto exited at start; see " + dir_ + "/mosquitto.log");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    throw std::runtime_error("mosquitto did not open port " + std::to_string(port_));
}

void Mosquitto::stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
}

void Mosquitto::kill9() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
}

}  // namespace bedtimed::test
