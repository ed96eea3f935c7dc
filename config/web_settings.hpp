// The `web` section of the config: the local page's address, port, path
// prefix and token (daemon/web/). Read from the config file by its own entry
// point, beside load_config(), which leaves the section to it.
//
// Threads: any; no shared state. load_web_settings() throws ConfigError
// (file:line:col, exit 78 at start-up) for a bad value, and for any address
// but loopback without a token.
#pragma once

#include <string>
#include <vector>

#include "config.hpp"

namespace bedtimed::config {

struct WebSettings {
    bool enabled = false;  // a `web` section is present (and not `enabled: false`)
    std::string address = "127.0.0.1";
    int port = 8377;          // 0 = any free port (tests)
    std::string path_prefix;  // "" or "/a/b": a reverse proxy that does not strip its prefix
    SecretRef token;          // token_file / token_env / token_credential
    bool loopback = true;     // address is 127.0.0.0/8 or ::1
    std::vector<std::string> warnings;  // unknown keys, as file:line:col
};

// The `web` section of the YAML text `yaml_text` (read from `path`); a
// disabled WebSettings when there is none.
WebSettings parse_web_settings(const std::string& yaml_text, const std::string& path);
// The same, read from the file at `path`.
WebSettings load_web_settings(const std::string& path);

}  // namespace bedtimed::config
