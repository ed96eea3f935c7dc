#include "mqtt_connect.hpp"

#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace bedtimed {

std::string read_password(const config::MqttSettings& s) {
    if (!s.password_env.empty()) {
        const char* v = std::getenv(s.password_env.c_str());
        if (!v) throw std::runtime_error("environment variable " + s.password_env + " is not set");
        return v;
    }
    if (s.password_file.empty()) return {};
    std::ifstream in(s.password_file);
    if (!in) throw std::runtime_error("cannot read password_file " + s.password_file);
    std::string pw;
    std::getline(in, pw);
    while (!pw.empty() && (pw.back() == '\r' || pw.back() == '\n')) pw.pop_back();
    return pw;
}

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
