#pragma once
// Records audit entries for reads of patient data in batches.
//
// A write's audit entry is appended inside the write's own transaction (atomic with it). A read
// changes nothing, so its entry is queued here and a background thread appends queued entries
// in one transaction every few milliseconds; this keeps reads from paying one fsync each.
// Flush() (called at shutdown) drains the queue. If the database is unavailable the batch is
// kept and retried; while `max_backlog` entries wait unstored, Enqueue refuses more (503), so
// the reads they would record are refused too rather than served with their audit in memory
// only. Entries still unstored when the batcher is destroyed are counted in an error log line.

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "core/accounts.hpp"
#include "core/ports.hpp"

namespace mitra::api {

class AuditBatcher {
public:
    /// 50,000 entries: about 20 MB, several seconds of reads at full speed.
    static constexpr std::uint64_t kDefaultMaxBacklog = 50'000;

    explicit AuditBatcher(core::Storage& storage, int max_delay_ms = 5,
                          std::uint64_t max_backlog = kDefaultMaxBacklog);
    AuditBatcher(const AuditBatcher&) = delete;
    AuditBatcher& operator=(const AuditBatcher&) = delete;
    ~AuditBatcher();

    /// @throws UnavailableError while max_backlog entries wait to be stored.
    void Enqueue(core::AuditEntry entry);
    /// Blocks until every entry enqueued before the call is stored (or the DB fails).
    void Flush();
    std::uint64_t StoredCount() const;

private:
    void Run();
    bool WriteBatch(std::vector<core::AuditEntry>& batch);

    core::Storage& storage_;
    const int max_delay_ms_;
    const std::uint64_t max_backlog_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::condition_variable drained_;
    std::vector<core::AuditEntry> queue_;
    std::uint64_t enqueued_ = 0;
    std::uint64_t stored_ = 0;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace mitra::api
