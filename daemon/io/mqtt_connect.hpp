// What every MQTT client of ours (the daemon's PahoBus, bedtimectl) needs from
// config::MqttSettings to connect: the URI in the spelling Paho knows, the
// password, and the TLS options.
//
// Threads: any; no shared state. read_password() throws config::ConfigError
// (a std::runtime_error) when the configured file, variable or credential
// cannot be read; the rest never throw
// apart from std::bad_alloc.
#pragma once

#include <mqtt/ssl_options.h>

#include <cstdint>
#include <string>

#include "config.hpp"

namespace bedtimed {

// The password from `password_file`, `password_env` or `password_credential`
// (config/secret.hpp: trailing newline trimmed); empty when none is set.
// Never logged by callers.
std::string read_password(const config::MqttSettings& s);

// Paho 1.3.12 knows tcp:// and ssl://; the common mqtt:// and mqtts://
// spellings are mapped onto them.
std::string paho_uri(std::string uri);

// The broker's host and TCP port in a URI (tcp://host:port, ssl://[::1]:8883,
// mqtt://host); the port defaults per scheme (1883, 8883 for ssl/mqtts).
struct BrokerAddress {
    std::string host;
    std::uint16_t port = 1883;
};
BrokerAddress broker_address(const std::string& uri);

// TLS options for `tls`: server certificate checked, hostname checked as
// configured, CA file and client certificate when given.
mqtt::ssl_options ssl_options_for(const config::TlsSettings& tls);

}  // namespace bedtimed
