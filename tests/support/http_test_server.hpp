// A small real HTTP/1.1 server for tests, on Beast: it listens on a loopback
// ephemeral port, runs on its own thread, records every request it reads
// (method, target, headers, body), and answers as the test scripts it: 200
// by default, another status for the next N requests, or never (it holds the
// connection open, so the client's timeout is what ends it). With Tls it
// serves HTTPS with a certificate from TestCertificates.
//
// Threads: construct, script and inspect from the test thread; the server's
// own thread does the I/O. Every public method is thread-safe. The
// constructor throws std::runtime_error if it cannot listen or load the
// certificate; the destructor stops the thread and closes every connection.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace bedtimed::test {

struct RecordedRequest {
    std::string method;
    std::string target;
    std::map<std::string, std::string> headers;  // names in lower case
    std::string body;
    std::string header(const std::string& lower_name) const {
        auto it = headers.find(lower_name);
        return it == headers.end() ? std::string() : it->second;
    }
};

// A CA and a server certificate signed by it, made with the `openssl` CLI in
// a fresh temp dir (removed by the destructor). `san` is the server's
// subjectAltName, e.g. "IP:127.0.0.1,DNS:localhost". Throws std::runtime_error
// if openssl fails.
struct TestCertificates {
    explicit TestCertificates(const std::string& san = "IP:127.0.0.1,DNS:localhost");
    ~TestCertificates();
    TestCertificates(const TestCertificates&) = delete;
    TestCertificates& operator=(const TestCertificates&) = delete;
    std::string dir, ca_file, cert_file, key_file;
};

class HttpTestServer {
public:
    struct Tls {
        std::string cert_file, key_file;
    };
    explicit HttpTestServer(std::optional<Tls> tls = std::nullopt);
    ~HttpTestServer();
    HttpTestServer(const HttpTestServer&) = delete;
    HttpTestServer& operator=(const HttpTestServer&) = delete;

    unsigned short port() const;
    // "http://127.0.0.1:<port>" or "https://…".
    std::string url() const;

    // The next `times` requests get `status` (then the default again).
    void answer_next(int status, int times = 1);
    // The next `times` requests are read and recorded but never answered.
    void hang_next(int times = 1);
    // The answer after the scripted ones (200 unless changed).
    void set_default_status(int status);

    std::vector<RecordedRequest> requests() const;
    std::size_t request_count() const;
    // Connections that ended before a whole request arrived (e.g. a refused TLS handshake).
    std::size_t failed_connections() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace bedtimed::test
