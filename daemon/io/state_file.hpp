// A small JSON document kept on disk and replaced atomically (MPD's
// FileOutputStream pattern): write a temporary file, fsync it, rename it over
// the old one, fsync the directory. A crash leaves the old or the new file,
// never a torn one.
//
// Threads: loop thread only. load() never throws (a missing or corrupt file
// reads as an empty object, and is logged); save() returns false on failure
// (logged once per failure streak) so that safety never depends on the disk.
#pragma once

#include <nlohmann/json.hpp>

#include <memory>
#include <string>

#include "log.hpp"

namespace bedtimed {

class StateFile {
public:
    explicit StateFile(std::string path);
    nlohmann::json load();
    bool save(const nlohmann::json& doc);
    const std::string& path() const noexcept { return path_; }

private:
    std::string path_;
    std::shared_ptr<spdlog::logger> log_;
    bool failing_ = false;
};

}  // namespace bedtimed
