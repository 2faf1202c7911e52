// `mitra demo`: a believable demo clinic on a fresh SQLite file, or in an empty PostgreSQL
// database (a URL for --database).

#include <filesystem>
#include <iomanip>
#include <sstream>

#include <nlohmann/json.hpp>

#include "api/accounts.hpp"
#include "api/alerting.hpp"
#include "app/app.hpp"
#include "app/demo_clinical.hpp"
#include "core/error.hpp"
#include "crypto/crypto.hpp"
#include "storage/open_storage.hpp"

namespace mitra::app {
namespace {

constexpr const char* kDemoPassword = "demo-password-2026";

void RemoveDatabaseFiles(const std::filesystem::path& path) {
    for (const char* suffix : {"", "-wal", "-shm"}) {
        std::filesystem::remove(path.string() + suffix);
    }
}

std::string PatientEmail(int index) {
    std::ostringstream email;
    email << "patient" << std::setw(2) << std::setfill('0') << index << "@demo.mitra.example";
    return email.str();
}

}  // namespace

int Demo(const DemoOptions& options, std::ostream& out) {
    if (options.patients < 1 || options.patients > 1000) {
        throw ValidationError("patients", "patients must be from 1 to 1000");
    }
    if (options.days < 1 || options.days > 3650) {
        throw ValidationError("days", "days must be from 1 to 3650");
    }
    crypto::InitCrypto();
    const storage::DatabaseUrl where = storage::ParseDatabaseUrl(options.database);
    const bool postgres = where.kind == storage::DatabaseUrl::Kind::kPostgres;
    // SQLite: the demo file is made anew. PostgreSQL: nothing is ever dropped; the database
    // (or its schema on the search_path) must hold no clinic yet.
    const std::string shown = postgres ? "the PostgreSQL database" : where.target;
    if (!postgres) {
        const std::filesystem::path path(where.target);
        if (!path.parent_path().empty()) {
            std::filesystem::create_directories(path.parent_path());
        }
        RemoveDatabaseFiles(path);
    }
    core::SystemClock clock;
    crypto::SodiumRandom random;
    ClinicalDemoSummary clinical;
    int alerts = 0;
    {
        auto db = storage::OpenStorage(options.database, {});
        auto uow = db->Begin(core::TxMode::kWrite);
        if (!uow->Organizations().List().empty()) {
            throw ValidationError("database",
                                  "the demo needs an empty database; this one already holds an "
                                  "organization (the demo never deletes data)");
        }
        const core::Organization org = api::CreateOrganization(*uow, clock, random, "Demo Clinic");
        auto make = [&](core::Role role, const std::string& email, const std::string& name,
                        const std::string& tz) {
            api::NewUser user;
            user.organization_id = org.id;
            user.role = role;
            user.email = email;
            user.password = kDemoPassword;
            user.display_name = name;
            user.timezone = tz;
            return api::CreateUser(*uow, clock, random, user, "");
        };
        make(core::Role::kAdmin, "admin@demo.mitra.example", "", "UTC");
        const core::User doc1 = make(core::Role::kClinician, "dr.okafor@demo.mitra.example", "", "UTC");
        const core::User doc2 = make(core::Role::kClinician, "dr.lindqvist@demo.mitra.example", "", "UTC");
        make(core::Role::kResearcher, "researcher@demo.mitra.example", "", "UTC");
        std::vector<DemoPatient> cohort;
        static const char* kZones[] = {"America/Chicago", "America/New_York", "America/Denver",
                                       "Europe/London", "America/Los_Angeles"};
        for (int i = 1; i <= options.patients; ++i) {
            const core::User patient =
                make(core::Role::kPatient, PatientEmail(i), "Demo patient " + std::to_string(i),
                     kZones[(i - 1) % 5]);
            const core::User& clinician = (i % 2 == 1) ? doc1 : doc2;
            const core::Consent consent{core::NewId(clock, random), org.id, *patient.patient_id,
                                        clinician.id, core::ConsentPurpose::kCare, clock.NowMs(),
                                        std::nullopt};
            uow->Consents().Insert(consent);
            cohort.push_back({*patient.patient_id, patient.id, kZones[(i - 1) % 5], clinician.id});
            core::AuditEntry entry;
            entry.organization_id = org.id;
            entry.at_ms = consent.granted_at_ms;
            entry.actor_user_id = patient.id;
            entry.action = "consent.grant";
            entry.subject_type = "consent";
            entry.subject_id = consent.id;
            entry.patient_id = consent.patient_id;
            uow->Audit().Append(entry);
        }
        clinical = AddClinicalDemo(*uow, org.id, doc1.id, cohort, options.days, clock.NowMs());
        uow->Commit();
        // The safety rules over the seeded history, as the scheduler would have raised them
        // while that history was being recorded: the panel opens with its alerts.
        alerts = api::EvaluateAllPatients(*db, clock, random);
    }
    out << "mitra demo clinic created in " << shown << "\n"
        << "  password for every demo account: " << kDemoPassword << "\n"
        << "  admin       admin@demo.mitra.example\n"
        << "  clinician   dr.okafor@demo.mitra.example    (odd-numbered patients)\n"
        << "  clinician   dr.lindqvist@demo.mitra.example (even-numbered patients)\n"
        << "  researcher  researcher@demo.mitra.example\n"
        << "  patients    patient01@demo.mitra.example ... " << PatientEmail(options.patients)
        << "\n"
        << "  record      " << clinical.products << " products, " << clinical.lots << " lots, "
        << clinical.doses << " doses, " << clinical.assessments << " assessments over "
        << options.days << " days, " << alerts << " open safety alerts\n";
    out.flush();
    if (!options.serve) {
        return 0;
    }
    ServeOptions serve;
    serve.database = options.database;
    serve.host = options.host;
    serve.port = options.port;
    return Serve(serve, out);
}

}  // namespace mitra::app
