#pragma once
// Records audit entries for reads of patient data in batches.
//
// A write's audit entry is appended inside the write's own transaction (atomic with it). A read
// changes nothing, so its entry is queued here and a background thread appends queued entries
// in one transaction every few milliseconds; this keeps reads from paying one fsync each.
// Flush() (called at shutdown) drains the queue. If the database is unavailable the batch is
// kept and retried.

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
    explicit AuditBatcher(core::Storage& storage, int max_delay_ms = 5);
    AuditBatcher(const AuditBatcher&) = delete;
    AuditBatcher& operator=(const AuditBatcher&) = delete;
    ~AuditBatcher();

    void Enqueue(core::AuditEntry entry);
    /// Blocks until every entry enqueued before the call is stored (or the DB fails).
    void Flush();
    std::uint64_t StoredCount() const;

private:
    void Run();
    bool WriteBatch(std::vector<core::AuditEntry>& batch);

    core::Storage& storage_;
    const int max_delay_ms_;
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
