// PahoBus's way out of a Paho client that cannot get through (paho_bus.hpp,
// "A fresh client"): the decision when, the fresh client, and the probe
// that tells a broker that is down from a client that is stuck.
#include <utility>  // before Asio: Boost 1.74 with C++20 needs it

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <filesystem>

#include "mqtt_connect.hpp"
#include "paho_bus.hpp"

namespace bedtimed {

// One TCP connect to the broker's port, on the loop: whether anything
// listens there. Owned by PahoBus; destroying it aborts the attempt, and
// the handlers then do nothing (they hold only a weak pointer).
struct PahoBus::Probe {
    explicit Probe(boost::asio::io_context& io) : resolver(io), socket(io) {}
    boost::asio::ip::tcp::resolver resolver;
    boost::asio::ip::tcp::socket socket;
};

void PahoBus::reset_client(const char* what) {
    ++counters_.mqtt_client_resets;
    log_->error(
        "broker {} {}: starting a fresh MQTT client (Paho C 1.3.12 can resend a corrupted "
        "in-flight message after a broker restart, which the broker refuses at every "
        "reconnect); {} publishes Paho held are dropped, the state is sent again on connect",
        settings_.uri,
        std::string(what) == "dropped"
            ? fmt::format("dropped the connection right after connecting {} times in a row",
                          quick_drops_)
            : fmt::format("answers on its port, but the MQTT client has not got through for {} s",
                          std::chrono::duration_cast<std::chrono::seconds>(kStuckAfter).count()),
        in_flight_);
    quick_drops_ = 0;
    retire_client();
    if (!persist_dir_.empty()) {
        // The resend Paho keeps is in its files too: the fresh client starts without them.
        std::error_code ec;
        std::filesystem::remove_all(persist_dir_, ec);
        if (ec)
            log_->warn("cannot empty the MQTT persistence directory {}: {}", persist_dir_,
                       ec.message());
    }
    try {
        create_client();
    } catch (const std::exception& e) {
        // Not expected (the first client was made with the same settings);
        // without a client there is nothing to connect, so say it loudly.
        log_->critical("cannot create a fresh MQTT client: {}", e.what());
        return;
    }
    ever_connected_ = false;  // until the fresh client connects, the retries are ours
    retry_delay_ = settings_.reconnect_min;
    connect_now();
    watch_for_stuck_client();
}

// While disconnected, every kStuckAfter: if the broker's port takes a TCP
// connection, the broker is up and it is the client that cannot get
// through (its connects all fail or are dropped before Paho reports them:
// with file persistence Paho resends before it says "connected"), so it is
// replaced. A broker that is down refuses the probe: then Paho keeps
// retrying and what it buffered is kept.
void PahoBus::watch_for_stuck_client() {
    if (stopping_ || stuck_timer_->armed()) return;
    stuck_timer_->arm(kStuckAfter, [this] { probe_broker(); });
}

void PahoBus::probe_broker() {
    if (stopping_ || connected_) return;
    probe_ = std::make_shared<Probe>(io_);
    const auto address = broker_address(settings_.uri);
    std::weak_ptr<Probe> weak = probe_;
    probe_->resolver.async_resolve(
        address.host, std::to_string(address.port),
        [this, weak](const boost::system::error_code& ec,
                     boost::asio::ip::tcp::resolver::results_type results) {
            auto probe = weak.lock();
            if (!probe) return;  // stopped or replaced
            if (ec) return probed(false);
            boost::asio::async_connect(probe->socket, results,
                                       [this, weak](const boost::system::error_code& connect_ec,
                                                    const boost::asio::ip::tcp::endpoint&) {
                                           if (!weak.lock()) return;
                                           probed(!connect_ec);
                                       });
        });
}

void PahoBus::probed(bool broker_answers) {
    probe_.reset();
    if (stopping_ || connected_) return;
    // Refused credentials are the broker answering too, but a fresh client
    // would be refused the same: that one is said once and retried (paho_bus.cpp).
    if (broker_answers && !credentials_refused_) {
        reset_client("answers");
        return;
    }
    log_->debug("broker {} does not answer on its port: Paho keeps retrying", settings_.uri);
    stuck_timer_->arm(kStuckAfter, [this] { probe_broker(); });
}

}  // namespace bedtimed
