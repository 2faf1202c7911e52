#include "app/app.hpp"

#include <charconv>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <map>

#include <nlohmann/json.hpp>

#include "api/accounts.hpp"
#include "api/alerting.hpp"
#include "api/audit_batcher.hpp"
#include "api/context.hpp"
#include "api/dispatcher.hpp"
#include "app/alert_scheduler.hpp"
#include "core/error.hpp"
#include "crypto/crypto.hpp"
#include "http/server.hpp"
#include "storage/open_storage.hpp"

namespace mitra::app {
namespace {

using Json = nlohmann::json;

/// Keeps freed heap memory in the process instead of returning it to the kernel after every
/// request: a request that reads a patient's history (a safety-rule evaluation reads up to 60
/// days) allocates a few hundred kilobytes, and with glibc's defaults each worker's arena shrank
/// and regrew on every such request (mmap, page faults, zeroed pages), which halved write
/// throughput. The bound is a few tens of megabytes per arena, reused.
void TuneAllocator() {
#ifdef __GLIBC__
    mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
    mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
    mallopt(M_TOP_PAD, 16 * 1024 * 1024);
#endif
}

std::filesystem::path DefaultWebRoot() {
    const auto dist = std::filesystem::path(MITRA_SOURCE_DIR) / "web" / "dist";
    return std::filesystem::exists(dist / "index.html") ? dist : std::filesystem::path();
}

std::string ResolveOrganization(core::UnitOfWork& uow, const std::string& org) {
    if (auto by_id = uow.Organizations().FindById(org)) {
        return by_id->id;
    }
    if (auto by_name = uow.Organizations().FindByName(org)) {
        return by_name->id;
    }
    throw ValidationError("org", "no organization with id or name '" + org + "'");
}

}  // namespace

void ParseListen(const std::string& listen, std::string& host, std::uint16_t& port) {
    const auto colon = listen.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 >= listen.size()) {
        throw ValidationError("listen", "listen must be HOST:PORT, e.g. 127.0.0.1:8080");
    }
    unsigned value = 0;
    const std::string port_text = listen.substr(colon + 1);
    const auto result = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (result.ec != std::errc{} || result.ptr != port_text.data() + port_text.size() ||
        value > 65535) {
        throw ValidationError("listen", "the port must be a number from 0 to 65535");
    }
    host = listen.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    port = static_cast<std::uint16_t>(value);
}

int Serve(const ServeOptions& options, std::ostream& out) {
    TuneAllocator();
    crypto::InitCrypto();
    storage::OpenOptions open;
    open.pool_size = static_cast<int>(options.workers) + 2;
    auto db = storage::OpenStorage(options.database, open);
    core::SystemClock clock;
    crypto::SodiumRandom random;
    api::AuditBatcher read_audit(*db);
    api::DeferredEvaluation evaluations(api::EvaluatePatientsIn(*db, clock, random));
    api::ApiServices services{*db, clock, random, read_audit, evaluations, {}};
    api::ApiDispatcher dispatcher(services);

    http::ServerOptions server_options;
    server_options.host = options.host;
    server_options.port = options.port;
    server_options.worker_threads = options.workers;
    server_options.static_root = options.web_root.empty() ? DefaultWebRoot() : options.web_root;
    server_options.log_level = options.log_level;
    http::Server server(server_options, dispatcher);
    const std::uint16_t port = server.Listen();
    AlertScheduler scheduler(*db, clock, random, std::chrono::seconds(options.alert_interval_s));
    const bool v6 = options.host.find(':') != std::string::npos;
    out << "listening on http://" << (v6 ? "[" + options.host + "]" : options.host) << ":"
        << port << std::endl;
    server.Run();
    scheduler.Stop();
    evaluations.Stop();  // what the last writes queued is evaluated before the database closes
    read_audit.Flush();
    return 0;
}

int EvaluateAlerts(const std::string& database, std::ostream& out) {
    crypto::InitCrypto();
    auto db = storage::OpenStorage(database, {});
    core::SystemClock clock;
    crypto::SodiumRandom random;
    int failures = 0;
    const int raised = api::EvaluateAllPatients(*db, clock, random, &failures);
    out << nlohmann::json{{"raised", raised}, {"failed", failures}}.dump() << "\n";
    return failures == 0 ? 0 : 1;
}

