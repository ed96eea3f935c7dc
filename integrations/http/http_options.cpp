#include "http_options.hpp"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "client.hpp"
#include "loader.hpp"
#include "secret.hpp"

namespace bedtimed::integrations::http {

namespace {

constexpr std::size_t kMaxSecretBytes = 4096;

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
    for (std::size_t pos = text.find(from); pos != std::string::npos;
         pos = text.find(from, pos + to.size()))
        text.replace(pos, from.size(), to);
    return text;
}

std::string resolve_path(const OptionReader& options, const std::string& path) {
    const std::filesystem::path p(path);
    if (p.is_absolute()) return path;
    return (std::filesystem::path(options.config_path()).parent_path() / p).string();
}

}  // namespace

std::optional<Url> optional_url_option(OptionReader& options, const std::string& key) {
    if (!options.has(key)) {
        options.get_or(key, "");
        return std::nullopt;
    }
    const std::string text = options.get_or(key, "");
    std::string error;
    auto url = parse_url(text, error);
    // The text is not echoed: it may hold a password.
    if (!url)
        options.fail(
            key, "option '" + key + "' of " + options.what() + " is not a valid URL: it " + error);
    return url;
}

Url url_option(OptionReader& options, const std::string& key) {
    options.require(key);
    return *optional_url_option(options, key);
}

namespace {

// The checks a secret from a file and from a credential share; `source`
// names where it came from (never the secret itself).
std::string checked_secret(OptionReader& options, const config::Option& at,
                           const std::string& source, std::string secret) {
    if (secret.size() > kMaxSecretBytes)
        options.fail_at(
            at, source + " of " + options.what() + " is larger than 4 KiB; is it the right file?");
    while (!secret.empty() && std::isspace(static_cast<unsigned char>(secret.back())))
        secret.pop_back();
    if (secret.empty()) options.fail_at(at, source + " of " + options.what() + " is empty");
    for (char c : secret)
        if (c == '\r' || c == '\n' || c == '\0')
            options.fail_at(at, source + " of " + options.what() +
                                    " must hold one line (it goes into an HTTP header)");
    return secret;
}

}  // namespace

std::string read_secret(OptionReader& options, const config::Option& at, const std::string& label,
                        const NotifierContext& ctx) {
    if (at.shape != config::Option::Shape::scalar || at.value.empty())
        options.fail_at(at, label + " of " + options.what() + " must be a file name");
    if (!ctx.read_secrets) return {};
    const std::string full = resolve_path(options, at.value);
    std::ifstream in(full, std::ios::binary);
    if (!in)
        options.fail_at(at, "cannot read " + label + " '" + full + "' of " + options.what() + ": " +
                                std::strerror(errno));
    std::string secret(kMaxSecretBytes + 1, '\0');
    in.read(secret.data(), static_cast<std::streamsize>(secret.size()));
    secret.resize(static_cast<std::size_t>(in.gcount()));
    return checked_secret(options, at, label + " '" + full + "'", std::move(secret));
}

std::string read_credential(OptionReader& options, const config::Option& at,
                            const std::string& label, const NotifierContext& ctx) {
    if (at.shape != config::Option::Shape::scalar || !config::valid_credential_name(at.value))
        options.fail_at(
            at, label + " of " + options.what() +
                    " must be a credential name (letters, digits, - _ . @), as in LoadCredential=");
    if (!ctx.read_secrets) return {};
    config::SecretRef ref;
    ref.kind = config::SecretRef::Kind::credential;
    ref.value = at.value;
    std::string secret;
    try {
        secret = config::read_secret(ref);
    } catch (const config::ConfigError& e) {
        // The message names the credential and $CREDENTIALS_DIRECTORY, never the content.
        options.fail_at(at, label + " of " + options.what() + ": " + e.message());
    }
    return checked_secret(options, at, label + " '" + at.value + "'", std::move(secret));
}

