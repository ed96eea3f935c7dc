#include "watchdog.hpp"

#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <cstring>

#include "sd_notify.hpp"

namespace bedtimed {

namespace {

template <typename T>
bool parse_whole(const char* s, T& out) {
    const char* end = s + std::strlen(s);
    auto [p, ec] = std::from_chars(s, end, out);
    return ec == std::errc() && p == end;
}

}  // namespace

std::optional<std::chrono::microseconds> watchdog_interval_from_env() noexcept {
    const char* usec = std::getenv("WATCHDOG_USEC");
    if (!usec || !*usec) return std::nullopt;
    std::uint64_t us = 0;
    if (!parse_whole(usec, us) || us == 0) return std::nullopt;
    // A WATCHDOG_PID that is not ours was meant for a parent (e.g. a wrapper script).
    if (const char* pid = std::getenv("WATCHDOG_PID"); pid && *pid) {
        long p = 0;
        if (!parse_whole(pid, p) || p != static_cast<long>(::getpid())) return std::nullopt;
    }
    return std::chrono::microseconds(us);
}

Watchdog::Watchdog(Clock& clock, Bus& bus, std::string heartbeat_topic,
                   std::optional<std::chrono::microseconds> interval,
                   std::function<std::string()> status)
    : clock_(clock), bus_(bus), topic_(std::move(heartbeat_topic)), interval_(interval),
      status_(std::move(status)), log_(logger("watchdog")), timer_(clock.make_timer()),
      token_(std::to_string(::getpid()) + "-") {}

void Watchdog::start() {
    last_echo_ = clock_.steady_now();
    if (interval_) {
        bus_.subscribe(topic_, 0, [this](const Message& m) { on_heartbeat(m); });
        log_->info("systemd watchdog every {} ms; MQTT heartbeat on {}",
                   std::chrono::duration_cast<std::chrono::milliseconds>(*interval_).count(),
                   topic_);
    }
    tick();
}

void Watchdog::stop() noexcept { timer_->cancel(); }

void Watchdog::on_connected() {
    // The echo clock restarts: a heartbeat sent before the drop may never come back.
    last_echo_ = clock_.steady_now();
    if (interval_) bus_.publish(topic_, token_ + std::to_string(++sent_), 0, false);
    refresh_status();
}

void Watchdog::on_heartbeat(const Message& m) {
    if (m.payload.rfind(token_, 0) != 0) return;
    last_echo_ = clock_.steady_now();
}

std::string Watchdog::status_for_ready() {
    last_status_ = status_ ? status_() : std::string();
    return last_status_;
}

void Watchdog::refresh_status() {
    std::string text = status_ ? status_() : std::string();
    if (wedged_) text = "MQTT heartbeat lost, watchdog pings stopped; " + text;
    if (text == last_status_) return;
    last_status_ = text;
    notify_systemd("STATUS=" + text);
}

void Watchdog::tick() {
    if (interval_) {
        const SteadyTime now = clock_.steady_now();
        bool healthy = true;
        if (bus_.connected()) {
            const auto stale_after = 2 * *interval_;
            healthy = now - last_echo_ <= stale_after;
            bus_.publish(topic_, token_ + std::to_string(++sent_), 0, false);
            if (!healthy && !wedged_) {
                log_->error(
                    "no MQTT heartbeat echo on {} for {} s while connected: the MQTT client "
                    "looks wedged; no more watchdog pings, systemd will restart bedtimed",
                    topic_,
                    std::chrono::duration_cast<std::chrono::seconds>(now - last_echo_).count());
            }
        }
        // Disconnected: Paho is reconnecting with backoff; the loop is alive, keep pinging.
        if (healthy) {
            if (wedged_) log_->warn("MQTT heartbeat echoed again; watchdog pings resumed");
            notify_systemd("WATCHDOG=1");
        }
        wedged_ = !healthy;
    }
    refresh_status();
    arm();
}

void Watchdog::arm() {
    const Duration period = interval_ ? Duration(*interval_ / 2) : Duration(kStatusPeriod);
    timer_->arm(period, [this] { tick(); });
}

}  // namespace bedtimed
