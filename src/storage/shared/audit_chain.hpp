#pragma once
// The audit hash chain as both backends extend it (core::AuditRepository::AppendAll). Entries go
// in runs of one organization: for each run the backend reads the organization's head once (on
// PostgreSQL it also locks it until the transaction ends), the run is chained onto that head
// here, and the backend stores the run and moves the head, in as few statements as it can.

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/accounts.hpp"
#include "crypto/crypto.hpp"

namespace mitra::storage {

struct AuditHead {
    std::int64_t seq = 0;  // 0 and "" for an organization without entries
    std::string hash;
};

/// `read_head(org)` returns the organization's AuditHead; `store_run(org, first, last, head)`
/// stores entries[first, last), already given their seq, prev_hash and hash, and moves the head
/// to `head` (the run's last seq and hash).
template <typename ReadHead, typename StoreRun>
void AppendInOrganizationRuns(std::vector<core::AuditEntry>& entries, ReadHead&& read_head,
                              StoreRun&& store_run) {
    std::size_t i = 0;
    while (i < entries.size()) {
        const std::size_t first = i;
        const std::string org = entries[i].organization_id;
        AuditHead head = read_head(org);
        for (; i < entries.size() && entries[i].organization_id == org; ++i) {
            core::AuditEntry& e = entries[i];
            e.seq = ++head.seq;
            e.prev_hash = std::move(head.hash);
            e.hash = crypto::Sha256Hex(core::CanonicalAuditRecord(e));
            head.hash = e.hash;
        }
        store_run(org, first, i, head);
    }
}

}  // namespace mitra::storage
