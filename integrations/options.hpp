// Reads an integration's options from the config (the keys of an actuator or
// notifier entry that bedtimed itself does not interpret), remembering which
// were read so that the rest can be reported as unknown.
//
// Threads: any; one reader per entry. require()/fail() throw
// config::ConfigError at the option's position (or the entry's, when missing).
#pragma once

#include <string>
#include <vector>

#include "config.hpp"

namespace bedtimed::integrations {

class OptionReader {
public:
    // `what` names the entry in messages, e.g. "actuator 'pad_left'".
    OptionReader(const config::Options& options, std::string config_path, int line, int column,
                 std::string what);

    // Scalars only: a list or map where a single value belongs is an error at its position.
    std::string require(const std::string& key);
    std::string get_or(const std::string& key, std::string fallback);
    // Any shape (scalar, list, map), or nullptr when absent; marks the key as read.
    const config::Option* node(const std::string& key);
    bool has(const std::string& key) const { return options_.count(key) != 0; }
    [[noreturn]] void fail(const std::string& key, const std::string& message) const;
    [[noreturn]] void fail_entry(const std::string& message) const;
    // At an option or one of its elements (from node()).
    [[noreturn]] void fail_at(const config::Option& option, const std::string& message) const;
    // "file:line:col: unknown option 'x' for <what> (ignored)" for every option never read.
    std::vector<std::string> unread_warnings() const;
    const std::string& what() const { return what_; }
    // The config file the options come from (relative secret files are resolved against its
    // directory).
    const std::string& config_path() const { return config_path_; }

private:
    void check_scalar(const std::string& key, const config::Option& o) const;

    const config::Options& options_;
    std::string config_path_;
    int line_, column_;
    std::string what_;
    std::vector<std::string> read_;
};

}  // namespace bedtimed::integrations
