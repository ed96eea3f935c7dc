// The cramp log's writability, checked for real (store_probe.hpp).
#include "store_probe.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace bedtimed {

StoreProbe::StoreProbe(std::string db_path, const Clock& clock)
    : db_path_(std::move(db_path)), clock_(clock), log_(logger("store")) {
    if (!db_path_.empty()) dir_ = std::filesystem::path(db_path_).parent_path().string();
    if (dir_.empty()) dir_.assign(1, '.');  // (= "." trips GCC 12's -Wrestrict)
}

std::string StoreProbe::write_probe() const {
    const std::string probe = dir_ + "/.bedtimed-write-probe";
    const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return "cannot create a file in " + dir_ + ": " + std::strerror(errno);
    std::string error;
    if (::write(fd, "1", 1) != 1 || ::fsync(fd) != 0)
        error = "cannot write in " + dir_ + ": " + std::strerror(errno);
    if (::close(fd) != 0 && error.empty())
        error = "cannot write in " + dir_ + ": " + std::strerror(errno);
    ::unlink(probe.c_str());
    return error;
}

std::string StoreProbe::why_not(bool last_write_failed) {
    if (db_path_.empty()) return "the cramp log is in memory only";
    struct stat st {};
    if (::stat(db_path_.c_str(), &st) != 0)
        return db_path_ + " is gone (" + std::strerror(errno) + ")";
    if (!identity_) identity_ = std::make_pair(st.st_dev, st.st_ino);
    if (identity_->first != st.st_dev || identity_->second != st.st_ino)
        return db_path_ + " was replaced by another file since bedtimed opened it";
    struct statvfs fs {};
    if (::statvfs(dir_.c_str(), &fs) == 0) {
        if (fs.f_flag & ST_RDONLY) return dir_ + " is on a read-only file system";
        if (fs.f_bavail == 0) return dir_ + "'s file system is full";
    }
    if (::access(db_path_.c_str(), W_OK) != 0 || ::access(dir_.c_str(), W_OK) != 0)
        return db_path_ + " or its folder is not writable";
    const SteadyTime now = clock_.steady_now();
    if (!wrote_at_ || now - *wrote_at_ >= kWriteEvery || !write_error_.empty()) {
        wrote_at_ = now;
        write_error_ = write_probe();
    }
    if (!write_error_.empty()) return write_error_;
    if (last_write_failed) return "the cramp log's last write failed (see the log above)";
    return {};
}

StoreProbe::Result StoreProbe::check(bool last_write_failed) {
    Result r;
    r.why = why_not(last_write_failed);
    r.writable = r.why.empty();
    if (last_answer_ != r.writable) {
        if (!r.writable) log_->error("the cramp log is not writable: {}", r.why);
        else if (last_answer_) log_->info("the cramp log is writable again");
        last_answer_ = r.writable;
    }
    return r;
}

}  // namespace bedtimed
