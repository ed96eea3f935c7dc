// release_idle_memory() drops resident file pages; what they held must come
// back unchanged: code, constant tables, vtables (copied-on-write by the
// relocations, so never dropped) and the heap.
#include "idle_memory.hpp"

#include <gtest/gtest.h>

#include <array>
#include <fstream>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

namespace bedtimed {
namespace {

// In .rodata: a read-only, file-backed page that the release may drop.
constexpr std::array<unsigned, 4096> table = [] {
    std::array<unsigned, 4096> t{};
    for (unsigned i = 0; i < t.size(); ++i) t[i] = i * 2654435761u;
    return t;
}();

struct Shape {
    virtual ~Shape() = default;
    virtual int sides() const = 0;
};
struct Square final : Shape {
    int sides() const override { return 4; }
};

std::size_t resident_kib() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::stoul(line.substr(6));
    return 0;
}

TEST(IdleMemory, WhatTheDroppedPagesHeldComesBackUnchanged) {
    const unsigned before = std::accumulate(table.begin(), table.end(), 0u);
    std::vector<std::string> heap(1000, std::string(100, 'x'));
    std::unique_ptr<Shape> shape = std::make_unique<Square>();
    const std::size_t rss_before = resident_kib();

    const std::size_t dropped = release_idle_memory();

    EXPECT_GT(dropped, 0u) << "a test binary maps pages of its own file and of libc";
    EXPECT_LT(resident_kib(), rss_before);
    EXPECT_EQ(std::accumulate(table.begin(), table.end(), 0u), before);
    EXPECT_EQ(shape->sides(), 4);
    EXPECT_EQ(heap[999], std::string(100, 'x'));
    release_idle_memory();  // a second call is harmless too
    EXPECT_EQ(shape->sides(), 4);
}

}  // namespace
}  // namespace bedtimed
