#pragma once
// A SQLite VFS that is the default one, except that on a thread marked as background
// (YieldWritesOnThisThread) it gives up the CPU (sched_yield) after every few writes to a file.
// Every connection opens through it. The background checkpointer and the read-audit writer mark
// their threads: a checkpoint copies up to thousands of pages and a read-audit COMMIT writes
// hundreds of WAL frames, each one system call, and would otherwise hold their core for
// milliseconds at a time while the requests that share that core wait behind them. Yielding
// costs nothing when nothing else wants the core; on any other thread the VFS only passes calls
// through.

namespace mitra::storage::sqlite {

/// Yields after this many writes (one page or WAL frame each).
inline constexpr int kWritesPerYield = 16;

/// The name to pass to sqlite3_open_v2; the VFS is registered (not as the default) on first use.
const char* YieldingVfsName();

/// Marks (or unmarks) the calling thread: its SQLite writes yield every kWritesPerYield.
void YieldWritesOnThisThread(bool yield);

/// Times a thread yielded through the VFS, in this process (for tests).
long YieldingVfsYields();

}  // namespace mitra::storage::sqlite
