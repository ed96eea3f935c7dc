#include "state_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace bedtimed {

StateFile::StateFile(std::string path) : path_(std::move(path)), log_(logger("state")) {}

nlohmann::json StateFile::load() {
    std::ifstream in(path_);
    if (!in) return nlohmann::json::object();
    std::ostringstream text;
    text << in.rdbuf();
    auto doc = nlohmann::json::parse(text.str(), nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) {
        log_->warn("{} is not valid JSON; starting from an empty state", path_);
        return nlohmann::json::object();
    }
    doc_ = doc;
    have_doc_ = true;
    return doc;
}

bool StateFile::save(const nlohmann::json& doc) {
    const std::string tmp = path_ + ".tmp";
    const std::string text = doc.dump(1);
    auto fail = [&](const char* what) {
        if (!failing_) log_->error("cannot save {}: {} ({})", path_, what, std::strerror(errno));
        failing_ = true;
        return false;
    };
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(path_).parent_path(), ec);
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return fail("open");
    const bool written =
        ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
        ::fsync(fd) == 0;
    ::close(fd);
    if (!written) return fail("write");
    if (::rename(tmp.c_str(), path_.c_str()) != 0) return fail("rename");
    // The rename itself is only durable once the directory is synced.
    const std::string dir = std::filesystem::path(path_).parent_path().string();
    const int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
    if (failing_) log_->info("{} saved again", path_);
    failing_ = false;
    return true;
}

void StateFile::defer_saves(std::unique_ptr<Timer> timer, Duration window) {
    timer_ = std::move(timer);
    window_ = window;
}

void StateFile::save_soon(Update update) {
    const bool armed = pending();
    update_ = std::move(update);
    if (!timer_) return flush();
    if (!armed) timer_->arm(window_, [this] { flush(); });
}

void StateFile::after_saved(std::function<void()> fn) {
    if (pending()) waiting_.push_back(std::move(fn));
    else fn();
}

void StateFile::flush() {
    if (!pending()) return;
    if (timer_) timer_->cancel();
    const Update update = std::move(update_);
    update_ = nullptr;
    if (!have_doc_) doc_ = load();
    have_doc_ = true;
    update(doc_);
    save(doc_);
    // Said even when the save failed: safety never depends on the disk.
    auto waiting = std::move(waiting_);
    waiting_.clear();
    for (auto& fn : waiting) fn();
}

}  // namespace bedtimed
