// A one-request-per-connection async HTTP(S) client on Boost.Beast + OpenSSL,
// in the shape of Beast's async-ssl client example: resolve, connect, TLS
// handshake, write, read, each step returning early on an error code.
//
// Why Beast: it is part of Debian's libboost-dev and OpenSSL's libssl-dev is
// already a build dependency, so the phone channels add no package, and it
// runs on the daemon's own io_context, so nothing blocks the loop and no
// thread is added (name resolution uses Asio's internal resolver thread).
//
// HTTPS verifies the server's certificate against the system store (plus
// `ca_file` when given) and its name against the URL's host (SNI is sent for
// names, not for IP literals). One deadline covers the whole request and
// runs on the daemon's Clock, so tests can fire it with a ManualClock.
//
// Threads: loop thread only (the thread running `io`, which also drives
// `clock`). Ownership: the Client borrows io and clock, which must outlive
// it; each request lives until its completion or the Client's destruction,
// which aborts requests in flight without calling their callbacks. The
// constructor throws std::runtime_error when ca_file cannot be loaded;
// send() never throws apart from std::bad_alloc.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "clock.hpp"
#include "url.hpp"

namespace boost::asio {
class io_context;
namespace ssl {
class context;
}
}  // namespace boost::asio

namespace bedtimed::integrations::http {

struct Request {
    std::string method = "POST";
    Url url;
    // Besides Host, User-Agent, Content-Length and Connection, which the client sets.
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
};

struct Response {
    int status = 0;     // the HTTP status; 0 when no answer arrived
    std::string error;  // why no answer arrived ("timeout after 5s", "connect: Connection
                        // refused", "TLS handshake: certificate verify failed"); empty otherwise
    std::string body;   // at most kMaxBody bytes are read
    bool ok() const { return error.empty() && status >= 200 && status < 300; }
};

struct ClientOptions {
    std::string ca_file;  // a PEM CA to trust besides the system store; empty = system store only
    Duration timeout = std::chrono::seconds(5);  // the whole request, resolve to last byte
};

class Client {
public:
    static constexpr std::size_t kMaxBody = 64 * 1024;

    Client(boost::asio::io_context& io, Clock& clock, ClientOptions options);
    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    // Starts the request. `done` runs exactly once, later, on the loop thread
    // (never inside send()), unless the Client is destroyed first.
    void send(Request request, std::function<void(Response)> done);

    // Throws std::runtime_error unless `ca_file` is a loadable PEM CA file
    // (used by config checks, which do not build a Client).
    static void check_ca_file(const std::string& ca_file);

private:
    class Session;
    boost::asio::io_context& io_;
    Clock& clock_;
    ClientOptions options_;
    // Shared with the sessions: an ssl_stream needs its context while it lives.
    std::shared_ptr<boost::asio::ssl::context> tls_;
    std::vector<std::weak_ptr<Session>> sessions_;
};

}  // namespace bedtimed::integrations::http
