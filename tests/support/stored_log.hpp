// What the process tests read back from a running daemon: its retained
// status on `<base>/status`, and its SQLite log, opened read-only exactly as
// bedtimectl opens it (a missing file reads as empty: the daemon creates it
// at its first write).
//
// Threads: the test thread. Header-only. Throws mqtt::exception when the
// broker is absent, StoreError when the file is not a cramp log.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "episode_store.hpp"
#include "test_client.hpp"

namespace bedtimed::test {

// Waits for the retained status to read `want` (each subscription replays it).
inline bool wait_status(const std::string& uri, const std::string& base, const std::string& want,
                        std::chrono::seconds timeout) {
    TestClient c(uri);
    c.subscribe(base + "/status");
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        auto m = c.next_on(base + "/status", std::chrono::milliseconds(500));
        if (m && m->payload == want) return true;
    }
    return false;
}

inline std::optional<StoredEpisode> stored(const std::string& db, const std::string& source,
                                           const std::string& id) {
    if (!std::filesystem::exists(db)) return std::nullopt;
    EpisodeStore store(db, EpisodeStore::Mode::read_only);
    return store.find(source, id);
}

inline std::int64_t stored_count(const std::string& db) {
    if (!std::filesystem::exists(db)) return 0;
    EpisodeStore store(db, EpisodeStore::Mode::read_only);
    return store.count();
}

}  // namespace bedtimed::test
