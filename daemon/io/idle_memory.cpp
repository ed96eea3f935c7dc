#include "idle_memory.hpp"

#include <malloc.h>
#include <sys/mman.h>

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

namespace bedtimed {
namespace {

struct Mapping {
    std::uintptr_t start = 0, end = 0;
    bool droppable = false;  // read-only, private, backed by a file
    std::size_t rss_kib = 0, anonymous_kib = 0;
};

// "7f1c2a000000-7f1c2a021000 r-xp 00000000 fe:01 1234  /usr/lib/x86_64-linux-gnu/libc.so.6"
bool read_header(const std::string& line, Mapping& m) {
    unsigned long long start = 0, end = 0;
    char perms[5] = {};
    int path_at = 0;
    if (std::sscanf(line.c_str(), "%llx-%llx %4s %*s %*s %*s %n", &start, &end, perms, &path_at) <
        3)
        return false;
    m = Mapping{};
    m.start = static_cast<std::uintptr_t>(start);
    m.end = static_cast<std::uintptr_t>(end);
    const bool file = path_at > 0 && line.compare(static_cast<std::size_t>(path_at), 1, "/") == 0;
    m.droppable = file && perms[1] != 'w' && perms[3] == 'p';
    return true;
}

void drop(const Mapping& m, std::size_t& dropped_kib) {
    // A copied-on-write page (relocations made read-only afterwards) is not the file's: keep all.
    if (!m.droppable || m.rss_kib == 0 || m.anonymous_kib != 0) return;
    if (::madvise(reinterpret_cast<void*>(m.start), m.end - m.start, MADV_DONTNEED) == 0)
        dropped_kib += m.rss_kib;
}

}  // namespace

std::size_t release_idle_memory() noexcept {
    std::size_t dropped_kib = 0;
    try {
        ::malloc_trim(0);
        std::ifstream smaps("/proc/self/smaps");
        std::string line;
        Mapping m;
        bool have = false;
        while (std::getline(smaps, line)) {
            if (line.rfind("Rss:", 0) == 0) m.rss_kib = std::strtoul(line.c_str() + 4, nullptr, 10);
            else if (line.rfind("Anonymous:", 0) == 0)
                m.anonymous_kib = std::strtoul(line.c_str() + 10, nullptr, 10);
            else if (!line.empty() && std::isxdigit(static_cast<unsigned char>(line[0])) &&
                     line.find(':') > line.find(' ')) {
                Mapping next;
                if (!read_header(line, next)) continue;
                if (have) drop(m, dropped_kib);
                m = next;
                have = true;
            }
        }
        if (have) drop(m, dropped_kib);
    } catch (...) {
        // Nothing to give back then; the daemon runs on as it is.
    }
    return dropped_kib;
}

}  // namespace bedtimed
