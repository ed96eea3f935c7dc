#include "http_test_server.hpp"

#include <utility>  // before Asio: Boost 1.74 with C++20 needs it

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace bedtimed::test {

namespace beast = boost::beast;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;

namespace {

void run(const std::string& command) {
    if (std::system((command + " >/dev/null 2>&1").c_str()) != 0)
        throw std::runtime_error("failed: " + command);
}

void write_text(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

}  // namespace

TestCertificates::TestCertificates(const std::string& san) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "bt-certs-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir = tmpl;
    ca_file = dir + "/ca.pem";
    cert_file = dir + "/server.pem";
    key_file = dir + "/server.key";
    // Own config files, so that the system's openssl.cnf cannot add or clash with extensions.
    write_text(dir + "/ca.cnf",
               "[req]\ndistinguished_name = dn\nx509_extensions = v3_ca\nprompt = no\n"
               "[dn]\nCN = bedtimed test CA\n"
               "[v3_ca]\nbasicConstraints = critical,CA:TRUE\n"
               "keyUsage = critical,keyCertSign,cRLSign\nsubjectKeyIdentifier = hash\n");
    write_text(dir + "/server.cnf",
               "[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = bedtimed test server\n");
    write_text(dir + "/ext.cnf", "subjectAltName = " + san +
                                     "\nbasicConstraints = CA:FALSE\n"
                                     "keyUsage = critical,digitalSignature\n"
                                     "extendedKeyUsage = serverAuth\n"
                                     "authorityKeyIdentifier = keyid\n");
    const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    run("openssl req -x509" + ec + " -days 2 -config " + dir + "/ca.cnf -keyout " + dir +
        "/ca.key -out " + ca_file);
    run("openssl req -new" + ec + " -config " + dir + "/server.cnf -keyout " + key_file + " -out " +
        dir + "/server.csr");
    run("openssl x509 -req -days 2 -in " + dir + "/server.csr -CA " + ca_file + " -CAkey " + dir +
        "/ca.key -CAcreateserial -extfile " + dir + "/ext.cnf -out " + cert_file);
}

TestCertificates::~TestCertificates() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
}

struct HttpTestServer::Impl {
    // Order matters for destruction: sessions (in hung and in io's pending
    // handlers) go before the io_context, and the TLS context outlives both.
    std::optional<ssl::context> tls;
    net::io_context io;
    tcp::acceptor acceptor{io};
    std::vector<std::shared_ptr<void>> hung;  // server thread only, until joined
    std::thread thread;

    mutable std::mutex mutex;
    std::vector<RecordedRequest> requests;
    std::deque<int> script;  // status, or 0 = hang
    int default_status = 200;
    std::size_t failed = 0;

    // Decides the answer for a request just read (0 = never answer), and records it.
    int record(RecordedRequest r) {
        std::lock_guard lock(mutex);
        requests.push_back(std::move(r));
        if (script.empty()) return default_status;
        const int s = script.front();
        script.pop_front();
        return s;
    }
    void connection_failed() {
        std::lock_guard lock(mutex);
        ++failed;
    }

    template <class Stream>
    struct Session : std::enable_shared_from_this<Session<Stream>> {
        Impl& impl;
        Stream stream;
        beast::flat_buffer buffer;
        beast::http::request<beast::http::string_body> request;
        beast::http::response<beast::http::string_body> response;

        template <class... Args>
        Session(Impl& i, Args&&... args) : impl(i), stream(std::forward<Args>(args)...) {}

        void read() {
            beast::http::async_read(
                stream, buffer, request,
                [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                    if (ec) return self->impl.connection_failed();
                    self->answer();
                });
        }

        void answer() {
            RecordedRequest r;
            r.method = std::string(request.method_string());
            r.target = std::string(request.target());
            for (const auto& field : request) {
                std::string name(field.name_string());
                for (char& c : name)
                    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
                r.headers[name] = std::string(field.value());
            }
            r.body = request.body();
            const int status = impl.record(std::move(r));
            if (status == 0) {
                // Hang: keep the connection (and this session) until the server stops.
                impl.hung.push_back(this->shared_from_this());
                return;
            }
            response.result(static_cast<unsigned>(status));
            response.version(11);
            response.set(beast::http::field::content_type, "application/json");
            response.body() = "{}";
            response.keep_alive(false);
            response.prepare_payload();
            beast::http::async_write(
                stream, response,
                [self = this->shared_from_this()](beast::error_code, std::size_t) {
                    beast::error_code ignored;
                    beast::get_lowest_layer(self->stream)
                        .socket()
                        .shutdown(tcp::socket::shutdown_both, ignored);
                });
        }
    };

    void accept() {
        acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
            if (ec) return;
            if (tls) {
                auto s = std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
                    *this, std::move(socket), *tls);
                s->stream.async_handshake(ssl::stream_base::server, [s](beast::error_code e) {
                    if (e) return s->impl.connection_failed();
                    s->read();
                });
            } else {
                auto s = std::make_shared<Session<beast::tcp_stream>>(*this, std::move(socket));
                s->read();
            }
            accept();
        });
    }
};

HttpTestServer::HttpTestServer(std::optional<Tls> tls) : impl_(std::make_unique<Impl>()) {
    if (tls) {
        impl_->tls.emplace(ssl::context::tls_server);
        impl_->tls->use_certificate_chain_file(tls->cert_file);
        impl_->tls->use_private_key_file(tls->key_file, ssl::context::pem);
    }
    const tcp::endpoint ep(net::ip::make_address("127.0.0.1"), 0);
    impl_->acceptor.open(ep.protocol());
    impl_->acceptor.bind(ep);
    impl_->acceptor.listen();
    impl_->accept();
    impl_->thread = std::thread([this] { impl_->io.run(); });
}

HttpTestServer::~HttpTestServer() {
    impl_->io.stop();
    impl_->thread.join();
    impl_->hung.clear();
    impl_->acceptor.close();
}

unsigned short HttpTestServer::port() const { return impl_->acceptor.local_endpoint().port(); }

std::string HttpTestServer::url() const {
    return std::string(impl_->tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port());
}

void HttpTestServer::answer_next(int status, int times) {
    std::lock_guard lock(impl_->mutex);
    for (int i = 0; i < times; ++i) impl_->script.push_back(status);
}

void HttpTestServer::hang_next(int times) { answer_next(0, times); }

void HttpTestServer::set_default_status(int status) {
    std::lock_guard lock(impl_->mutex);
    impl_->default_status = status;
}

std::vector<RecordedRequest> HttpTestServer::requests() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->requests;
}

std::size_t HttpTestServer::request_count() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->requests.size();
}

std::size_t HttpTestServer::failed_connections() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->failed;
}

}  // namespace bedtimed::test
