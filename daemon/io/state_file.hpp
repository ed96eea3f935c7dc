// A small JSON document kept on disk and replaced atomically (MPD's
// FileOutputStream pattern): write a temporary file, fsync it, rename it over
// the old one, fsync the directory. A crash leaves the old or the new file,
// never a torn one.
//
// Saving once per burst (bench/house.py): each save costs two fsyncs and
// the serialisation of a whole-house document, and a house of 500 sleepers
// used to write both of its documents for every episode of a burst, on the
// loop thread. With a timer (defer_saves), save_soon() only records the
// change; one save, `window` after the first unsaved change, writes the
// latest state of everything changed since. after_saved() holds back what
// may be said only once the state is on disk ("on disk before anything is
// said": a kill -9 right after a log line still finds the state). What must
// never wait (a hand's OFF) calls flush() at once. Without a timer every
// save_soon() saves at once.
//
// Serialising only what changed: a house's routine.json holds 1,500 entries
// and nlohmann's serialiser took about 3 ms for it on every save, on the loop
// thread, inside the bursts. An update that names the entries it set
// (changed(section, key): doc[section][key]) has only those serialised; the
// rest of each section is spliced from the text kept since its entry last
// changed. A section the update names whole (changed(section)) is serialised
// whole; an update that names nothing has the whole document serialised
// again (the safe default).
//
// Threads: loop thread only. load() never throws (a missing or corrupt file
// reads as an empty object, and is logged); save() returns false on failure
// (logged once per failure streak) so that safety never depends on the disk.
// The owner must call flush() in its destructor (and before a successor
// reads the file): the pending update reads the owner's members.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "clock.hpp"
#include "log.hpp"

namespace bedtimed {

class StateFile {
public:
    // Brings the document up to date; it holds what was last loaded or saved.
    using Update = std::function<void(nlohmann::json& doc)>;

    explicit StateFile(std::string path);
    nlohmann::json load();
    bool save(const nlohmann::json& doc);
    const std::string& path() const noexcept { return path_; }

    // From now on save_soon() saves `window` after the first unsaved change.
    void defer_saves(std::unique_ptr<Timer> timer, Duration window);
    // Applies `update` (the latest replaces any earlier one) and saves, at
    // once or when the window closes.
    void save_soon(Update update);
    // `fn` now when no save is pending, else right after the pending save.
    void after_saved(std::function<void()> fn);
    // Saves what is pending now and runs what waited for it.
    void flush();
    bool pending() const noexcept { return static_cast<bool>(update_); }

    // For an Update, while it runs: it set or erased doc[section][key] (and
    // touched nothing it has not named), or it rebuilt doc[section].
    void changed(const std::string& section, const std::string& key);
    void changed(const std::string& section);

private:
    std::string path_;
    std::shared_ptr<spdlog::logger> log_;
    bool failing_ = false;
    std::unique_ptr<Timer> timer_;  // destroyed with this: a pending save never fires late
    Duration window_{};
    Update update_;
    std::vector<std::function<void()>> waiting_;
    // The document as last loaded or saved, so that a save need not read the file.
    nlohmann::json doc_;
    bool have_doc_ = false;

    // What flush() writes: doc_, each entry of a section from its kept text
    // unless the update named it.
    std::string render_kept();
    bool write_text(const std::string& text);
    using Section = std::map<std::string, std::string, std::less<>>;  // key -> "\"key\": {...}"
    std::map<std::string, Section, std::less<>> kept_;
    std::map<std::string, std::set<std::string>, std::less<>> changed_entries_;  // section -> keys
    std::size_t last_size_ = 0;
    std::set<std::string, std::less<>> changed_sections_;
    bool named_ = false;  // the running update named what it changed
};

}  // namespace bedtimed
