#include "secret.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>

#include "loader.hpp"

namespace bedtimed::config {

namespace {

// Secrets are short; a bigger file is a mistake (a key ring, a log), not a password.
constexpr std::size_t kMaxSecretBytes = 64 * 1024;

std::string trim_newlines(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
}

// Reads `path`, or returns false and sets `why` (errno text, never contents).
bool read_small_file(const std::string& path, std::string& out, std::string& why) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        why = std::strerror(errno);
        return false;
    }
    out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (in.bad()) {
        why = "read error";
        return false;
    }
    if (out.size() > kMaxSecretBytes) {
        why = "larger than 64 KiB";
        return false;
    }
    return true;
}

}  // namespace

bool valid_credential_name(std::string_view name) noexcept {
    if (name.empty() || name.size() > 255 || name == "." || name == "..") return false;
    for (const char c : name) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '@';
        if (!ok) return false;
    }
    return true;
}

std::string read_secret(const SecretRef& ref) {
    std::string data, why;
    switch (ref.kind) {
        case SecretRef::Kind::none:
            return {};
        case SecretRef::Kind::env: {
            const char* v = std::getenv(ref.value.c_str());
            if (!v)
                throw ConfigError(ref.where, "environment variable " + ref.value + " is not set");
            return v;
        }
        case SecretRef::Kind::file:
            if (!read_small_file(ref.value, data, why))
                throw ConfigError(ref.where, "cannot read secret file " + ref.value + ": " + why);
            return trim_newlines(std::move(data));
        case SecretRef::Kind::credential: {
            if (!valid_credential_name(ref.value))
                throw ConfigError(ref.where, "'" + ref.value + "' is not a valid credential name");
            const char* dir = std::getenv("CREDENTIALS_DIRECTORY");
            if (!dir || !*dir)
                throw ConfigError(ref.where,
                                  "credential '" + ref.value +
                                      "': $CREDENTIALS_DIRECTORY is not set (not started "
                                      "by systemd with LoadCredential=?)");
            const std::string path = std::string(dir) + "/" + ref.value;
            if (!read_small_file(path, data, why))
                throw ConfigError(
                    ref.where, "credential '" + ref.value + "': cannot read " + path + ": " + why);
            data = trim_newlines(std::move(data));
            if (data.empty())
                throw ConfigError(ref.where,
                                  "credential '" + ref.value +
                                      "' is empty (is the LoadCredential= source file missing?)");
            return data;
        }
    }
    return {};
}

std::string read_secret(const std::string& path_or_credential) {
    static constexpr std::string_view kPrefix = "credential:";
    SecretRef ref;
    ref.where.file = path_or_credential;
    if (path_or_credential.rfind(kPrefix, 0) == 0) {
        ref.kind = SecretRef::Kind::credential;
        ref.value = path_or_credential.substr(kPrefix.size());
    } else {
        ref.kind = SecretRef::Kind::file;
        ref.value = path_or_credential;
    }
    return read_secret(ref);
}

}  // namespace bedtimed::config
