#include "http_server.hpp"

#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>

#include <deque>
#include <optional>

#include "log.hpp"

namespace bedtimed::web {

namespace beast = boost::beast;
using tcp = boost::asio::ip::tcp;

// One connection: requests in turn, or (after an event-stream answer) the
// events the server broadcasts.
class HttpServer::Session : public std::enable_shared_from_this<HttpServer::Session> {
public:
    Session(tcp::socket socket, HttpServer& server)
        : stream_(std::move(socket)), server_(&server) {}

    void start() { read(); }
    void close() noexcept {
        server_ = nullptr;
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
        stream_.close();
    }
    bool is_stream() const noexcept { return streaming_; }
    bool open() const noexcept { return server_ != nullptr; }

    void push_event(std::string text) {
        if (!streaming_ || !server_) return;
        // A reader that does not keep up is let go rather than buffered for.
        if (outbox_.size() > 64) return close();
        outbox_.push_back(std::move(text));
        if (outbox_.size() == 1) write_next_event();
    }

private:
    void read() {
        parser_.emplace();
        parser_->header_limit(server_->limits_.header_bytes);
        parser_->body_limit(server_->limits_.body_bytes);
        stream_.expires_after(server_->limits_.deadline);
        http::async_read(
            stream_, buffer_, *parser_,
            [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
    }

    void on_read(beast::error_code ec) {
        if (!server_) return;
        if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
            ec == boost::asio::error::operation_aborted || ec == boost::asio::error::eof ||
            ec == boost::asio::error::connection_reset)
            return close();
        if (ec)
            return refuse(ec == http::error::body_limit || ec == http::error::header_limit
                              ? "too_large"
                              : "malformed");
        const Request request = parser_->release();
        Answer answer;
        try {
            answer = server_->handler_(request);
        } catch (const std::exception& e) {
            logger("web")->error("the page's handler failed on {}: {}",
                                 std::string(request.target()), e.what());
            answer.response = Response{http::status::internal_server_error, request.version()};
            answer.response.set(http::field::content_type, "text/plain; charset=utf-8");
            answer.response.body() = "internal error\n";
        }
        if (answer.event_stream && server_->streams() >= server_->limits_.max_streams) {
            server_->refused_("busy");
            answer = Answer{Response{http::status::service_unavailable, request.version()}, false};
            answer.response.body() = "too many live pages open\n";
        }
        answer.response.keep_alive(request.keep_alive() && !answer.event_stream);
        answer.response.prepare_payload();
        if (answer.event_stream) return start_stream(answer.response);
        write(std::move(answer.response));
    }

    // 413/400 with a short text, then the connection ends.
    void refuse(const char* reason) {
        server_->refused_(reason);
        const bool large = std::string_view(reason) == "too_large";
        Response r{large ? http::status::payload_too_large : http::status::bad_request, 11};
        r.set(http::field::content_type, "text/plain; charset=utf-8");
        r.body() = large ? "request too large\n" : "malformed request\n";
        r.keep_alive(false);
        r.prepare_payload();
        write(std::move(r));
    }

    void write(Response response) {
        auto message = std::make_shared<Response>(std::move(response));
        stream_.expires_after(server_->limits_.deadline);
        http::async_write(stream_, *message,
                          [self = shared_from_this(), message](beast::error_code ec, std::size_t) {
                              if (ec || !self->server_ || !message->keep_alive())
                                  return self->close();
                              self->read();
                          });
    }

    // The head of a text/event-stream answer (no length: it never ends).
    void start_stream(const Response& response) {
        streaming_ = true;
        std::string head = "HTTP/1.1 200 OK\r\n";
        for (const auto& field : response.base())
            if (field.name() != http::field::content_length)
                head +=
                    std::string(field.name_string()) + ": " + std::string(field.value()) + "\r\n";
        head += "\r\n" + response.body();
        stream_.expires_never();
        outbox_.push_back(std::move(head));
        write_next_event();
        // A read that completes only when the browser goes away.
        stream_.async_read_some(
            boost::asio::buffer(sink_),
            [self = shared_from_this()](beast::error_code, std::size_t) { self->close(); });
    }

    void write_next_event() {
        stream_.expires_after(server_->limits_.deadline);
        boost::asio::async_write(stream_, boost::asio::buffer(outbox_.front()),
                                 [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                     if (ec || !self->server_) return self->close();
                                     self->stream_.expires_never();
                                     self->outbox_.pop_front();
                                     if (!self->outbox_.empty()) self->write_next_event();
                                 });
    }

    beast::tcp_stream stream_;
    HttpServer* server_;  // null once closed
    beast::flat_buffer buffer_{8 * 1024};
    std::optional<http::request_parser<http::string_body>> parser_;
    bool streaming_ = false;
    std::deque<std::string> outbox_;
    char sink_[256];
};

HttpServer::HttpServer(boost::asio::io_context& io, Handler handler, Refused refused, Limits limits)
    : io_(io), handler_(std::move(handler)), refused_(std::move(refused)), limits_(limits),
      acceptor_(io) {}

HttpServer::~HttpServer() { stop(); }

std::uint16_t HttpServer::listen(const std::string& address, std::uint16_t port) {
    const tcp::endpoint endpoint(boost::asio::ip::make_address(address), port);
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(boost::asio::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(boost::asio::socket_base::max_listen_connections);
    stopped_ = false;
    accept();
    return acceptor_.local_endpoint().port();
}

void HttpServer::accept() {
    acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
        if (stopped_ || ec == boost::asio::error::operation_aborted) return;
        if (!ec) {
            forget_closed();
            if (sessions_.size() >= limits_.max_sessions) {
                refused_("busy");
                beast::error_code ignored;
                socket.close(ignored);
            } else {
                auto session = std::make_shared<Session>(std::move(socket), *this);
                sessions_.push_back(session);
                session->start();
            }
        }
        accept();
    });
}

void HttpServer::forget_closed() {
    sessions_.remove_if([](const std::weak_ptr<Session>& w) {
        const auto s = w.lock();
        return !s || !s->open();
    });
}

void HttpServer::stop() noexcept {
    stopped_ = true;
    beast::error_code ignored;
    acceptor_.close(ignored);
    for (auto& w : sessions_)
        if (auto s = w.lock()) s->close();
    sessions_.clear();
}

void HttpServer::broadcast(std::string_view event, std::string_view data) {
    forget_closed();
    std::string text = "event: " + std::string(event) + "\ndata: " + std::string(data) + "\n\n";
    for (auto& w : sessions_)
        if (auto s = w.lock(); s && s->is_stream()) s->push_event(text);
}

std::size_t HttpServer::sessions() const noexcept {
    std::size_t n = 0;
    for (const auto& w : sessions_)
        if (auto s = w.lock(); s && s->open()) ++n;
    return n;
}

std::size_t HttpServer::streams() const noexcept {
    std::size_t n = 0;
    for (const auto& w : sessions_)
        if (auto s = w.lock(); s && s->open() && s->is_stream()) ++n;
    return n;
}

}  // namespace bedtimed::web
