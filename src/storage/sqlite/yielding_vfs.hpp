#pragma once
// A SQLite VFS that is the default one, except that on a thread marked as background
// (YieldWritesOnThisThread) it gives up the CPU (sched_yield) after every few writes to a file.
// Every connection opens through it. The background checkpointer and the read-audit writer mark
// their threads: a checkpoint copies up to thousands of pages and a read-audit COMMIT writes
// hundreds of WAL frames, each one system call, and would otherwise hold their core for
// milliseconds at a time while the requests that share that core wait behind them. Yielding
// costs nothing when nothing else wants the core.
//
// It also gathers a WAL commit's writes. SQLite writes each WAL frame as two calls (a 24-byte
// header, then the page); a dose write's commit is about twenty frames, forty pwrite(2) calls
// in the write lane. This VFS holds a WAL file's writes while they follow on from each other and
// passes them on as one write before any other call on that file (the commit's fsync, a read,
// a size, a truncate, a close), before the commit publishes the frames in the WAL index (the
// database file's xShmBarrier) and before the connection takes or drops a lock (xShmLock), so
// no connection ever reads a frame not yet in the file and no held byte outlives its
// transaction.
// SQLite dose writes at 8 connections went from 4,308 / 4,445 / 4,538 to 4,707 / 4,966 / 4,835
// per second, COMMIT from 565–604 µs to 510–528 µs (bench/storage's load, binaries alternated).

namespace mitra::storage::sqlite {

/// Yields after this many writes (one page or WAL frame each).
inline constexpr int kWritesPerYield = 16;

/// A WAL file's writes are held back while they follow on from each other, up to this many
/// bytes, and reach the base file as one write (before any other call on that file). The unix
/// VFS passes at most 17 bits of a write's length to pwrite(2) (`nBuf &= 0x1ffff` in
/// seekAndWriteFd): a longer write comes out short and fails as SQLITE_FULL.
inline constexpr long long kWalWriteLimit = 0x1ffff;

/// The name to pass to sqlite3_open_v2; the VFS is registered (not as the default) on first use.
const char* YieldingVfsName();

/// Marks (or unmarks) the calling thread: its SQLite writes yield every kWritesPerYield.
void YieldWritesOnThisThread(bool yield);

/// Times a thread yielded through the VFS, in this process (for tests).
long YieldingVfsYields();

/// Held-back WAL writes passed to the base file, in this process (for tests).
long YieldingVfsWalFlushes();

/// Bytes held back in this process's WAL files now (for tests).
long YieldingVfsHeldBytes();

}  // namespace mitra::storage::sqlite
