#pragma once
// A SQLite VFS that is the default one, except that a connection opened with it yields its CPU
// (sched_yield) after every few writes to a file. The background checkpointer uses it: a
// checkpoint copies up to thousands of pages, read and written one system call each, and would
// otherwise hold its core for milliseconds at a time while the requests that share that core
// wait behind it. Yielding costs nothing when nothing else wants the core.

namespace mitra::storage::sqlite {

/// Yields after this many writes (one page each during a checkpoint).
inline constexpr int kWritesPerYield = 16;

/// The name to pass to sqlite3_open_v2; the VFS is registered (not as the default) on first use.
const char* YieldingVfsName();

/// Times a connection opened with the VFS yielded, in this process (for tests).
long YieldingVfsYields();

}  // namespace mitra::storage::sqlite
