#include "fake_z2m.hpp"

#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <stdexcept>
#include <utility>

#include "z2m_devices.hpp"

namespace bedtimed::test {

namespace {

using Json = nlohmann::ordered_json;

const char* model_key(FakeZ2m::Model m) {
    switch (m) {
        case FakeZ2m::Model::ikea_tradfri_outlet:
            return "E1603/E1702/E1708";
        case FakeZ2m::Model::tuya_ts011f_plug_1:
            return "A1Z";
        case FakeZ2m::Model::aqara_sp_euc01:
            return "SP-EUC01";
    }
    return "";
}

bool reports_power(FakeZ2m::Model m) { return m != FakeZ2m::Model::ikea_tradfri_outlet; }

std::string unique_client_id() {
    static std::atomic<int> n{0};
    return "fake-z2m-" + std::to_string(::getpid()) + "-" + std::to_string(n++);
}

}  // namespace

FakeZ2m::FakeZ2m(std::string uri, std::string data_dir, std::string base_topic)
    : uri_(std::move(uri)), data_dir_(std::move(data_dir)), base_(std::move(base_topic)) {}

FakeZ2m::~FakeZ2m() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    cv_.notify_all();
    if (worker_.joinable()) worker_.join();
    if (!client_) return;
    try {
        if (client_->is_connected()) {
            client_->publish(mqtt::make_message(base_ + "/bridge/devices", "", 1, true))
                ->wait_for(std::chrono::seconds(2));
            client_->publish(mqtt::make_message(base_ + "/bridge/state", "", 1, true))
                ->wait_for(std::chrono::seconds(2));
            client_->disconnect()->wait_for(std::chrono::seconds(2));
        }
    } catch (...) {
    }
    // Before the mutex and the queues go: Paho's thread must not call back into them.
    client_.reset();
}

void FakeZ2m::add_plug(const std::string& name, Model model) {
    if (client_) throw std::runtime_error("FakeZ2m::add_plug after start()");
    Plug p;
    p.model = model;
    plugs_[name] = std::move(p);
}

void FakeZ2m::start() {
    std::vector<std::pair<std::string, std::string>> list;
    for (const auto& [name, plug] : plugs_) list.emplace_back(model_key(plug.model), name);
    devices_ = z2m_devices_payload(data_dir_, list);

    client_ = std::make_unique<mqtt::async_client>(uri_, unique_client_id());
    const std::string prefix = base_ + "/";
    client_->set_message_callback([this, prefix](mqtt::const_message_ptr m) {
        const std::string& topic = m->get_topic();
        static const std::string suffix = "/set";
        if (topic.size() <= prefix.size() + suffix.size() ||
            topic.compare(0, prefix.size(), prefix) != 0 ||
            topic.compare(topic.size() - suffix.size(), suffix.size(), suffix) != 0)
            return;
        std::lock_guard lock(mutex_);
        inbox_.emplace_back(
            topic.substr(prefix.size(), topic.size() - prefix.size() - suffix.size()),
            m->to_string());
        last_set_ = Clock::now();
        cv_.notify_all();
    });
    client_->connect(mqtt::connect_options_builder().clean_session(true).finalize())->wait();
    client_->subscribe(base_ + "/#", 1)->wait();
    client_->publish(mqtt::make_message(base_ + "/bridge/state", R"({"state":"online"})", 1, true))
        ->wait();
    client_->publish(mqtt::make_message(base_ + "/bridge/devices", devices_, 1, true))->wait();
    {
        std::lock_guard lock(mutex_);
        for (const auto& [name, plug] : plugs_) publish_state(name, plug);
    }
    worker_ = std::thread([this] { run(); });
    wait_idle(std::chrono::milliseconds(0));
}

std::string FakeZ2m::devices_payload() const { return devices_; }

bool FakeZ2m::is_on(const std::string& name) const {
    std::lock_guard lock(mutex_);
    auto it = plugs_.find(name);
    if (it == plugs_.end()) throw std::runtime_error("FakeZ2m: no plug " + name);
    return it->second.on;
}

bool FakeZ2m::restore_after_power_cut(const std::string& name) const {
    std::lock_guard lock(mutex_);
    auto it = plugs_.find(name);
    if (it == plugs_.end()) throw std::runtime_error("FakeZ2m: no plug " + name);
    return it->second.restore;
}

void FakeZ2m::set_power(const std::string& name, double watts) {
    std::lock_guard lock(mutex_);
    auto it = plugs_.find(name);
    if (it == plugs_.end()) throw std::runtime_error("FakeZ2m: no plug " + name);
    it->second.watts = watts;
    if (it->second.on && reports_power(it->second.model) && client_)
        publish_state(name, it->second);
    cv_.notify_all();
}

int FakeZ2m::self_switches(const std::string& name) const {
    std::lock_guard lock(mutex_);
    auto it = plugs_.find(name);
    if (it == plugs_.end()) throw std::runtime_error("FakeZ2m: no plug " + name);
    return it->second.self_switches;
}

