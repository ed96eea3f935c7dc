// The HTTP/1.1 transport of the local web page (web_server.hpp routes): an
// acceptor and its sessions on Boost.Beast, asynchronous, on the one loop.
// A session reads one request at a time (head and body size capped, a
// deadline on every read and write), asks the Handler, writes the answer and
// keeps the connection alive when the client asks to. An answer may turn the
// connection into a server-sent event stream; broadcast() writes to every one.
//
// Threads: loop thread only (the io_context's). Ownership: the server owns
// the acceptor; each session owns itself (shared_ptr, the Beast examples'
// way) and is registered by a weak pointer so stop() can close it. The
// Handler is called on the loop and must not throw (an exception becomes a
// 500). listen() throws boost::system::system_error; nothing else throws
// apart from std::bad_alloc.
#pragma once

#include <utility>  // before Asio: Boost 1.74 with C++20 needs it

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <string_view>

namespace bedtimed::web {

namespace http = boost::beast::http;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

struct Answer {
    Response response;
    bool event_stream = false;  // keep the connection: text/event-stream follows
};

class HttpServer {
public:
    struct Limits {
        std::size_t max_sessions = 24;  // open connections; more are closed at once
        std::size_t max_streams = 8;    // of them, event streams
        std::uint32_t header_bytes = 8 * 1024;
        std::uint64_t body_bytes = 16 * 1024;
        std::chrono::seconds deadline{20};  // per read or write (slowloris)
    };
    using Handler = std::function<Answer(const Request&)>;
    // A request refused below the handler: "too_large", "malformed", "busy".
    using Refused = std::function<void(const char* reason)>;

    HttpServer(boost::asio::io_context& io, Handler handler, Refused refused, Limits limits);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Binds and starts accepting; returns the port (the kernel's for port 0).
    std::uint16_t listen(const std::string& address, std::uint16_t port);
    // Closes the acceptor and every connection.
    void stop() noexcept;
    // `event: <event>` with `data: <data>` (one line) to every event stream.
    void broadcast(std::string_view event, std::string_view data);
    std::size_t sessions() const noexcept;
    std::size_t streams() const noexcept;

    class Session;  // http_server.cpp

private:
    void accept();
    void forget_closed();

    boost::asio::io_context& io_;
    Handler handler_;
    Refused refused_;
    Limits limits_;
    boost::asio::ip::tcp::acceptor acceptor_;
    std::list<std::weak_ptr<Session>> sessions_;
    bool stopped_ = false;
};

}  // namespace bedtimed::web
