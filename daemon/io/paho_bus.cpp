#include "paho_bus.hpp"

#include <mqtt/async_client.h>
#include <boost/asio/post.hpp>

#include <cstdlib>
#include <filesystem>

#include "mqtt_connect.hpp"
#include "mqtt_topic.hpp"
#include "tcp_nodelay.hpp"

namespace bedtimed {

// Runs on Paho's thread: copy, post, return. Nothing else. `generation`
// names the client it belongs to: the loop ignores a replaced client's
// connection events (reset_client()).
class PahoBus::Callbacks final : public mqtt::callback, public mqtt::iaction_listener {
public:
    Callbacks(PahoBus& bus, std::uint64_t generation) : bus_(bus), generation_(generation) {}

    void connected(const std::string&) override {
        boost::asio::post(bus_.io_, [b = &bus_, g = generation_] {
            if (g == b->generation_) b->handle_connected();
        });
    }
    void connection_lost(const std::string& cause) override {
        boost::asio::post(bus_.io_, [b = &bus_, g = generation_, cause] {
            if (g == b->generation_) b->handle_connection_lost(cause);
        });
    }
    void message_arrived(mqtt::const_message_ptr msg) override {
        DurableIntake* intake = bus_.intake_.get();
        Message m{msg->get_topic(), msg->to_string(), msg->get_qos(), msg->is_retained(), nullptr};
        // The one reading of an intake's message (parse, clock, sleeper) goes
        // to the loop with it: the loop does not read it again.
        if (intake) m.reading = intake->read(m);
        const auto reading = m.reading;
        // The loop's copy before the commit: the reaction never waits for it.
        boost::asio::post(bus_.io_, [b = &bus_, m = std::move(m)] { b->handle_message(m); });
        // Paho C sends the PUBACK after this returns (docs/architecture.md,
        // Threads), so "acknowledged" means "committed".
        if (reading) intake->commit(*reading, msg->get_qos());
    }
    void delivery_complete(mqtt::delivery_token_ptr) override {}

