// Secrets (MQTT password, notifier tokens): where they come from and how they
// are read. They never come from the config text itself, and they are never
// logged: no message made here contains a secret, only where it was looked for.
//
// Three sources, named in the config by the key's suffix:
//   <key>_file: /path        a file (e.g. mqtt.password_file)
//   <key>_env: NAME          an environment variable
//   <key>_credential: NAME   a systemd credential: $CREDENTIALS_DIRECTORY/NAME,
//                            as passed by LoadCredential= in the unit
// A file or credential has its trailing newline(s) trimmed (`echo secret >`
// writes one); everything else is kept as it is.
//
// Threads: any; no shared state (reads the environment and the file system).
// Throws config::ConfigError (at the key's location, so it prints as
// file:line:col and bedtimed exits 78 at start-up) when a secret cannot be read.
#pragma once

#include <string>
#include <string_view>

#include "config.hpp"

namespace bedtimed::config {

// SecretRef (plain data) lives in config.hpp, next to the settings that hold one.

// A credential name is what LoadCredential= accepts as an ID: 1-255 of
// letters, digits and `-_.@`, not "." or "..".
bool valid_credential_name(std::string_view name) noexcept;

// Reads the secret `ref` points at; "" for Kind::none. Throws ConfigError at
// ref.where when the file, variable or credential is missing or unreadable,
// or when a credential is empty (systemd gives an empty one when the unit's
// SetCredential= fallback stands in for a LoadCredential= source that is
// missing; see systemd/bedtimed.service).
std::string read_secret(const SecretRef& ref);

// For callers that keep just a string: "credential:NAME" reads the systemd
// credential NAME, anything else is a file path. Throws ConfigError at an
// unknown location (0:0) naming `path_or_credential`.
std::string read_secret(const std::string& path_or_credential);

}  // namespace bedtimed::config
