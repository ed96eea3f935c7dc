// Whether the cramp log can really be written, for /healthz, `<base>/health`
// and bedtimed_store_writable. Not by access(2) alone, which root passes
// whatever the disk says, but by what a write needs:
// - at every check, without writing (stat, statvfs): the file is still the one
//   seen at the first check (not removed or replaced: SQLite would go on
//   writing to the unlinked file, and the rows would be gone at the next
//   start), and its file system is neither mounted read-only nor full;
// - at the first check and then at most every kWriteEvery: a real write, a
//   small file next to the log created, written, fsync'ed and removed (a
//   read-only folder, EROFS, ENOSPC, EDQUOT, EIO);
// - the outcome of the log's own last write, from the caller.
// A change of the answer is logged once, with the reason.
//
// Threads: loop thread (App's). Nothing throws apart from std::bad_alloc.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>

#include "clock.hpp"
#include "log.hpp"

namespace bedtimed {

class StoreProbe {
public:
    static constexpr std::chrono::minutes kWriteEvery{10};

    // `db_path` "" (the log is in memory): never writable.
    StoreProbe(std::string db_path, const Clock& clock);

    struct Result {
        bool writable = false;
        std::string why;  // "" when writable
    };
    // `last_write_failed`: the log's own last write (CrampLog, the intake) failed.
    Result check(bool last_write_failed);

private:
    std::string why_not(bool last_write_failed);
    std::string write_probe() const;  // "" when a file could be written in the folder

    std::string db_path_, dir_;
    const Clock& clock_;
    std::shared_ptr<spdlog::logger> log_;
    std::optional<std::pair<dev_t, ino_t>> identity_;  // the file at the first check
    std::optional<SteadyTime> wrote_at_;
    std::string write_error_;  // the last write probe's
    std::optional<bool> last_answer_;
};

}  // namespace bedtimed
