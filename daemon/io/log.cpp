#include "log.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>

namespace bedtimed {

namespace {

// "%*" in the pattern: the sd-daemon(3) priority prefix, e.g. "<4>" for warnings.
class SyslogPriorityFlag final : public spdlog::custom_flag_formatter {
public:
    void format(const spdlog::details::log_msg& msg, const std::tm&,
                spdlog::memory_buf_t& dest) override {
        static constexpr const char* kPrefix[] = {"<7>", "<7>", "<6>", "<4>", "<3>", "<2>", "<6>"};
        const auto index = static_cast<std::size_t>(msg.level);
        const char* p = kPrefix[index < 7 ? index : 6];
        dest.append(p, p + 3);
    }
    std::unique_ptr<custom_flag_formatter> clone() const override {
        return std::make_unique<SyslogPriorityFlag>();
    }
};

std::mutex g_mutex;
spdlog::sink_ptr g_sink;
spdlog::level::level_enum g_level = spdlog::level::info;

}  // namespace

bool stderr_is_journal() {
    // systemd.exec(5): JOURNAL_STREAM is "device:inode" of the stream it connected.
    const char* env = std::getenv("JOURNAL_STREAM");
    if (!env) return false;
    struct stat st {};
    if (fstat(2, &st) != 0) return false;
    unsigned long long dev = 0, ino = 0;
    if (std::sscanf(env, "%llu:%llu", &dev, &ino) != 2) return false;
    return static_cast<unsigned long long>(st.st_dev) == dev &&
           static_cast<unsigned long long>(st.st_ino) == ino;
}

void setup_logging(spdlog::level::level_enum level) {
    {
        std::lock_guard lock(g_mutex);
        g_level = level;
        g_sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
        auto formatter = std::make_unique<spdlog::pattern_formatter>();
        if (stderr_is_journal()) {
            formatter->add_flag<SyslogPriorityFlag>('*').set_pattern("%*[%n] %v");
        } else {
            formatter->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ [%n] %v");
        }
        g_sink->set_formatter(std::move(formatter));
        spdlog::apply_all([&](std::shared_ptr<spdlog::logger> l) {
            l->sinks() = {g_sink};
            l->set_level(level);
        });
    }
    auto main_logger = logger("main");
    spdlog::set_default_logger(main_logger);
}

std::shared_ptr<spdlog::logger> logger(const std::string& name) {
    if (auto existing = spdlog::get(name)) return existing;
    std::lock_guard lock(g_mutex);
    if (auto existing = spdlog::get(name)) return existing;
    if (!g_sink) g_sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    auto l = std::make_shared<spdlog::logger>(name, g_sink);
    l->set_level(g_level);
    l->flush_on(spdlog::level::warn);
    spdlog::register_logger(l);
    return l;
}

bool RateLimitedLog::allow(std::chrono::steady_clock::time_point now,
                           std::uint64_t& suppressed_before) {
    if (now - window_start_ >= window_) {
        window_start_ = now;
        in_window_ = 0;
    }
    if (in_window_ < burst_) {
        ++in_window_;
        suppressed_before = suppressed_;
        suppressed_ = 0;
        return true;
    }
    ++suppressed_;
    return false;
}

}  // namespace bedtimed
