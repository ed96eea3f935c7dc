// Option helpers shared by the HTTP notifiers: URLs, secret files, CA files,
// lists, and Basic auth. Errors are config::ConfigError at the option's
// position (file:line:col), like every other integration option.
//
// Threads: any; no state. Everything here throws config::ConfigError on a
// bad option (and std::bad_alloc), nothing else.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "notifier.hpp"
#include "options.hpp"
#include "outbox.hpp"
#include "url.hpp"

namespace bedtimed::integrations::http {

// A required http(s) URL option.
Url url_option(OptionReader& options, const std::string& key);
// An optional http(s) URL option.
std::optional<Url> optional_url_option(OptionReader& options, const std::string& key);

// The secret in the file named by option `key` (token_file, password_file):
// the file's content without trailing white space. A relative path is taken
// from the config file's directory. Throws at the option when the file cannot
// be read or is empty. Returns "" without reading when !ctx.read_secrets.
std::string read_secret_file(OptionReader& options, const std::string& key,
                             const NotifierContext& ctx);

// The same for a file name at an option tree node (`headers: {X-Key: {file: path}}`);
// `label` names it in messages.
std::string read_secret(OptionReader& options, const config::Option& at, const std::string& label,
                        const NotifierContext& ctx);

// The systemd credential named at an option tree node ($CREDENTIALS_DIRECTORY/<name>,
// read through config::read_secret), with the same checks as a file: one line,
// not empty. Returns "" without reading when !ctx.read_secrets.
std::string read_credential(OptionReader& options, const config::Option& at,
                            const std::string& label, const NotifierContext& ctx);

// Whether `<base>_file` or `<base>_credential` is set ("token", "password").
bool has_secret_option(const OptionReader& options, const std::string& base);

// The secret named by exactly one of `<base>_file` (a file) or
// `<base>_credential` (a systemd credential); both or neither is an error.
std::string read_secret_option(OptionReader& options, const std::string& base,
                               const NotifierContext& ctx);

// A list of strings: a YAML list, or a comma-separated string ("a, b").
std::vector<std::string> string_list_option(OptionReader& options, const std::string& key);

// The Outbox options every HTTP notifier takes: `ca_file` (checked unless
// !ctx.read_secrets), and the label naming the notifier in log lines.
OutboxOptions outbox_options(OptionReader& options, const config::NotifierSpec& spec,
                             const NotifierContext& ctx);

// "Basic <base64(user:password)>".
std::string basic_auth(std::string_view user_colon_password);

// Replaces every "{sleeper}" and "{step}" in `text`.
std::string fill_placeholders(std::string text, const Reminder& r);

}  // namespace bedtimed::integrations::http
