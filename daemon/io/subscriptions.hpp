// A bus's subscriptions by filter, found for a topic without trying every
// filter: a house of 500 sleepers subscribes about 3,000 exact topics and a
// handful of wildcards, and matching every message against all of them was
// a quarter of the daemon's CPU under the house's sensor traffic
// (bench/house.py). An exact filter is looked up; only the wildcard filters
// (`+`, `#`) are tried one by one.
//
// Threads: as the owning bus (one thread at a time). Owns copies of the
// values. Nothing throws except std::bad_alloc and the values' copies.
#pragma once

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mqtt_topic.hpp"

namespace bedtimed {

template <typename Value>
class Subscriptions {
public:
    void set(const std::string& filter, Value value) {
        if (filter.find_first_of("+#") != std::string::npos) wildcards_.insert(filter);
        by_filter_.insert_or_assign(filter, std::move(value));
    }
    bool erase(const std::string& filter) {
        wildcards_.erase(filter);
        return by_filter_.erase(filter) != 0;
    }
    bool contains(const std::string& filter) const { return by_filter_.count(filter) != 0; }
    // Every subscription, in filter order.
    const std::map<std::string, Value, std::less<>>& all() const noexcept { return by_filter_; }

    // Copies of the values whose filter matches `topic`, in filter order (as
    // trying every filter in order would call them). Copies: a handler may
    // (un)subscribe while the others are called.
    std::vector<Value> matching(std::string_view topic) const {
        std::vector<std::pair<std::string_view, const Value*>> hits;
        if (auto it = by_filter_.find(topic);
            it != by_filter_.end() && !wildcards_.count(it->first))
            hits.emplace_back(it->first, &it->second);
        for (const auto& filter : wildcards_)
            if (topic_matches(filter, topic))
                hits.emplace_back(filter, &by_filter_.find(filter)->second);
        if (hits.size() > 1)
            std::sort(hits.begin(), hits.end(),
                      [](const auto& a, const auto& b) { return a.first < b.first; });
        std::vector<Value> values;
        values.reserve(hits.size());
        for (const auto& [filter, value] : hits) values.push_back(*value);
        return values;
    }

private:
    std::map<std::string, Value, std::less<>> by_filter_;
    std::set<std::string, std::less<>> wildcards_;
};

}  // namespace bedtimed
