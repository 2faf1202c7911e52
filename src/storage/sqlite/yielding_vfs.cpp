#include "storage/sqlite/yielding_vfs.hpp"

#include <sched.h>
#include <sqlite3.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

#include "core/blocking.hpp"

namespace mitra::storage::sqlite {
namespace {

constexpr const char* kName = "mitra-yielding";
constexpr int kWalWriteLock = 0;  // the shared-memory lock slot of a WAL write (WAL_WRITE_LOCK)

sqlite3_vfs* g_base = nullptr;  // the default VFS this one wraps
sqlite3_vfs g_vfs{};
std::atomic<long> g_yields{0};
std::atomic<long> g_wal_flushes{0};
std::atomic<long> g_held_bytes{0};  // bytes held back in all WAL files now
thread_local bool t_yield = false;
thread_local int t_writes = 0;  // writes since this thread last yielded

/// WAL writes not yet passed to the base file: one contiguous run of bytes.
struct Pending {
    sqlite3_int64 offset = 0;
    std::vector<unsigned char> bytes;
    // A failed write: every later call on the file fails with it, so that SQLite learns of it
    // (it was told the write succeeded) and abandons the transaction. Cleared when the
    // connection drops the WAL write lock (ShmLock): the transaction is over, and a later one
    // writes its frames again from the WAL index, which the failed one never reached (at
    // synchronous=FULL, which every mitra connection sets, a commit's fsync comes first).
    int error = SQLITE_OK;
};

/// Our file: the base VFS's file follows it in the same allocation (szOsFile covers both).
struct File {
    sqlite3_file base;  // pMethods points at the io methods below
    sqlite3_file* real;
    Pending* pending;  // WAL files only (else null); owned, freed by Close
    // A connection's database file and its WAL file know each other (set up in Open): the WAL
    // index lives in the database file's shared memory, and a commit that publishes frames
    // there (or a transaction that releases its locks) must find them written first. Both are
    // used by the connection's thread only.
    const char* db_name;  // a database file's name, as SQLite passed it to xOpen
    File* wal;            // of a database file: its connection's WAL file, once open
    File* db;             // of a WAL file: its connection's database file
};

File* Our(sqlite3_file* f) { return reinterpret_cast<File*>(f); }
sqlite3_file* Real(sqlite3_file* f) { return Our(f)->real; }

// Open database files by the name pointer SQLite gave them: each connection's pager allocates
// the database, journal and WAL names in one block, so sqlite3_filename_database(wal name)
// finds the very pointer its database file was opened with.
std::mutex g_open_mutex;
std::unordered_map<const char*, File*> g_open_databases;

/// Writes what a WAL file holds back, in one call. The WAL file's xRead, xTruncate, xSync,
/// xFileSize, xLock, xUnlock, xFileControl, xFetch and xClose call it first, and so do its
/// database file's xShmLock and xShmBarrier, so the base file is never read, sized, truncated,
/// synced or closed, and no lock or WAL index changes, behind bytes still held here.
int Flush(sqlite3_file* f) {
    Pending* p = Our(f)->pending;
    if (p == nullptr || p->error != SQLITE_OK || p->bytes.empty()) {
        return p == nullptr ? SQLITE_OK : p->error;
    }
    p->error = Real(f)->pMethods->xWrite(Real(f), p->bytes.data(),
                                         static_cast<int>(p->bytes.size()), p->offset);
    g_held_bytes.fetch_sub(static_cast<long>(p->bytes.size()), std::memory_order_relaxed);
    p->bytes.clear();
    g_wal_flushes.fetch_add(1, std::memory_order_relaxed);
    return p->error;
}

/// Calls `call` on the base file once the held bytes are written, or fails as the flush did.
template <typename Call>
int AfterFlush(sqlite3_file* f, Call call) {
    if (const int rc = Flush(f); rc != SQLITE_OK) {
        return rc;
    }
    return call(Real(f));
}

void YieldIfMarked() {
    if (t_yield && ++t_writes >= kWritesPerYield) {
        t_writes = 0;
        sched_yield();
        g_yields.fetch_add(1, std::memory_order_relaxed);
    }
}

int Close(sqlite3_file* f) {
    const int flushed = Flush(f);
    File* file = Our(f);
    delete file->pending;
    file->pending = nullptr;
    {
        std::lock_guard lock(g_open_mutex);
        if (file->db != nullptr) {
            file->db->wal = nullptr;
        }
        if (file->wal != nullptr) {
            file->wal->db = nullptr;
        }
        if (file->db_name != nullptr) {
            g_open_databases.erase(file->db_name);
        }
    }
    sqlite3_file* real = Real(f);
    const int rc = real->pMethods != nullptr ? real->pMethods->xClose(real) : SQLITE_OK;
    return flushed != SQLITE_OK ? flushed : rc;
}
int Read(sqlite3_file* f, void* buf, int n, sqlite3_int64 off) {
    return AfterFlush(f, [&](sqlite3_file* r) { return r->pMethods->xRead(r, buf, n, off); });
}
int Write(sqlite3_file* f, const void* buf, int n, sqlite3_int64 off) {
    Pending* p = Our(f)->pending;
    if (p == nullptr) {
        const int rc = Real(f)->pMethods->xWrite(Real(f), buf, n, off);
        YieldIfMarked();
        return rc;
    }
    // A WAL commit writes each frame as two calls (its 24-byte header, then the page), back to
    // back: held here, the whole commit reaches the base file as one write before its fsync.
    if (p->error != SQLITE_OK) {
        return p->error;
    }
    const auto size = static_cast<sqlite3_int64>(p->bytes.size());
    if (size > 0 && (off != p->offset + size || size + n > kWalWriteLimit)) {
        if (const int rc = Flush(f); rc != SQLITE_OK) {
            return rc;
        }
    }
    if (p->bytes.empty()) {
        p->offset = off;
    }
    const auto* bytes = static_cast<const unsigned char*>(buf);
    p->bytes.insert(p->bytes.end(), bytes, bytes + n);
    g_held_bytes.fetch_add(n, std::memory_order_relaxed);
    YieldIfMarked();
    return SQLITE_OK;
}
int Truncate(sqlite3_file* f, sqlite3_int64 size) {
    return AfterFlush(f, [&](sqlite3_file* r) { return r->pMethods->xTruncate(r, size); });
}
int Sync(sqlite3_file* f, int flags) {
    const core::BlockingScope blocking;  // a worker pool may run another job during the fsync
    return AfterFlush(f, [&](sqlite3_file* r) { return r->pMethods->xSync(r, flags); });
}
int FileSize(sqlite3_file* f, sqlite3_int64* size) {
    return AfterFlush(f, [&](sqlite3_file* r) { return r->pMethods->xFileSize(r, size); });
}
int Lock(sqlite3_file* f, int level) {
    return AfterFlush(f, [&](sqlite3_file* r) { return r->pMethods->xLock(r, level); });
}
int Unlock(sqlite3_file* f, int level) {
    return AfterFlush(f, [&](sqlite3_file* r) { return r->pMethods->xUnlock(r, level); });
}
int CheckReservedLock(sqlite3_file* f, int* out) {
    return Real(f)->pMethods->xCheckReservedLock(Real(f), out);
}
int FileControl(sqlite3_file* f, int op, void* arg) {
    return AfterFlush(f, [&](sqlite3_file* r) { return r->pMethods->xFileControl(r, op, arg); });
}
int SectorSize(sqlite3_file* f) { return Real(f)->pMethods->xSectorSize(Real(f)); }
int DeviceCharacteristics(sqlite3_file* f) {
    return Real(f)->pMethods->xDeviceCharacteristics(Real(f));
}
int ShmMap(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
    return Real(f)->pMethods->xShmMap(Real(f), region, size, extend, out);
}
int ShmLock(sqlite3_file* f, int offset, int n, int flags) {
    // Every transaction takes and drops its locks here. Writing what is held first means held
    // bytes never outlive the lock they were written under: a transaction that spilled frames
    // and rolled back must not write them late, over frames another connection has since
    // written at the same place.
    if (File* wal = Our(f)->wal; wal != nullptr) {
        const int rc = Flush(&wal->base);
        if ((flags & SQLITE_SHM_UNLOCK) == 0) {
            if (rc != SQLITE_OK) {
                return rc;
            }
        } else if (offset <= kWalWriteLock && kWalWriteLock < offset + n) {
            // A lock is always dropped, failed write or not: a write lock kept would stop every
            // connection in every process from writing until this one closed (a full disk, once
            // freed, would not be written to again). What the failed flush held is lost with
            // the transaction it belonged to.
            wal->pending->error = SQLITE_OK;
        }
    }
    return Real(f)->pMethods->xShmLock(Real(f), offset, n, flags);
}
void ShmBarrier(sqlite3_file* f) {
    // A commit writes the new WAL index header in two copies with this barrier between them; a
    // reader takes the header only once both agree. Writing the held-back frames here puts them
    // in the WAL file before any other connection can see them, whatever `synchronous` says
    // (at FULL the commit's fsync has written them already).
    if (File* wal = Our(f)->wal; wal != nullptr) {
        (void)Flush(&wal->base);  // if it fails, later calls on the WAL file fail (see Pending)
    }
    Real(f)->pMethods->xShmBarrier(Real(f));
}
int ShmUnmap(sqlite3_file* f, int delete_flag) {
    return Real(f)->pMethods->xShmUnmap(Real(f), delete_flag);
}
int Fetch(sqlite3_file* f, sqlite3_int64 off, int n, void** out) {
    return AfterFlush(f, [&](sqlite3_file* r) { return r->pMethods->xFetch(r, off, n, out); });
}
int Unfetch(sqlite3_file* f, sqlite3_int64 off, void* p) {
    return Real(f)->pMethods->xUnfetch(Real(f), off, p);
}

// Versions 1-3 of the io methods share a prefix; each file reports the base file's version, so
// SQLite never calls a method the base file lacks.
const sqlite3_io_methods kMethods[3] = {
    {1, Close, Read, Write, Truncate, Sync, FileSize, Lock, Unlock, CheckReservedLock,
     FileControl, SectorSize, DeviceCharacteristics, nullptr, nullptr, nullptr, nullptr, nullptr,
     nullptr},
    {2, Close, Read, Write, Truncate, Sync, FileSize, Lock, Unlock, CheckReservedLock,
     FileControl, SectorSize, DeviceCharacteristics, ShmMap, ShmLock, ShmBarrier, ShmUnmap,
     nullptr, nullptr},
    {3, Close, Read, Write, Truncate, Sync, FileSize, Lock, Unlock, CheckReservedLock,
     FileControl, SectorSize, DeviceCharacteristics, ShmMap, ShmLock, ShmBarrier, ShmUnmap, Fetch,
     Unfetch},
};

int Open(sqlite3_vfs* /*vfs*/, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
    auto* file = reinterpret_cast<File*>(f);
    file->real = reinterpret_cast<sqlite3_file*>(file + 1);
    file->real->pMethods = nullptr;
    file->pending = nullptr;
    file->db_name = nullptr;
    file->wal = nullptr;
    file->db = nullptr;
    f->pMethods = nullptr;  // until the base file is open: SQLite then calls no method
    const int rc = g_base->xOpen(g_base, name, file->real, flags, out_flags);
    if (file->real->pMethods != nullptr && name != nullptr) {
        std::lock_guard lock(g_open_mutex);
        if ((flags & SQLITE_OPEN_MAIN_DB) != 0) {
            file->db_name = name;
            g_open_databases[name] = file;
        } else if ((flags & SQLITE_OPEN_WAL) != 0) {
            const auto db = g_open_databases.find(sqlite3_filename_database(name));
            if (db != g_open_databases.end() && db->second->wal == nullptr) {
                // Without its database file, a WAL file's writes go straight through.
                file->pending = new (std::nothrow) Pending;
                if (file->pending != nullptr) {
                    file->db = db->second;
                    db->second->wal = file;
                }
            }
        }
    }
    if (file->real->pMethods != nullptr) {
        const int version = file->real->pMethods->iVersion;
        f->pMethods = &kMethods[(version < 1 ? 1 : version > 3 ? 3 : version) - 1];
    }
    return rc;
}

// Everything that is not about one open file goes to the base VFS as it is.
int Delete(sqlite3_vfs*, const char* name, int sync_dir) {
    return g_base->xDelete(g_base, name, sync_dir);
}
int Access(sqlite3_vfs*, const char* name, int flags, int* out) {
    return g_base->xAccess(g_base, name, flags, out);
}
int FullPathname(sqlite3_vfs*, const char* name, int n, char* out) {
    return g_base->xFullPathname(g_base, name, n, out);
}
void* DlOpen(sqlite3_vfs*, const char* name) { return g_base->xDlOpen(g_base, name); }
void DlError(sqlite3_vfs*, int n, char* out) { g_base->xDlError(g_base, n, out); }
void (*DlSym(sqlite3_vfs*, void* handle, const char* symbol))(void) {
    return g_base->xDlSym(g_base, handle, symbol);
}
void DlClose(sqlite3_vfs*, void* handle) { g_base->xDlClose(g_base, handle); }
int Randomness(sqlite3_vfs*, int n, char* out) { return g_base->xRandomness(g_base, n, out); }
int Sleep(sqlite3_vfs*, int us) {  // the busy handler's wait for another connection's lock
    const core::BlockingScope blocking;
    return g_base->xSleep(g_base, us);
}
int CurrentTime(sqlite3_vfs*, double* out) { return g_base->xCurrentTime(g_base, out); }
int GetLastError(sqlite3_vfs*, int n, char* out) {
    return g_base->xGetLastError != nullptr ? g_base->xGetLastError(g_base, n, out) : 0;
}
int CurrentTimeInt64(sqlite3_vfs*, sqlite3_int64* out) {
    return g_base->xCurrentTimeInt64(g_base, out);
}

}  // namespace

const char* YieldingVfsName() {
    static std::once_flag once;
    std::call_once(once, [] {
        g_base = sqlite3_vfs_find(nullptr);
        g_vfs.iVersion = 2;
        g_vfs.szOsFile = static_cast<int>(sizeof(File)) + g_base->szOsFile;
        g_vfs.mxPathname = g_base->mxPathname;
        g_vfs.zName = kName;
        g_vfs.xOpen = Open;
        g_vfs.xDelete = Delete;
        g_vfs.xAccess = Access;
        g_vfs.xFullPathname = FullPathname;
        g_vfs.xDlOpen = DlOpen;
        g_vfs.xDlError = DlError;
        g_vfs.xDlSym = DlSym;
        g_vfs.xDlClose = DlClose;
        g_vfs.xRandomness = Randomness;
        g_vfs.xSleep = Sleep;
        g_vfs.xCurrentTime = CurrentTime;
        g_vfs.xGetLastError = GetLastError;
        g_vfs.xCurrentTimeInt64 = CurrentTimeInt64;
        sqlite3_vfs_register(&g_vfs, 0);
    });
    return kName;
}

void YieldWritesOnThisThread(bool yield) { t_yield = yield; }

long YieldingVfsYields() { return g_yields.load(std::memory_order_relaxed); }

long YieldingVfsWalFlushes() { return g_wal_flushes.load(std::memory_order_relaxed); }

long YieldingVfsHeldBytes() { return g_held_bytes.load(std::memory_order_relaxed); }

}  // namespace mitra::storage::sqlite
