#include "log_notifier.hpp"

#include <spdlog/spdlog.h>

namespace bedtimed::integrations {

namespace {

class LogNotifier final : public Notifier {
public:
    explicit LogNotifier(std::shared_ptr<spdlog::logger> log) : log_(std::move(log)) {}

    void notify(const Reminder& r) override {
        const auto level = r.urgent ? spdlog::level::warn : spdlog::level::info;
        if (r.message.empty()) log_->log(level, "{}: {}", r.sleeper, r.title);
        else log_->log(level, "{}: {}: {}", r.sleeper, r.title, r.message);
    }

private:
    std::shared_ptr<spdlog::logger> log_;
};

std::unique_ptr<Notifier> create(const config::NotifierSpec& /*spec*/, OptionReader& /*options*/,
                                 NotifierContext& ctx) {
    // No logger in the context: fall back to spdlog's default rather than crash.
    return std::make_unique<LogNotifier>(ctx.log ? ctx.log : spdlog::default_logger());
}

}  // namespace

const NotifierIntegration kLogNotifier{"log", &create};

}  // namespace bedtimed::integrations