int Init(const std::string& database, std::ostream& out) {
    auto db = storage::OpenStorage(database, {});
    out << Json{{"schema_version", db->SchemaVersion()}, {"backend", db->BackendName()}}.dump()
        << std::endl;
    return 0;
}

int AddOrganization(const std::string& database, const std::string& name, std::ostream& out) {
    crypto::InitCrypto();
    auto db = storage::OpenStorage(database, {});
    core::SystemClock clock;
    crypto::SodiumRandom random;
    auto uow = db->Begin(core::TxMode::kWrite);
    const core::Organization org = api::CreateOrganization(*uow, clock, random, name);
    uow->Commit();
    out << Json{{"id", org.id}, {"name", org.name}}.dump() << std::endl;
    return 0;
}

int AddUser(const std::string& database, const std::string& org, const std::string& role,
            const std::string& email, const std::string& password,
            const std::string& display_name, const std::string& timezone, std::ostream& out) {
    crypto::InitCrypto();
    const auto parsed_role = core::ParseRole(role);
    if (!parsed_role) {
        throw ValidationError("role", "role must be patient, clinician, researcher or admin");
    }
    auto db = storage::OpenStorage(database, {});
    core::SystemClock clock;
    crypto::SodiumRandom random;
    auto uow = db->Begin(core::TxMode::kWrite);
    api::NewUser request;
    request.organization_id = ResolveOrganization(*uow, org);
    request.role = *parsed_role;
    request.email = email;
    request.password = password;
    request.display_name = display_name;
    request.timezone = timezone.empty() ? "UTC" : timezone;
    const core::User user = api::CreateUser(*uow, clock, random, request, "");
    uow->Commit();
    Json line = {{"id", user.id}, {"organization_id", user.organization_id},
                 {"role", core::RoleName(user.role)}};
    if (user.patient_id) {
        line["patient_id"] = *user.patient_id;
    }
    out << line.dump() << std::endl;
    return 0;
}

int VerifyAudit(const std::string& database, std::ostream& out, std::ostream& err) {
    auto db = storage::OpenStorage(database, {});
    auto uow = db->Begin(core::TxMode::kRead);
    const auto entries = uow->Audit().ListAll();
    std::map<std::string, std::pair<std::int64_t, std::string>> last;
    for (const auto& e : entries) {
        auto& [seq, hash] = last[e.organization_id];
        const std::string where =
            "organization " + e.organization_id + " entry " + std::to_string(e.seq);
        if (e.seq != seq + 1) {
            err << "audit chain broken at " << where << ": expected entry " << seq + 1
                << " (an entry was deleted or reordered)" << std::endl;
            return 1;
        }
        if (e.prev_hash != hash) {
            err << "audit chain broken at " << where
                << ": previous-hash link does not match entry " << seq << std::endl;
            return 1;
        }
        if (crypto::Sha256Hex(core::CanonicalAuditRecord(e)) != e.hash) {
            err << "audit chain broken at " << where << ": the entry was changed" << std::endl;
            return 1;
        }
        seq = e.seq;
        hash = e.hash;
    }
    for (const auto& [org_id, head] : uow->Audit().ListHeads()) {
        auto it = last.find(org_id);
        const std::int64_t seen_seq = it == last.end() ? 0 : it->second.first;
        if (head.first != seen_seq || (it != last.end() && head.second != it->second.second)) {
            err << "audit chain broken at organization " << org_id << " entry "
                << std::min(seen_seq + 1, head.first)
                << ": the chain ends at entry " << seen_seq << " but its recorded head is entry "
                << head.first << " (entries at the end were deleted)" << std::endl;
            return 1;
        }
    }
    out << Json{{"intact", true}, {"entries", entries.size()}, {"organizations", last.size()}}.dump()
        << std::endl;
    return 0;
}

int Backup(const std::string& database, const std::string& out_path, std::ostream& out) {
    storage::BackupDatabase(database, out_path);
    out << Json{{"backup", out_path}}.dump() << std::endl;
    return 0;
}

int Restore(const std::string& database, const std::string& in_path, std::ostream& out) {
    storage::RestoreDatabase(database, in_path);
    out << Json{{"restored", in_path}}.dump() << std::endl;
    return 0;
}

}  // namespace mitra::app
