// A blocking HTTP/1.1 client for tests of the web page (Beast, one request
// per connection, a 10 s deadline). Threads: the test thread. Header-only.
// Never throws for a refused connection: the reply's status is then 0.
#pragma once

#include <utility>  // before Asio: Boost 1.74 with C++20 needs it

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <map>
#include <string>

namespace bedtimed::test {

struct HttpReply {
    int status = 0;
    std::map<std::string, std::string> headers;  // names in lower case
    std::string body;
    std::string header(const std::string& lower) const {
        auto it = headers.find(lower);
        return it == headers.end() ? std::string() : it->second;
    }
};

inline HttpReply http_request(std::uint16_t port, const std::string& method,
                              const std::string& target,
                              const std::map<std::string, std::string>& headers = {},
                              const std::string& body = {}) {
    namespace beast = boost::beast;
    namespace http = beast::http;
    boost::asio::io_context io;
    beast::tcp_stream stream(io);
    stream.expires_after(std::chrono::seconds(10));
    beast::error_code connect_error;
    stream.connect(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port),
                   connect_error);
    if (connect_error) return {};
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
    for (const auto& [k, v] : headers) req.set(k, v);
    req.body() = body;
    if (!body.empty() || method == "POST") req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(8 * 1024 * 1024);
    beast::error_code ec;
    http::read(stream, buffer, parser, ec);
    HttpReply reply;
    if (ec) return reply;  // status 0: the server closed without an answer
    const auto& res = parser.get();
    reply.status = static_cast<int>(res.result_int());
    for (const auto& f : res) {
        std::string name(f.name_string());
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        reply.headers[name] = std::string(f.value());
    }
    reply.body = res.body();
    return reply;
}

}  // namespace bedtimed::test
