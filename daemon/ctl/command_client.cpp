#include "command_client.hpp"

#include <mqtt/async_client.h>
#include <unistd.h>

#include <thread>

#include "cli.hpp"
#include "mqtt_connect.hpp"
#include "mqtt_topic.hpp"

namespace bedtimed::ctl {

namespace {

// MQTT 3.1.1 CONNACK codes 4 and 5: bad user name or password, not authorised.
bool login_refused(const mqtt::exception& e) {
    const int rc = e.get_return_code();
    return rc == 4 || rc == 5;
}

}  // namespace

CommandClient::CommandClient(const config::MqttSettings& settings, Deadline deadline)
    : uri_(paho_uri(settings.uri)), base_(settings.base_topic),
      client_id_("bedtimectl-" + std::to_string(::getpid())), deadline_(deadline) {
    auto builder =
        mqtt::connect_options_builder()
            // A one-shot client: nothing to resume, nothing to leave behind.
            .clean_session(true)
            .keep_alive_interval(std::chrono::seconds(30))
            .connect_timeout(std::chrono::duration_cast<std::chrono::seconds>(remaining()) +
                             std::chrono::seconds(1));
    if (!settings.username.empty()) builder.user_name(settings.username);
    try {
        if (const std::string pw = read_password(settings); !pw.empty()) builder.password(pw);
    } catch (const std::exception& e) {
        throw CtlError(kExitConfig, std::string("cannot read the MQTT password: ") + e.what());
    }
    if (settings.tls) builder.ssl(ssl_options_for(*settings.tls));
    try {
        client_ = std::make_unique<mqtt::async_client>(
            uri_, client_id_, static_cast<mqtt::iclient_persistence*>(nullptr));
    } catch (const std::exception& e) {
        throw CtlError(kExitConfig, "bad broker URI '" + settings.uri + "': " + e.what());
    }
    // Paho's thread: copy and queue, nothing else.
    client_->set_message_callback([this](mqtt::const_message_ptr msg) {
        {
            std::lock_guard lock(mutex_);
            inbox_.push_back({msg->get_topic(), msg->to_string(), msg->is_retained()});
        }
        cv_.notify_all();
    });
    try {
        auto tok = client_->connect(builder.finalize());
        if (!tok->wait_for(remaining()) || !client_->is_connected())
            throw CtlError(kExitOffline, "no answer from the broker " + settings.uri);
    } catch (const mqtt::exception& e) {
        if (login_refused(e))
            throw CtlError(kExitConfig,
                           "the broker " + settings.uri + " refused the login: " + e.what());
        throw CtlError(kExitOffline, "cannot reach the broker " + settings.uri + ": " + e.what());
    }
}

CommandClient::~CommandClient() {
    try {
        if (client_ && client_->is_connected())
            client_->disconnect()->wait_for(std::chrono::seconds(1));
    } catch (const std::exception&) {
        // Leaving anyway; the broker drops the session (clean_session).
    }
}

std::chrono::milliseconds CommandClient::remaining() const {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline_ - std::chrono::steady_clock::now());
    return std::max(left, std::chrono::milliseconds(0));
}

std::string CommandClient::next_request_id() const {
    return "ctl-" + std::to_string(::getpid()) + "-" + std::to_string(counter_ + 1);
}

void CommandClient::subscribe(const std::string& filter, int qos) {
    try {
        if (!client_->subscribe(filter, qos)->wait_for(remaining()))
            throw CtlError(kExitOffline,
                           "the broker did not confirm the subscription to " + filter + " in time");
    } catch (const mqtt::exception& e) {
        throw CtlError(kExitOffline, "subscribing to " + filter + " failed: " + e.what());
    }
}

bool CommandClient::wait_for(const std::string& topic, Incoming& out) {
    std::unique_lock lock(mutex_);
    for (;;) {
        for (auto it = inbox_.begin(); it != inbox_.end(); ++it) {
            if (it->topic == topic) {
                out = std::move(*it);
                inbox_.erase(it);
                return true;
            }
        }
        if (cv_.wait_until(lock, deadline_) == std::cv_status::timeout) {
            // One last look: the message may have come with the timeout.
            for (auto it = inbox_.begin(); it != inbox_.end(); ++it) {
                if (it->topic == topic) {
                    out = std::move(*it);
                    inbox_.erase(it);
                    return true;
                }
            }
            return false;
        }
    }
}

