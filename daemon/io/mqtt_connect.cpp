#include "mqtt_connect.hpp"

#include "secret.hpp"

namespace bedtimed {

std::string read_password(const config::MqttSettings& s) { return config::read_secret(s.password); }

std::string paho_uri(std::string uri) {
    if (uri.rfind("mqtt://", 0) == 0) return "tcp://" + uri.substr(7);
    if (uri.rfind("mqtts://", 0) == 0) return "ssl://" + uri.substr(8);
    return uri;
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
