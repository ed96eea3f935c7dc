#include "mqtt_connect.hpp"

#include <cstdlib>

#include "secret.hpp"

namespace bedtimed {

std::string read_password(const config::MqttSettings& s) { return config::read_secret(s.password); }

std::string paho_uri(std::string uri) {
    if (uri.rfind("mqtt://", 0) == 0) return "tcp://" + uri.substr(7);
    if (uri.rfind("mqtts://", 0) == 0) return "ssl://" + uri.substr(8);
    return uri;
}

BrokerAddress broker_address(const std::string& uri) {
    const auto scheme_end = uri.find("://");
    const std::string scheme = scheme_end == std::string::npos ? "tcp" : uri.substr(0, scheme_end);
    std::string rest = scheme_end == std::string::npos ? uri : uri.substr(scheme_end + 3);
    rest = rest.substr(0, rest.find('/'));
    BrokerAddress a;
    a.port = (scheme == "ssl" || scheme == "mqtts") ? 8883 : 1883;
    const auto bracket = rest.rfind(']');
    const auto colon = rest.rfind(':');
    if (colon != std::string::npos && (bracket == std::string::npos || colon > bracket)) {
        a.port = static_cast<std::uint16_t>(std::atoi(rest.c_str() + colon + 1));
        rest = rest.substr(0, colon);
    }
    if (rest.size() >= 2 && rest.front() == '[' && rest.back() == ']')
        rest = rest.substr(1, rest.size() - 2);
    a.host = rest;
    return a;
}

mqtt::ssl_options ssl_options_for(const config::TlsSettings& tls) {
    // No error_handler/psk_handler (use-after-free in 1.2.0, Paho #325) and
    // a CA file rather than a CA path (dropped on copy, Paho #337).
    auto ssl = mqtt::ssl_options_builder()
                   .enable_server_cert_auth(true)
                   .verify(tls.verify_hostname)
                   .finalize();
    if (!tls.ca_file.empty()) ssl.set_trust_store(tls.ca_file);
    if (!tls.cert_file.empty()) {
        ssl.set_key_store(tls.cert_file);
        ssl.set_private_key(tls.key_file);
    }
    return ssl;
}

}  // namespace bedtimed
