#include "stats.hpp"

#include <algorithm>
#include <chrono>

#include "local_time.hpp"
#include "night.hpp"

namespace bedtimed::cramplog {

namespace {

using std::chrono::seconds;
using std::chrono::sys_seconds;

// UTC → local with the zone's rules looked up only when the instant leaves
// the offset period of the previous lookup. Rows come from the store in time
// order, so 10 years in a DST zone cost about 20 lookups instead of one per
// row (date's lookup is a binary search plus locking of the tz database).
class OffsetCache {
public:
    explicit OffsetCache(const date::time_zone* zone) : zone_(zone) {}

    seconds offset_at(sys_seconds t) {
        if (!valid_ || t < info_.begin || t >= info_.end) {
            info_ = zone_->get_info(t);
            valid_ = true;
        }
        return info_.offset;
    }

    // at_local() (the skipped/repeated-hour rule in local_time.hpp), without a
    // lookup when `local` is at least a day away from any offset change: then
    // the cached period's offset is the only one that can apply.
    sys_seconds at_local(date::local_seconds local) {
        if (valid_) {
            const sys_seconds guess{local.time_since_epoch() - info_.offset};
            if (guess >= info_.begin + date::days(1) && guess < info_.end - date::days(1))
                return guess;
        }
        const auto day = date::floor<date::days>(local);
        const auto minutes = std::chrono::duration_cast<std::chrono::minutes>(local - day);
        return date::floor<seconds>(
            bedtimed::at_local(zone_, day, static_cast<int>(minutes.count())));
    }

private:
    const date::time_zone* zone_;
    date::sys_info info_{};
    bool valid_ = false;
};

// The bedtime histogram: each row's time from its night's planned bedtime.
// The previous row's night and bedtime instant are kept: consecutive rows
// usually share a night, so the bedtime is resolved once per night, not per row.
class BedtimeBins {
public:
    BedtimeBins(OffsetCache& cache, const StatsOptions& options)
        : cache_(cache), options_(options) {}

    void count(Stats& s, date::local_days night, sys_seconds start) {
        if (!known_ || night_ != night) resolve(night);
        if (!has_bedtime_) {
            ++s.bedtime_unplanned;
            return;
        }
        const auto rel = start - bedtime_at_ - std::chrono::minutes(Stats::kBedtimeFromMinutes);
        // floor, so -1 s lands in the bin below 0, not in bin 0.
        const auto bin = date::floor<std::chrono::minutes>(rel).count();
        const auto idx = bin >= 0 ? bin / Stats::kBinMinutes : -1;
        if (idx >= 0 && idx < Stats::kBedtimeBins)
            ++s.bedtime_histogram[static_cast<std::size_t>(idx)];
        else ++s.bedtime_outside;
    }

private:
    void resolve(date::local_days night) {
        night_ = night;
        known_ = true;
        has_bedtime_ = false;
        if (!options_.bedtime) return;
        const auto& bt = (*options_.bedtime)[date::weekday(night).c_encoding()];
        if (!bt) return;
        bedtime_at_ = cache_.at_local(date::local_seconds(night) + std::chrono::minutes(*bt));
        has_bedtime_ = true;
    }

    OffsetCache& cache_;
    const StatsOptions& options_;
    date::local_days night_{};
    // A plain pair, not std::optional: GCC 12 warns "maybe uninitialized" on
    // an optional time_point here (a false positive).
    sys_seconds bedtime_at_{};
    bool has_bedtime_ = false;
    bool known_ = false;
};

std::optional<double> median_of(std::vector<double>& v) {
    if (v.empty()) return std::nullopt;
    const auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
    std::nth_element(v.begin(), mid, v.end());
    if (v.size() % 2 == 1) return *mid;
    // Even count: the lower middle is the largest element left of mid.
    const double lower = *std::max_element(v.begin(), mid);
    return (lower + *mid) / 2.0;
}

}  // namespace

const char* trend_text(Trend t) {
    switch (t) {
        case Trend::rising:
            return "rising";
        case Trend::falling:
            return "falling";
        case Trend::steady:
            break;
    }
    return "steady";
}

Trend trend_of(int last_14, int prior_14) {
    // Integer forms of 1.5× and 0.67×, so a boundary case is not decided by rounding.
    if (2 * last_14 >= 3 * prior_14 && last_14 - prior_14 >= 3) return Trend::rising;
    if (100 * last_14 <= 67 * prior_14 && prior_14 - last_14 >= 3) return Trend::falling;
    return Trend::steady;
}

Stats compute_stats(const std::vector<StoredEpisode>& rows, const date::time_zone* zone,
                    WallTime now, const StatsOptions& options) {
    Stats s;
    const date::local_days current = night_of(zone, now);
    const int n_nights = std::max(0, options.per_night_nights);
    std::vector<int> per_night(static_cast<std::size_t>(n_nights), 0);

    OffsetCache cache(zone);
    std::vector<double> durations;
    double severity_sum = 0;
    int severity_n = 0;

    BedtimeBins bedtime_bins(cache, options);

    for (const StoredEpisode& e : rows) {
        if (e.status == "false_positive") continue;
        const sys_seconds start = date::floor<seconds>(e.start);
        const date::local_seconds local{start.time_since_epoch() + cache.offset_at(start)};
        // Same as night_of(): noon to noon, named by the evening.
        const date::local_days night = date::floor<date::days>(local - kLogNightBegins);
        const int ago = static_cast<int>((current - night).count());
        if (ago < 0) continue;  // a night after the current one: clock skew, not data

        if (ago == 0) ++s.tonight;
        if (ago < 7) ++s.last_7_days;
        if (ago < 14) ++s.last_14_days;
        else if (ago < 28) ++s.prior_14_days;
        if (ago < 28) {
            ++s.last_28_days;
            durations.push_back(e.duration_s);
            if (e.severity) {
                severity_sum += *e.severity;
                ++severity_n;
            }
        }
        if (ago < n_nights) ++per_night[static_cast<std::size_t>(n_nights - 1 - ago)];

        const auto since_midnight = std::chrono::duration_cast<std::chrono::minutes>(
            local - date::floor<date::days>(local));
        ++s.clock_histogram[static_cast<std::size_t>(since_midnight.count() / Stats::kBinMinutes)];

        bedtime_bins.count(s, night, start);
    }

    s.rate_7d_per_week = s.last_7_days;
    s.rate_28d_per_week = s.last_28_days / 4.0;
    s.per_night.reserve(per_night.size());
    for (int i = 0; i < n_nights; ++i) {
        s.per_night.push_back(NightCount{night_text(current - date::days(n_nights - 1 - i)),
                                         per_night[static_cast<std::size_t>(i)]});
    }
    s.median_duration_s = median_of(durations);
    if (severity_n > 0) s.mean_severity = severity_sum / severity_n;
    s.trend = trend_of(s.last_14_days, s.prior_14_days);
    return s;
}

}  // namespace bedtimed::cramplog