    // Action listener for connect(): only the failure matters, success also
    // arrives through connected().
    void on_failure(const mqtt::token& tok) override {
        const int code = tok.get_return_code();
        boost::asio::post(bus_.io_, [b = &bus_, g = generation_, code] {
            if (g == b->generation_) b->handle_connect_failed("code " + std::to_string(code), code);
        });
    }
    void on_success(const mqtt::token&) override {}

private:
    PahoBus& bus_;
    const std::uint64_t generation_;
};

// Completion of one publish, on Paho's thread: tell the loop, nothing else.
// A failure frees the window slot as well; Paho has given up on it. A
// replaced client's completions free nothing: its window was emptied.
class PahoBus::PublishListener final : public mqtt::iaction_listener {
public:
    PublishListener(PahoBus& bus, bool qos2, std::uint64_t generation)
        : bus_(bus), qos2_(qos2), generation_(generation) {}
    void on_success(const mqtt::token&) override { done(); }
    void on_failure(const mqtt::token&) override { done(); }

private:
    void done() {
        boost::asio::post(bus_.io_, [b = &bus_, q = qos2_, g = generation_] {
            if (g == b->generation_) b->handle_publish_done(q);
        });
    }
    PahoBus& bus_;
    const bool qos2_;
    const std::uint64_t generation_;
};

PahoBus::PahoBus(boost::asio::io_context& io, Clock& clock, Counters& counters,
                 config::MqttSettings settings, std::string persist_dir)
    : io_(io), clock_(clock), counters_(counters), settings_(std::move(settings)),
      log_(logger("bus")), persist_dir_(std::move(persist_dir)), retry_timer_(clock.make_timer()),
      retry_delay_(settings_.reconnect_min), stall_timer_(clock.make_timer()),
      stuck_timer_(clock.make_timer()) {
    create_client();
}

void PahoBus::create_client() {
    callbacks_ = std::make_unique<Callbacks>(*this, generation_);
    publish_listener_ = std::make_unique<PublishListener>(*this, false, generation_);
    qos2_publish_listener_ = std::make_unique<PublishListener>(*this, true, generation_);
    // Publishes made while the broker is away are buffered (bounded) rather than lost.
    auto create = mqtt::create_options_builder()
                      .mqtt_version(MQTTVERSION_3_1_1)
                      .send_while_disconnected(true, true)
                      .max_buffered_messages(static_cast<int>(settings_.max_buffered_messages))
                      // QoS 0 is fire-and-forget: never worth a file write.
                      .persist_qos0(false)
                      .finalize();
    const std::string uri = paho_uri(settings_.uri);
    if (persist_dir_.empty()) {
        client_ = std::make_unique<mqtt::async_client>(
            uri, settings_.client_id, create, static_cast<mqtt::iclient_persistence*>(nullptr));
    } else {
        std::filesystem::create_directories(persist_dir_);
        client_ =
            std::make_unique<mqtt::async_client>(uri, settings_.client_id, create, persist_dir_);
    }
    client_->set_callback(*callbacks_);
}

// The old client's teardown: it must happen here, where Callbacks and
// PublishListener are complete types (paho_bus_recovery.cpp decides when).
void PahoBus::retire_client() {
    ++generation_;  // from here the old client's events are ignored
    auto old_client = std::move(client_);
    auto old_callbacks = std::move(callbacks_);
    auto old_listener = std::move(publish_listener_);
    auto old_qos2_listener = std::move(qos2_publish_listener_);
    if (!old_client) return;
    try {
        // Not connected, so this only stops Paho's automatic reconnect.
        old_client->disconnect(0);
    } catch (const mqtt::exception&) {
    }
    old_client.reset();  // MQTTAsync_destroy: waits for Paho's threads to leave our callbacks
    in_flight_ = 0;
    qos2_in_flight_ = 0;
}

PahoBus::~PahoBus() = default;

void PahoBus::start() { connect_now(); }

void PahoBus::connect_now() {
    if (stopping_ || !client_) return;
    auto builder = mqtt::connect_options_builder()
                       .keep_alive_interval(settings_.keepalive)
                       .clean_session(false)  // keep subscriptions and queued QoS 1 while away
                       // No explicit .mqtt_version(MQTTVERSION_3_1_1) here: with it,
                       // Paho C 1.3.12 sometimes never completes a connect made after
                       // earlier refused ones (no success, no failure; seen in
                       // Service.WatchdogKeepsPingingWhileTheBrokerIsDown). The default
                       // tries 3.1.1 and then 3.1, two connections per refused attempt.
                       .automatic_reconnect(settings_.reconnect_min, settings_.reconnect_max)
                       .connect_timeout(std::chrono::seconds(10))
                       .will(mqtt::message(status_topic(), "offline", 1, true));
    if (!settings_.username.empty()) builder.user_name(settings_.username);
    try {
        // Read at every connect, so a rotated password is picked up without a restart.
        const std::string pw = read_password(settings_);
        if (!pw.empty()) builder.password(pw);
    } catch (const std::exception& e) {
        log_->error("cannot read the MQTT password: {}", e.what());  // says where, never what
    }
    if (settings_.tls) builder.ssl(ssl_options_for(*settings_.tls));
    try {
        client_->connect(builder.finalize(), nullptr, *callbacks_);
    } catch (const mqtt::exception& e) {
        handle_connect_failed(e.what());
    }
}

void PahoBus::handle_connect_failed(const std::string& why, int code) {
    if (stopping_ || connected_) return;
    ++counters_.connect_failures;
    // CONNACK 4 (bad user name or password) and 5 (not authorised) will not
    // go away by retrying: say so once, clearly, and keep backing off quietly
    // (the password is re-read at each attempt, so fixing it needs no restart).
    const bool refused = code == 4 || code == 5;
    if (refused && credentials_refused_) {
        log_->debug("broker {} refused the credentials again (CONNACK {})", settings_.uri, code);
    } else if (refused) {
        credentials_refused_ = true;
        log_->error(
            "broker {} refused the username or password of user '{}' (CONNACK {}); check "
            "mqtt.username "
            "and the password source; retrying with backoff",
            settings_.uri, settings_.username, code);
    }
    // Paho C reports a failed TLS handshake as a plain connect failure (-1);
    // a certificate for another host or from an unknown CA is the usual cause.
    const std::string hint = settings_.tls && code == -1
                                 ? "; TCP or TLS handshake failed: check mqtt.tls.ca_file and that "
                                   "the broker's certificate names this host"
                                 : "";
    // Paho retries by itself only once a connection has succeeded; until then
    // the retry is ours, with the same doubling backoff.
    if (ever_connected_) {
        if (!refused)
            log_->warn("broker {}: connect attempt failed ({}{}); Paho keeps retrying",
                       settings_.uri, why, hint);
        return;
    }
    if (!refused)
        log_->warn("broker {} unreachable ({}{}); retrying in {}s", settings_.uri, why, hint,
                   retry_delay_.count());
    retry_timer_->arm(retry_delay_, [this] { connect_now(); });
    retry_delay_ = std::min(retry_delay_ * 2, settings_.reconnect_max);
}

void PahoBus::handle_connected() {
    if (stopping_) return;
    connected_ = true;
    ever_connected_ = true;
    connected_at_ = clock_.steady_now();
    stuck_timer_->cancel();
    credentials_refused_ = false;
    retry_timer_->cancel();
    retry_delay_ = settings_.reconnect_min;
    ++counters_.connects;
    const int changed = set_tcp_nodelay_to_peer_port(broker_address(settings_.uri).port);
    log_->info("connected to {} (TCP_NODELAY on {} socket{})", settings_.uri, changed,
               changed == 1 ? "" : "s");
    // Paho never re-subscribes; with clean_session=false the broker may still
    // have them, but a broker restarted without persistence has not.
    for (const auto& [filter, sub] : subscriptions_.all()) {
        try {
            client_->subscribe(filter, sub.qos);
        } catch (const mqtt::exception& e) {
            log_->error("subscribe {} failed: {}", filter, e.what());
        }
    }
    publish(status_topic(), "online", 1, true);
    for (auto& hook : connected_hooks_) hook();
}

void PahoBus::handle_connection_lost(const std::string& cause) {
    if (!connected_) return;
    connected_ = false;
    ++counters_.disconnects;
    log_->warn("lost the broker connection{}{}; reconnecting with backoff",
               cause.empty() ? "" : ": ", cause);
    watch_for_stuck_client();
    if (clock_.steady_now() - connected_at_ < kQuickDropWindow) {
        if (++quick_drops_ >= kQuickDropsBeforeReset && !stopping_) reset_client("dropped");
    } else {
        quick_drops_ = 0;
    }
}

void PahoBus::handle_message(const Message& msg) {
    if (msg.topic != uncounted_topic_) ++counters_.messages_in;
    log_->debug("in  {} q{} {}B", msg.topic, msg.qos, msg.payload.size());
    for (const auto& sub : subscriptions_.matching(msg.topic)) sub.handler(msg);
}

void PahoBus::publish(std::string topic, std::string payload, int qos, bool retain) {
    log_->debug("out {} q{} {}", topic, qos, payload);
    PendingPublish p{std::move(topic), std::move(payload), qos, retain};
    if (waiting_.empty() && room_for(p.qos)) {
        hand_to_paho(std::move(p));
        return;
    }
    const std::size_t most_waiting =
        connected_ ? std::max(kMaxWaitingConnected, settings_.max_buffered_messages)
                   : settings_.max_buffered_messages;
    if (waiting_.size() >= most_waiting) {
        count_publish_failure(fmt::format(
            "publish to {} dropped: {} publishes already wait for the broker{}", p.topic,
            waiting_.size(), connected_ ? "" : ", which is away (mqtt.max_buffered_messages)"));
        return;
    }
    waiting_.push_back(std::move(p));
    if (!stall_timer_->armed()) {
        completions_at_check_ = completions_;
        stall_timer_->arm(std::chrono::seconds(10), [this] { check_publish_stall(); });
    }
}

void PahoBus::hand_to_paho(PendingPublish p) {
    if (!client_) {
        count_publish_failure(fmt::format("publish to {} dropped: no MQTT client", p.topic));
        return;
    }
    try {
        const bool counted = p.topic != uncounted_topic_;
        const bool qos2 = p.qos >= 2;
        client_->publish(
            mqtt::make_message(std::move(p.topic), std::move(p.payload), p.qos, p.retain), nullptr,
            qos2 ? *qos2_publish_listener_ : *publish_listener_);
        ++in_flight_;
        if (qos2) ++qos2_in_flight_;
        if (counted) ++counters_.messages_out;
    } catch (const mqtt::exception& e) {
        count_publish_failure(fmt::format("publish failed ({})", e.what()));
    }
}

void PahoBus::count_publish_failure(const std::string& what) {
    ++counters_.publish_failures;
    std::uint64_t suppressed = 0;
    if (publish_fail_log_.allow(clock_.steady_now(), suppressed))
        log_->warn("{}{}", what,
                   suppressed ? fmt::format("; {} similar failures not shown", suppressed) : "");
}

void PahoBus::handle_publish_done(bool qos2) {
    if (in_flight_ > 0) --in_flight_;
    if (qos2 && qos2_in_flight_ > 0) --qos2_in_flight_;
    ++completions_;
    drain_waiting();
}

void PahoBus::drain_waiting(bool whole_queue) {
    while (!waiting_.empty() && (whole_queue || room_for(waiting_.front().qos))) {
        PendingPublish p = std::move(waiting_.front());
        waiting_.pop_front();
        hand_to_paho(std::move(p));
    }
    if (waiting_.empty()) stall_timer_->cancel();
}

// A safety valve, not a path we expect: should Paho ever lose a completion,
// the window would stay full and every later publish (a heating pad's OFF
// among them) would wait forever. So if publishes wait, the broker is
// connected and Paho completed none for 10 s, the window is opened again.
void PahoBus::check_publish_stall() {
    if (waiting_.empty()) return;
    if (connected_ && completions_ == completions_at_check_) {
        log_->warn(
            "Paho completed none of {} publishes in 10 s while {} more wait; sending the waiting "
            "ones anyway",
            in_flight_, waiting_.size());
        in_flight_ = 0;
        qos2_in_flight_ = 0;
        drain_waiting();
    }
    if (!waiting_.empty()) {
        completions_at_check_ = completions_;
        stall_timer_->arm(std::chrono::seconds(10), [this] { check_publish_stall(); });
    }
}

void PahoBus::subscribe(const std::string& filter, int qos, MessageHandler handler) {
    subscriptions_.set(filter, Subscription{qos, std::move(handler)});
    if (!connected_) return;  // sent from handle_connected()
    try {
        client_->subscribe(filter, qos);
    } catch (const mqtt::exception& e) {
        log_->error("subscribe {} failed: {}", filter, e.what());
    }
}

void PahoBus::unsubscribe(const std::string& filter) {
    if (!subscriptions_.erase(filter) || !connected_) return;
    try {
        client_->unsubscribe(filter);
    } catch (const mqtt::exception& e) {
        log_->error("unsubscribe {} failed: {}", filter, e.what());
    }
}

void PahoBus::stop(std::chrono::milliseconds budget) noexcept {
    if (stopping_) return;
    stopping_ = true;
    retry_timer_->cancel();
    stall_timer_->cancel();
    stuck_timer_->cancel();
    probe_.reset();
    if (!client_) return;
    // What waits for the window goes to Paho now (an OFF for a heating pad
    // may be among it), ahead of "offline" and the DISCONNECT that waits for
    // it to leave.
    drain_waiting(/*whole_queue=*/true);
    const auto deadline = std::chrono::steady_clock::now() + budget;
    auto left = [&] {
        return std::max<std::chrono::milliseconds>(
            std::chrono::milliseconds(1), std::chrono::duration_cast<std::chrono::milliseconds>(
                                              deadline - std::chrono::steady_clock::now()));
    };
    try {
        if (connected_) {
            // An explicit "offline": a clean DISCONNECT suppresses the LWT (Paho #372).
            auto tok = client_->publish(mqtt::make_message(status_topic(), "offline", 1, true));
            tok->wait_for(left() / 2);
            client_->disconnect(static_cast<int>(left().count()))->wait_for(left());
        } else {
            client_->disconnect(0)->wait_for(left());
        }
    } catch (const std::exception& e) {
        log_->debug("disconnect: {}", e.what());
    }
    connected_ = false;
}

}  // namespace bedtimed