std::vector<std::string> FakeZ2m::received(const std::string& name) const {
    std::lock_guard lock(mutex_);
    auto it = plugs_.find(name);
    if (it == plugs_.end()) throw std::runtime_error("FakeZ2m: no plug " + name);
    return it->second.received;
}

std::vector<std::string> FakeZ2m::log_messages() const {
    std::lock_guard lock(mutex_);
    return log_;
}

void FakeZ2m::wait_idle(std::chrono::milliseconds settle) const {
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    std::unique_lock lock(mutex_);
    while (Clock::now() < deadline) {
        const bool idle =
            inbox_.empty() && !busy_ && outbox_.empty() && Clock::now() - last_set_ >= settle;
        if (idle) return;
        cv_.wait_for(lock, std::chrono::milliseconds(10));
    }
}

bool FakeZ2m::wait_for_set(const std::string& name, std::size_t count,
                           std::chrono::milliseconds timeout) const {
    const auto deadline = Clock::now() + timeout;
    std::unique_lock lock(mutex_);
    auto it = plugs_.find(name);
    if (it == plugs_.end()) throw std::runtime_error("FakeZ2m: no plug " + name);
    while (Clock::now() < deadline) {
        if (it->second.received.size() >= count && inbox_.empty() && !busy_ && outbox_.empty())
            return true;
        cv_.wait_for(lock, std::chrono::milliseconds(10));
    }
    return false;
}

void FakeZ2m::run() {
    std::unique_lock lock(mutex_);
    while (!stop_) {
        auto wake = Clock::now() + std::chrono::milliseconds(50);
        for (const auto& [name, plug] : plugs_)
            if (plug.timer_end) wake = std::min(wake, *plug.timer_end);
        for (const auto& o : outbox_) wake = std::min(wake, o.at);
        cv_.wait_until(lock, wake, [this] { return stop_ || !inbox_.empty(); });
        if (stop_) break;
        busy_ = true;
        while (!inbox_.empty()) {
            auto [name, payload] = std::move(inbox_.front());
            inbox_.pop_front();
            auto it = plugs_.find(name);
            if (it == plugs_.end()) {
                error_log("Entity '" + name + "' is unknown");
                continue;
            }
            handle_set(name, it->second, payload);
        }
        expire_timers();
        const auto now = Clock::now();
        std::vector<Outgoing> due;
        for (auto it = outbox_.begin(); it != outbox_.end();) {
            if (it->at <= now) {
                due.push_back(std::move(*it));
                it = outbox_.erase(it);
            } else {
                ++it;
            }
        }
        lock.unlock();
        for (const auto& o : due) {
            try {
                client_->publish(mqtt::make_message(o.topic, o.payload, 1, o.retain))
                    ->wait_for(std::chrono::seconds(2));
            } catch (const mqtt::exception&) {
                // The broker went away: the test will notice the silence.
            }
        }
        lock.lock();
        busy_ = false;
        cv_.notify_all();
    }
}

void FakeZ2m::error_log(const std::string& message) {
    log_.push_back(message);
    Json j;
    j["level"] = "error";
    j["message"] = message;
    outbox_.push_back(Outgoing{Clock::now(), base_ + "/bridge/logging", j.dump(), false});
}

void FakeZ2m::publish_state(const std::string& name, const Plug& plug, Clock::duration delay) {
    Json j;
    j["state"] = plug.on ? "ON" : "OFF";
    if (plug.model == Model::tuya_ts011f_plug_1) j["countdown"] = plug.countdown;
    if (reports_power(plug.model)) j["power"] = plug.on ? plug.watts : 0.0;
    if (!plug.power_on_setting_key.empty())
        j[plug.power_on_setting_key] = Json::parse(plug.power_on_setting_json);
    outbox_.push_back(Outgoing{Clock::now() + delay, base_ + "/" + name, j.dump(), false});
}

void FakeZ2m::expire_timers() {
    const auto now = Clock::now();
    for (auto& [name, plug] : plugs_) {
        if (!plug.timer_end || *plug.timer_end > now) continue;
        plug.timer_end.reset();
        plug.on = plug.timer_action == TimerAction::toggle ? !plug.on : false;
        plug.countdown = 0;
        ++plug.self_switches;
        publish_state(name, plug);
    }
}

void FakeZ2m::handle_set(const std::string& name, Plug& plug, const std::string& payload) {
    plug.received.push_back(payload);
    const Json msg = Json::parse(payload, nullptr, false);
    if (msg.is_discarded() || !msg.is_object()) {
        error_log("Invalid message '" + payload + "', skipping...");
        return;
    }
    bool changed = apply_settings(name, plug, msg);
    Clock::duration report_delay{};
    std::optional<bool> switched = plug.model == Model::tuya_ts011f_plug_1
                                       ? apply_tuya_state(name, plug, msg)
                                       : apply_on_off_state(name, plug, msg, report_delay);
    if (!switched) return;  // Z2M refused the command: nothing is published
    if (changed || *switched) publish_state(name, plug, report_delay);
}

}  // namespace bedtimed::test
