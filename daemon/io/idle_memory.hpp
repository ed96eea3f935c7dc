// Gives back memory an idle daemon no longer uses: freed heap (malloc_trim)
// and the pages of code and read-only data that start-up touched and the
// loop does not (the config loader, yaml-cpp, the schema's migrations, the
// dynamic loader's symbol tables of libcrypto and libstdc++).
//
// Why: VmRSS counts every page a process maps, and Linux maps file pages in
// blocks of 64 KiB around each fault, so an idle bedtimed carried about
// 7 MiB of start-up's code and tables that it never read again
// (bench/results.md, "Idle RSS"). Only read-only, private, file-backed
// mappings without a single copied-on-write page are dropped: their pages
// are the file's, so the next access maps them again from the page cache
// (a minor fault), exactly as after the kernel reclaimed them. Writable and
// shared mappings, the heap and the stacks are never touched.
//
// Threads: any (it reads /proc/self/smaps and calls madvise). noexcept;
// returns the KiB of resident file pages it dropped.
#pragma once

#include <cstddef>

namespace bedtimed {

std::size_t release_idle_memory() noexcept;

}  // namespace bedtimed
