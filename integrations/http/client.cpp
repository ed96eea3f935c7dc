#include "client.hpp"

#include <utility>  // before Asio: Boost 1.74 with C++20 needs it

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <stdexcept>

namespace bedtimed::integrations::http {

namespace beast = boost::beast;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;

namespace {

std::shared_ptr<ssl::context> make_tls_context(const std::string& ca_file) {
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                     ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    ctx->set_verify_mode(ssl::verify_peer);
    boost::system::error_code ec;
    ctx->set_default_verify_paths(ec);  // the system store; a missing one only means fewer CAs
    if (!ca_file.empty()) {
        ctx->load_verify_file(ca_file, ec);
        if (ec) throw std::runtime_error("cannot load CA file '" + ca_file + "': " + ec.message());
    }
    return ctx;
}

std::string seconds_text(Duration d) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
    if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
    return std::to_string(ms) + "ms";
}

}  // namespace

// One request on one connection. Kept alive by the handlers it has pending
// (shared_from_this), because the Client may go away while Asio still holds
// them; abort() detaches it from the Client's callback and closes the socket.
class Client::Session : public std::enable_shared_from_this<Session> {
public:
    Session(net::io_context& io, std::shared_ptr<ssl::context> tls, Request request,
            std::function<void(Response)> done)
        : resolver_(io), tls_(std::move(tls)), stream_(io, *tls_), request_(std::move(request)),
          done_(std::move(done)) {}

    void start(Clock& clock, Duration timeout) {
        build_message();
        timer_ = clock.make_timer();
        std::weak_ptr<Session> weak = weak_from_this();
        timer_->arm(timeout, [weak, timeout] {
            if (auto self = weak.lock()) self->on_timeout(timeout);
        });
        resolver_.async_resolve(
            request_.url.host, request_.url.port,
            [self = shared_from_this()](beast::error_code ec, tcp::resolver::results_type results) {
                self->on_resolve(ec, std::move(results));
            });
    }

    // The Client is going away: never call back, stop the I/O now.
    void abort() noexcept {
        done_ = nullptr;
        timer_.reset();  // the Clock may not outlive the Client
        close();
    }

private:
    void build_message() {
        const auto verb = beast::http::string_to_verb(request_.method);
        message_.method(verb == beast::http::verb::unknown ? beast::http::verb::post : verb);
        message_.target(request_.url.target());
        message_.version(11);
        message_.set(beast::http::field::host, request_.url.host_header());
        message_.set(beast::http::field::user_agent, "bedtimed");
        for (const auto& [name, value] : request_.headers) message_.set(name, value);
        message_.body() = request_.body;
        message_.keep_alive(false);
        message_.prepare_payload();
    }

    void on_timeout(Duration timeout) {
        timed_out_ = "timeout after " + seconds_text(timeout);
        close();  // the pending step completes with operation_aborted
    }

    void close() noexcept {
        resolver_.cancel();
        beast::error_code ignored;
        beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
        beast::get_lowest_layer(stream_).socket().close(ignored);
    }

    void fail(beast::error_code ec, const char* step) {
        Response r;
        r.error = !timed_out_.empty() ? timed_out_ : std::string(step) + ": " + ec.message();
        finish(std::move(r));
    }

    void finish(Response r) {
        timer_.reset();
        close();
        if (auto done = std::exchange(done_, nullptr)) done(std::move(r));
    }

    void on_resolve(beast::error_code ec, tcp::resolver::results_type results) {
        if (ec || !done_) return fail(ec, "resolve");
        beast::get_lowest_layer(stream_).async_connect(
            results, [self = shared_from_this()](beast::error_code e, const tcp::endpoint&) {
                self->on_connect(e);
            });
    }

    void on_connect(beast::error_code ec) {
        if (ec || !done_) return fail(ec, "connect");
        if (!request_.url.tls) return write(beast::get_lowest_layer(stream_));
        const std::string& host = request_.url.host;
        boost::system::error_code not_ip;
        net::ip::make_address(host, not_ip);
        // SNI names the host, so a server with several certificates picks the right
        // one; RFC 6066 forbids sending an IP literal there.
        if (not_ip && !SSL_set_tlsext_host_name(stream_.native_handle(), host.c_str()))
            return fail(beast::error_code(static_cast<int>(::ERR_get_error()),
                                          net::error::get_ssl_category()),
                        "TLS SNI");
        stream_.set_verify_mode(ssl::verify_peer);
        stream_.set_verify_callback(ssl::host_name_verification(host));
        stream_.async_handshake(ssl::stream_base::client,
                                [self = shared_from_this()](beast::error_code e) {
                                    if (e || !self->done_) return self->fail(e, "TLS handshake");
                                    self->write(self->stream_);
                                });
    }

    template <class Stream>
    void write(Stream& s) {
        beast::http::async_write(
            s, message_, [self = shared_from_this(), &s](beast::error_code ec, std::size_t) {
                if (ec || !self->done_) return self->fail(ec, "write");
                self->read(s);
            });
    }

    template <class Stream>
    void read(Stream& s) {
        parser_.body_limit(kMaxBody);
        beast::http::async_read(s, buffer_, parser_,
                                [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                    if (ec || !self->done_) return self->fail(ec, "read");
                                    Response r;
                                    r.status = static_cast<int>(self->parser_.get().result_int());
                                    r.body = std::move(self->parser_.get().body());
                                    self->finish(std::move(r));
                                });
    }

    tcp::resolver resolver_;
    std::shared_ptr<ssl::context> tls_;
    beast::ssl_stream<beast::tcp_stream> stream_;  // plain HTTP uses only its TCP layer
    Request request_;
    std::function<void(Response)> done_;
    std::unique_ptr<Timer> timer_;
    std::string timed_out_;
    beast::http::request<beast::http::string_body> message_;
    beast::flat_buffer buffer_;
    beast::http::response_parser<beast::http::string_body> parser_;
};

Client::Client(net::io_context& io, Clock& clock, ClientOptions options)
    : io_(io), clock_(clock), options_(std::move(options)),
      tls_(make_tls_context(options_.ca_file)) {}

Client::~Client() {
    for (auto& weak : sessions_)
        if (auto s = weak.lock()) s->abort();
}

void Client::check_ca_file(const std::string& ca_file) { make_tls_context(ca_file); }

void Client::send(Request request, std::function<void(Response)> done) {
    sessions_.erase(std::remove_if(sessions_.begin(), sessions_.end(),
                                   [](const std::weak_ptr<Session>& w) { return w.expired(); }),
                    sessions_.end());
    auto session = std::make_shared<Session>(io_, tls_, std::move(request), std::move(done));
    sessions_.push_back(session);
    session->start(clock_, options_.timeout);
}

}  // namespace bedtimed::integrations::http
