// bench/timeline: GET /api/v1/patients/{pid}/timeline for one year of a patient with two years
// of data (4 doses and 2 assessments a day), timed in-process through ApiDispatcher::Handle
// (routing, authentication, authorization, storage reads, day aggregation in the patient's
// zone, JSON) — "server time", no sockets. The floor is a raw SQLite read of the same rows
// (doses + assessments of the year, every column the timeline uses) in the same process.
//
// Usage: mitra_bench_timeline [iterations=200] [db_path=/tmp/mitra_bench_timeline.db]
// Target (issue 4): p99 <= 20 ms and <= 2x the raw query.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include "api/accounts.hpp"
#include "api/alerting.hpp"
#include "api/audit_batcher.hpp"
#include "api/clinical_mapping.hpp"
#include "api/dispatcher.hpp"
#include "core/time.hpp"
#include "crypto/crypto.hpp"
#include "storage/open_storage.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using Json = nlohmann::json;

double Percentile(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    const auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
    return v[std::min(i, v.size() - 1)];
}

constexpr const char* kZone = "America/New_York";
constexpr std::int64_t kDayMs = 86400000LL;

}  // namespace

int main(int argc, char** argv) {
    using namespace mitra;
    const int iterations = argc > 1 ? std::atoi(argv[1]) : 200;
    const std::string path = argc > 2 ? argv[2] : "/tmp/mitra_bench_timeline.db";
    setenv("MITRA_PASSWORD_HASH_COST", "min", 1);
    crypto::InitCrypto();
    for (const char* suffix : {"", "-wal", "-shm"}) {
        std::filesystem::remove(path + suffix);
    }
    auto db = storage::OpenStorage("sqlite:" + path, {});
    core::SystemClock clock;
    crypto::SodiumRandom random;
    const std::int64_t now = clock.NowMs();
    const std::int32_t today = core::LocalDay(now, kZone);
    const std::int32_t first_day = today - 2 * 365 + 1;

    std::string pid, org_id;
    {
        auto uow = db->Begin(core::TxMode::kWrite);
        const auto org = api::CreateOrganization(*uow, clock, random, "Bench Clinic");
        org_id = org.id;
        api::NewUser user;
        user.organization_id = org.id;
        user.email = "bench@bench.example";
        user.password = "bench-password-1";
        user.timezone = kZone;
        pid = *api::CreateUser(*uow, clock, random, user, "").patient_id;
        core::Product product;
        product.id = core::NewId(clock, random);
        product.organization_id = org.id;
        product.name = "Bench leaf";
        product.form = "leaf_powder";
        product.serving_amount = 3;
        product.serving_unit = "g";
        product.created_at_ms = product.updated_at_ms = now;
        uow->Products().Insert(product);
        core::products::Assay assay;
        assay.mitragynine_mg_per_g = 17.5;
        assay.hydroxymitragynine_mg_per_g = 0.1;
        const core::Lot lot =
            api::MakeLot(core::NewId(clock, random), org.id, product.id, "B-1", assay, "", now);
        uow->Lots().Insert(lot);
        const auto& catalogs = api::Catalogs();
        const auto* sows = catalogs.FindInstrument("sows-handelsman-16");
        const auto* craving = catalogs.FindInstrument("craving-nrs");
        std::mt19937 rng(7);
        std::uniform_int_distribution<int> item(0, 4);
        int doses = 0, assessments = 0;
        for (std::int32_t day = first_day; day <= today; ++day) {
            const std::int64_t start = core::LocalDayStartMs(day, kZone);
            for (int k = 0; k < 4; ++k) {
                core::Dose d;
                d.id = core::NewId(clock, random);
                d.organization_id = org.id;
                d.patient_id = pid;
                d.taken_at_ms = start + (7 + 4 * k) * 3600000LL;
                d.product_id = product.id;
                d.lot_id = lot.id;
                d.amount = 2.5 + 0.1 * k;
                d.unit = "g";
                api::NormalizeInto(d, product, lot, catalogs);
                d.recorded_at_ms = d.updated_at_ms = d.taken_at_ms;
                uow->Doses().Insert(d);
                ++doses;
            }
            for (int k = 0; k < 2; ++k) {
                core::Assessment a;
                Json responses = Json::object();
                const auto* instrument = k == 0 ? sows : craving;
                for (const auto& it : instrument->items) {
                    responses[it.id] = k == 0 ? item(rng) : 2 * item(rng);
                }
                api::ScoreInto(a, *instrument, responses, {});
                a.id = core::NewId(clock, random);
                a.organization_id = org.id;
                a.patient_id = pid;
                a.taken_at_ms = start + (9 + 10 * k) * 3600000LL;
                a.administered_role = "patient";
                a.recorded_at_ms = a.taken_at_ms;
                uow->Assessments().Insert(a);
                ++assessments;
            }
        }
        uow->Commit();
        std::printf("seeded %d doses and %d assessments over 730 days\n", doses, assessments);
    }

    api::AuditBatcher read_audit(*db);
    api::DeferredEvaluation evaluations(api::EvaluatePatientsIn(*db, clock, random));
    api::ApiServices services{*db, clock, random, read_audit, evaluations, {}};
    api::ApiDispatcher dispatcher(services);
    const auto login =
        api::Login(services, "bench@bench.example", "bench-password-1", std::nullopt, "bench");
    const std::string from = core::FormatDate(today - 364);
    const std::string to = core::FormatDate(today);
    api::HttpRequest request;
    request.method = "GET";
    request.path = "/api/v1/patients/" + pid + "/timeline";
    request.query = {{"from", from}, {"to", to}};
    request.headers = {{"authorization", "Bearer " + login.token}};

    // Raw floor: the same rows of the same year, every column the timeline aggregates.
    sqlite3* raw = nullptr;
    sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
    const std::int64_t from_ms = core::LocalDayStartMs(today - 364, kZone);
    const std::int64_t to_ms = core::LocalDayStartMs(today + 1, kZone);
    const char* kDoseSql =
        "SELECT id, taken_at_ms, product_id, lot_id, amount, unit, amount_g, mitragynine_mg, "
        "hydroxymitragynine_mg, derivation_json FROM doses WHERE organization_id = ? AND "
        "patient_id = ? AND taken_at_ms >= ? AND taken_at_ms < ? AND deleted_at_ms IS NULL "
        "ORDER BY taken_at_ms, id";
    const char* kAssessmentSql =
        "SELECT id, instrument, taken_at_ms, total, band_label FROM assessments WHERE "
        "organization_id = ? AND patient_id = ? AND taken_at_ms >= ? AND taken_at_ms < ? AND "
        "deleted_at_ms IS NULL ORDER BY taken_at_ms, id";
    auto run_raw = [&]() {
        std::size_t rows = 0;
        std::size_t bytes = 0;
        for (const char* sql : {kDoseSql, kAssessmentSql}) {
            sqlite3_stmt* stmt = nullptr;
            if (sqlite3_prepare_v2(raw, sql, -1, &stmt, nullptr) != SQLITE_OK) {
                std::fprintf(stderr, "raw query: %s\n", sqlite3_errmsg(raw));
                std::exit(1);
            }
            sqlite3_bind_text(stmt, 1, org_id.c_str(), -1, SQLITE_STATIC);
            sqlite3_bind_text(stmt, 2, pid.c_str(), -1, SQLITE_STATIC);
            sqlite3_bind_int64(stmt, 3, from_ms);
            sqlite3_bind_int64(stmt, 4, to_ms);
            while (sqlite3_step(stmt) == SQLITE_ROW) {
                ++rows;
                for (int c = 0; c < sqlite3_column_count(stmt); ++c) {
                    bytes += static_cast<std::size_t>(sqlite3_column_bytes(stmt, c));
                }
            }
            sqlite3_finalize(stmt);
        }
        return rows + bytes * 0;
    };

    std::size_t body_bytes = 0;
    std::size_t raw_rows = 0;
    for (int i = 0; i < 10; ++i) {  // warm-up: page cache, catalogs, tz database
        body_bytes = dispatcher.Handle(request).body.size();
        raw_rows = run_raw();
    }
    const auto check = dispatcher.Handle(request);
    const Json body = Json::parse(check.body);
    if (check.status != 200 || body["days"].size() != 365) {
        std::fprintf(stderr, "timeline failed: %d %s\n", check.status,
                     check.body.substr(0, 300).c_str());
        return 1;
    }
    std::vector<double> api_ms, raw_ms;
    for (int i = 0; i < iterations; ++i) {
        auto t0 = Clock::now();
        const auto response = dispatcher.Handle(request);
        auto t1 = Clock::now();
        run_raw();
        auto t2 = Clock::now();
        if (response.status != 200) {
            std::fprintf(stderr, "status %d\n", response.status);
            return 1;
        }
        api_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
        raw_ms.push_back(std::chrono::duration<double, std::milli>(t2 - t1).count());
    }
    sqlite3_close(raw);
    read_audit.Flush();
    const double api50 = Percentile(api_ms, 0.5), api99 = Percentile(api_ms, 0.99);
    const double raw50 = Percentile(raw_ms, 0.5), raw99 = Percentile(raw_ms, 0.99);
    std::printf(
        "timeline 1 year (%s..%s, %s): %zu rows read raw, response %zu bytes, "
        "%d iterations\n",
        from.c_str(), to.c_str(), kZone, raw_rows, body_bytes, iterations);
    std::printf("  api  p50 %.2f ms  p99 %.2f ms\n", api50, api99);
    std::printf("  raw  p50 %.2f ms  p99 %.2f ms\n", raw50, raw99);
    std::printf("  ratio p50 %.2fx  p99 %.2fx   (target <= 2x, api p99 <= 20 ms: %s)\n",
                api50 / raw50, api99 / raw99,
                api99 <= 20.0 && api50 / raw50 <= 2.0 ? "met" : "NOT met");
    return 0;
}
