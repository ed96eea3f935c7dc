#include "options.hpp"

#include <algorithm>

#include "loader.hpp"

namespace bedtimed::integrations {

OptionReader::OptionReader(const config::Options& options, std::string config_path, int line,
                           int column, std::string what)
    : options_(options), config_path_(std::move(config_path)), line_(line), column_(column),
      what_(std::move(what)) {}

std::string OptionReader::require(const std::string& key) {
    read_.push_back(key);
    auto it = options_.find(key);
    if (it != options_.end()) check_scalar(key, it->second);
    if (it == options_.end() || it->second.value.empty())
        fail_entry(what_ + " needs the option '" + key + "'");
    return it->second.value;
}

std::string OptionReader::get_or(const std::string& key, std::string fallback) {
    read_.push_back(key);
    auto it = options_.find(key);
    if (it == options_.end()) return fallback;
    check_scalar(key, it->second);
    return it->second.value;
}

const config::Option* OptionReader::node(const std::string& key) {
    read_.push_back(key);
    auto it = options_.find(key);
    return it == options_.end() ? nullptr : &it->second;
}

void OptionReader::check_scalar(const std::string& key, const config::Option& o) const {
    if (o.shape == config::Option::Shape::scalar) return;
    fail_at(o, "option '" + key + "' of " + what_ + " must be a single value, not a " +
                   (o.shape == config::Option::Shape::list ? "list" : "map"));
}

void OptionReader::fail_at(const config::Option& option, const std::string& message) const {
    throw config::ConfigError(config::Location{config_path_, option.line, option.column}, message);
}

void OptionReader::fail(const std::string& key, const std::string& message) const {
    auto it = options_.find(key);
    if (it == options_.end()) fail_entry(message);
    throw config::ConfigError(config::Location{config_path_, it->second.line, it->second.column},
                              message);
}

void OptionReader::fail_entry(const std::string& message) const {
    throw config::ConfigError(config::Location{config_path_, line_, column_}, message);
}

std::vector<std::string> OptionReader::unread_warnings() const {
    std::vector<std::string> out;
    for (const auto& [key, opt] : options_) {
        if (std::find(read_.begin(), read_.end(), key) != read_.end()) continue;
        out.push_back(config::Location{config_path_, opt.line, opt.column}.str() +
                      ": unknown option '" + key + "' for " + what_ + " (ignored)");
    }
    return out;
}

}  // namespace bedtimed::integrations