std::map<std::string, std::string> CommandClient::retained(
    const std::vector<std::string>& filters) {
    // QoS 0 everywhere: the broker then sends the retained messages and our
    // marker through one ordered queue, so the marker arriving means the
    // retained messages before it have all arrived. The marker goes to our
    // own reply namespace, which only bedtimectl subscribes to.
    for (const auto& f : filters) subscribe(f, 0);
    const std::string marker =
        base_ + "/reply/" + client_id_ + "-sync-" + std::to_string(++counter_);
    subscribe(marker, 0);
    try {
        client_->publish(marker, "sync", 0, false);
    } catch (const mqtt::exception& e) {
        throw CtlError(kExitOffline, std::string("publishing to the broker failed: ") + e.what());
    }
    Incoming ignored;
    wait_for(marker, ignored);  // at the deadline, keep what came
    std::map<std::string, std::string> out;
    std::lock_guard lock(mutex_);
    for (auto it = inbox_.begin(); it != inbox_.end();) {
        bool wanted = false;
        for (const auto& f : filters) wanted = wanted || topic_matches(f, it->topic);
        if (wanted) {
            out[it->topic] = std::move(it->payload);
            it = inbox_.erase(it);
        } else {
            ++it;
        }
    }
    return out;
}

nlohmann::json CommandClient::request(const std::string& verb, nlohmann::json fields) {
    const std::string id = next_request_id();
    ++counter_;
    // Subscribe to the reply before publishing, or a quick reply is lost.
    const std::string reply_topic = base_ + "/reply/" + id;
    subscribe(reply_topic, 1);
    const auto status = retained({base_ + "/status"});
    if (auto it = status.find(base_ + "/status"); it != status.end() && it->second == "offline")
        throw CtlError(
            kExitOffline,
            "bedtimed is offline (its retained status says so); the command was not sent");

    fields["request_id"] = id;
    try {
        auto tok = client_->publish(base_ + "/cmd/" + verb, fields.dump(), 1, false);
        if (!tok->wait_for(remaining()))
            throw CtlError(kExitOffline, "the broker did not acknowledge the command in time");
    } catch (const mqtt::exception& e) {
        throw CtlError(kExitOffline, std::string("publishing the command failed: ") + e.what());
    }
    Incoming reply;
    if (!wait_for(reply_topic, reply))
        throw CtlError(kExitOffline, "no reply from bedtimed on " + reply_topic +
                                         " in time (is it running? try 'bedtimectl status')");
    auto j = nlohmann::json::parse(reply.payload, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("ok") || !j["ok"].is_boolean())
        throw CtlError(kExitFailed, "bedtimed sent a malformed reply: " + reply.payload);
    return j;
}

std::vector<CommandClient::Received> CommandClient::listen(
    const std::vector<std::string>& filters, std::chrono::milliseconds window,
    const std::function<void(const std::vector<Received>&)>& halfway) {
    for (const auto& f : filters) subscribe(f, 0);
    std::vector<Received> out;
    auto collect = [&] {
        std::lock_guard lock(mutex_);
        for (auto it = inbox_.begin(); it != inbox_.end();) {
            bool wanted = false;
            for (const auto& f : filters) wanted = wanted || topic_matches(f, it->topic);
            if (!wanted) {
                ++it;
                continue;
            }
            out.push_back({std::move(it->topic), std::move(it->payload), it->retained});
            it = inbox_.erase(it);
        }
    };
    const auto start = std::chrono::steady_clock::now();
    std::this_thread::sleep_until(start + window / 2);
    collect();
    if (halfway) halfway(out);
    std::this_thread::sleep_until(start + window);
    collect();
    return out;
}

void CommandClient::publish(const std::string& topic, const std::string& payload) {
    try {
        client_->publish(topic, payload, 0, false);
    } catch (const mqtt::exception& e) {
        throw CtlError(kExitOffline, "publishing to " + topic + " failed: " + e.what());
    }
}

}  // namespace bedtimed::ctl
