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
    kept_.clear();
    return doc;
}

bool StateFile::save(const nlohmann::json& doc) { return write_text(doc.dump(1) + "\n"); }

bool StateFile::write_text(const std::string& text) {
    const std::string tmp = path_ + ".tmp";
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

void StateFile::changed(const std::string& section, const std::string& key) {
    named_ = true;
    changed_entries_[section].insert(key);
}

void StateFile::changed(const std::string& section) {
    named_ = true;
    changed_sections_.insert(section);
}

std::string StateFile::render_kept() {
    // The whole document again when the update named nothing: nothing kept can be trusted.
    if (!named_) kept_.clear();
    for (const auto& section : changed_sections_) kept_.erase(section);
    std::string out;
    out.reserve(last_size_ + last_size_ / 8);
    out += '{';
    bool first_key = true;
    for (const auto& [key, value] : doc_.items()) {
        out += first_key ? "\n" : ",\n";
        first_key = false;
        out += nlohmann::json(key).dump();
        out += ": ";
        if (!value.is_object()) {
            out += value.dump();
            continue;
        }
        Section& kept = kept_[key];
        const auto named = changed_entries_.find(key);
        const auto is_named = [&](const std::string& name) {
            return named != changed_entries_.end() && named->second.count(name);
        };
        // The section and its kept text are both in key order: one walk, no look-ups.
        auto k = kept.begin();
        for (const auto& [name, entry] : value.items()) {
            while (k != kept.end() && k->first < name) k = kept.erase(k);  // erased since
            if (k != kept.end() && k->first == name) {
                if (is_named(name)) k->second = nlohmann::json(name).dump() + ": " + entry.dump();
                ++k;
            } else {
                kept.emplace_hint(k, name, nlohmann::json(name).dump() + ": " + entry.dump());
            }
        }
        kept.erase(k, kept.end());
        out += '{';
        bool first_entry = true;
        for (const auto& [name, text] : kept) {
            out += first_entry ? "\n " : ",\n ";
            first_entry = false;
            out += text;
        }
        out += first_entry ? "}" : "\n}";
    }
    out += first_key ? "}\n" : "\n}\n";
    for (auto it = kept_.begin(); it != kept_.end();) {
        const auto found = doc_.find(it->first);
        it = found == doc_.end() || !found->is_object() ? kept_.erase(it) : std::next(it);
    }
    changed_entries_.clear();
    changed_sections_.clear();
    named_ = false;
    last_size_ = out.size();
    return out;
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
    write_text(render_kept());
    // Said even when the save failed: safety never depends on the disk.
    auto waiting = std::move(waiting_);
    waiting_.clear();
    for (auto& fn : waiting) fn();
}

}  // namespace bedtimed
