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

/// The head that `sql` returns for `org` as (seq, hash): a plain read on SQLite, an upsert that
/// also locks it on PostgreSQL. An organization without a head row has {0, ""}.
template <typename Connection>
AuditHead ReadAuditHead(Connection& connection, const char* sql, const std::string& org) {
    AuditHead head;
    auto st = connection.Prepare(sql);
    st.Bind(1, org);
    if (st.Step()) {
        head = {st.Int(0), st.Text(1)};
    }
    return head;
}

/// Binds `e` as parameters 1-11, in the backends' audit column order (organization_id, seq,
/// at_ms, actor_user_id, action, subject_type, subject_id, patient_id, outcome, prev_hash, hash).
template <typename Statement>
Statement& BindAuditEntry(Statement& st, const core::AuditEntry& e) {
    return st.Bind(1, e.organization_id).Bind(2, e.seq).Bind(3, e.at_ms).Bind(4, e.actor_user_id)
        .Bind(5, e.action).Bind(6, e.subject_type).Bind(7, e.subject_id).Bind(8, e.patient_id)
        .Bind(9, e.outcome).Bind(10, e.prev_hash).Bind(11, e.hash);
}

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