std::string read_secret_file(OptionReader& options, const std::string& key,
                             const NotifierContext& ctx) {
    options.require(key);  // present, a single value
    return read_secret(options, *options.node(key), key, ctx);
}

bool has_secret_option(const OptionReader& options, const std::string& base) {
    return options.has(base + "_file") || options.has(base + "_credential");
}

std::string read_secret_option(OptionReader& options, const std::string& base,
                               const NotifierContext& ctx) {
    const std::string file_key = base + "_file", credential_key = base + "_credential";
    const bool file = options.has(file_key), credential = options.has(credential_key);
    if (file && credential)
        options.fail(credential_key,
                     options.what() + ": set " + file_key + " or " + credential_key + ", not both");
    if (credential) {
        options.require(credential_key);  // a single value
        return read_credential(options, *options.node(credential_key), credential_key, ctx);
    }
    if (!file) options.fail_entry(options.what() + " needs " + file_key + " or " + credential_key);
    options.get_or(credential_key, "");  // read, so never reported as unknown
    return read_secret_file(options, file_key, ctx);
}

std::vector<std::string> string_list_option(OptionReader& options, const std::string& key) {
    std::vector<std::string> out;
    const config::Option* node = options.node(key);
    if (node == nullptr) return out;
    auto add = [&](const config::Option& o, std::string text) {
        const auto b = text.find_first_not_of(" \t");
        const auto e = text.find_last_not_of(" \t");
        text = b == std::string::npos ? "" : text.substr(b, e - b + 1);
        if (text.empty())
            options.fail_at(o, "option '" + key + "' of " + options.what() + " has an empty entry");
        out.push_back(std::move(text));
    };
    if (node->shape == config::Option::Shape::scalar) {
        std::stringstream ss(node->value);
        for (std::string part; std::getline(ss, part, ',');) add(*node, part);
    } else if (node->shape == config::Option::Shape::list) {
        for (const auto& item : node->items) {
            if (item.shape != config::Option::Shape::scalar)
                options.fail_at(item, "option '" + key + "' of " + options.what() +
                                          " must be a list of strings");
            add(item, item.value);
        }
    } else {
        options.fail_at(*node,
                        "option '" + key + "' of " + options.what() + " must be a list of strings");
    }
    return out;
}

OutboxOptions outbox_options(OptionReader& options, const config::NotifierSpec& spec,
                             const NotifierContext& ctx) {
    OutboxOptions o;
    o.label = "notifier '" + spec.name + "' (" + spec.type + ")";
    const std::string ca = options.get_or("ca_file", "");
    if (!ca.empty()) {
        o.client.ca_file = resolve_path(options, ca);
        if (ctx.read_secrets) {
            try {
                Client::check_ca_file(o.client.ca_file);
            } catch (const std::exception& e) {
                options.fail("ca_file", "option 'ca_file' of " + options.what() + ": " + e.what());
            }
        }
    }
    return o;
}

std::string basic_auth(std::string_view user_colon_password) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out = "Basic ";
    std::size_t i = 0;
    const auto byte = [&](std::size_t k) {
        return static_cast<unsigned char>(user_colon_password[k]);
    };
    for (; i + 2 < user_colon_password.size(); i += 3) {
        const unsigned v = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += kAlphabet[(v >> 6) & 63];
        out += kAlphabet[v & 63];
    }
    const std::size_t rest = user_colon_password.size() - i;
    if (rest == 1) {
        const unsigned v = byte(i) << 16;
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += "==";
    } else if (rest == 2) {
        const unsigned v = (byte(i) << 16) | (byte(i + 1) << 8);
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += kAlphabet[(v >> 6) & 63];
        out += '=';
    }
    return out;
}

std::string fill_placeholders(std::string text, const Reminder& r) {
    return replace_all(replace_all(std::move(text), "{sleeper}", r.sleeper), "{step}", r.step);
}

}  // namespace bedtimed::integrations::http
