#include "api/accounts.hpp"

#include <algorithm>
#include <cctype>

#include "core/error.hpp"
#include "core/time.hpp"
#include "crypto/crypto.hpp"

namespace mitra::api {
namespace {

constexpr std::size_t kMinPasswordLength = 8;
constexpr std::size_t kMaxPasswordLength = 1024;

bool ValidEmail(const std::string& email) {
    if (email.size() < 3 || email.size() > 254) {
        return false;
    }
    const auto at = email.find('@');
    if (at == std::string::npos || at == 0 || at != email.rfind('@') || at + 1 >= email.size()) {
        return false;
    }
    const std::string domain = email.substr(at + 1);
    if (domain.find('.') == std::string::npos || domain.front() == '.' || domain.back() == '.') {
        return false;
    }
    return std::none_of(email.begin(), email.end(), [](unsigned char c) {
        return std::isspace(c) != 0 || std::iscntrl(c) != 0;
    });
}

std::string ThrottleKey(const std::string& kind, const std::string& value) {
    // Keys are hashed so the throttle table holds no email addresses.
    return kind + ":" + crypto::Sha256Hex(value).substr(0, 32);
}

void AppendAudit(core::UnitOfWork& uow, std::int64_t now_ms, const std::string& org_id,
                 const std::string& actor, const std::string& action,
                 const std::string& subject_type, const std::string& subject_id,
                 const std::string& patient_id, const std::string& outcome = "ok") {
    core::AuditEntry entry;
    entry.organization_id = org_id;
    entry.at_ms = now_ms;
    entry.actor_user_id = actor;
    entry.action = action;
    entry.subject_type = subject_type;
    entry.subject_id = subject_id;
    entry.patient_id = patient_id;
    entry.outcome = outcome;
    uow.Audit().Append(std::move(entry));
}

bool SecondFactorRequired(const core::Organization& org, const core::User& user) {
    return user.totp_enabled ||
           (org.require_totp &&
            (user.role == core::Role::kClinician || user.role == core::Role::kAdmin));
}

}  // namespace

std::string NormalizeEmail(const std::string& email) {
    std::string out = email;
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (!ValidEmail(out)) {
        throw ValidationError("email", "email must be an address like name@example.org");
    }
    return out;
}

core::Organization CreateOrganization(core::UnitOfWork& uow, core::Clock& clock,
                                      core::Random& random, const std::string& name) {
    if (name.empty() || name.size() > 200) {
        throw ValidationError("name", "name must be 1 to 200 characters");
    }
    core::Organization org{core::NewId(clock, random), name, false, clock.NowMs()};
    uow.Organizations().Insert(org);
    AppendAudit(uow, org.created_at_ms, org.id, "", "organization.create", "organization", org.id,
                "");
    return org;
}

core::User CreateUser(core::UnitOfWork& uow, core::Clock& clock, core::Random& random,
                      const NewUser& request, const std::string& actor_user_id) {
    if (!uow.Organizations().FindById(request.organization_id)) {
        throw ValidationError("org", "no organization with id " + request.organization_id);
    }
    const std::string email = NormalizeEmail(request.email);
    if (request.password.size() < kMinPasswordLength ||
        request.password.size() > kMaxPasswordLength) {
        throw ValidationError("password", "password must be 8 to 1024 characters");
    }
    if (!core::IsValidTimeZone(request.timezone)) {
        throw ValidationError("timezone", "timezone must be an IANA zone such as Europe/Paris");
    }
    if (request.display_name.size() > 200) {
        throw ValidationError("display_name", "display_name is longer than 200 characters");
    }
    const std::int64_t now = clock.NowMs();
    core::User user;
    user.id = core::NewId(clock, random);
    user.organization_id = request.organization_id;
    user.email = email;
    user.role = request.role;
    user.password_hash = crypto::HashPassword(request.password, crypto::HashCostFromEnvironment());
    user.created_at_ms = now;
    if (request.role == core::Role::kPatient) {
        user.patient_id = core::NewId(clock, random);
    }
    uow.Users().Insert(user);
    if (user.patient_id) {
        core::Patient patient;
        patient.id = *user.patient_id;
        patient.organization_id = user.organization_id;
        patient.user_id = user.id;
        patient.display_name = request.display_name;
        patient.timezone = request.timezone;
        patient.jurisdiction = request.jurisdiction;
        patient.created_at_ms = now;
        patient.updated_at_ms = now;
        uow.Patients().Insert(patient);
    }
    AppendAudit(uow, now, user.organization_id, actor_user_id, "user.create", "user", user.id,
                user.patient_id.value_or(""));
    return user;
}

LoginResult Login(ApiServices& services, const std::string& email_in,
                  const std::string& password, const std::optional<std::string>& totp,
                  const std::string& remote_address) {
    std::string email = email_in;
    std::transform(email.begin(), email.end(), email.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const std::int64_t now = services.clock.NowMs();
    const ApiConfig& config = services.config;
    const std::string account_key = ThrottleKey("email", email);
    const std::string address_key = ThrottleKey("addr", remote_address);

    auto uow = services.storage.Begin(core::TxMode::kWrite);
    // Locked out? Checked before the password so a locked account answers the same whether
    // the password is right or the account exists at all.
    for (const std::string& key : {account_key, address_key}) {
        if (auto throttle = uow->Throttles().Find(key); throttle && throttle->locked_until_ms > now) {
            const int retry_s = static_cast<int>((throttle->locked_until_ms - now + 999) / 1000);
            throw Error(ErrorCode::kRateLimited,
                        "too many failed sign-ins; try again later")
                .WithRetryAfter(retry_s);
        }
    }

    std::optional<core::User> user = uow->Users().FindByEmail(email);
    std::optional<core::Organization> org;
    bool password_ok = false;
    if (user) {
        password_ok = crypto::VerifyPassword(user->password_hash, password);
        org = uow->Organizations().FindById(user->organization_id);
    } else {
        // Spend comparable time so response timing does not reveal unknown emails.
        static const std::string kDummy =
            crypto::HashPassword("mitra-timing-equaliser", crypto::HashCostFromEnvironment());
        crypto::VerifyPassword(kDummy, password);
    }
    bool ok = user && org && password_ok && !user->disabled;
    bool totp_missing = false;
    if (ok && user->totp_enabled) {
        if (!totp || totp->empty()) {
            ok = false;
            totp_missing = true;
        } else if (!crypto::VerifyTotp(user->totp_secret, *totp, now / 1000)) {
            ok = false;
        }
    }

    if (!ok) {
        for (const auto& [key, limit] :
             {std::pair{account_key, config.max_failures_per_account},
              std::pair{address_key, config.max_failures_per_address}}) {
            core::LoginThrottle throttle =
                uow->Throttles().Find(key).value_or(core::LoginThrottle{key, 0, now, 0});
            if (now - throttle.window_start_ms > config.failure_window_ms) {
                throttle.failures = 0;
                throttle.window_start_ms = now;
            }
            throttle.failures += 1;
            if (throttle.failures >= limit) {
                throttle.locked_until_ms = now + config.lockout_ms;
                throttle.failures = 0;
                throttle.window_start_ms = now;
            }
            uow->Throttles().Upsert(throttle);
        }
        if (user && org) {
            AppendAudit(*uow, now, org->id, user->id, "auth.login_failed", "user", user->id, "",
                        totp_missing ? "totp_required" : "denied");
        }
        uow->Commit();
        if (totp_missing) {
            throw Error(ErrorCode::kUnauthenticated, "a one-time code is required", "totp",
                        "totp_required");
        }
        throw Error(ErrorCode::kUnauthenticated, "invalid email or password", {},
                    "invalid_credentials");
    }

    uow->Throttles().Clear(account_key);
    const std::string token = crypto::NewToken();
    core::Session session{crypto::Sha256Hex(token), org->id, user->id, now,
                          now + config.session_ttl_ms, std::nullopt};
    uow->Sessions().Insert(session);
    AppendAudit(*uow, now, org->id, user->id, "auth.login", "user", user->id, "");
    uow->Commit();

    Principal principal{*user, *org, session.token_hash,
                        SecondFactorRequired(*org, *user) && !user->totp_enabled};
    return {token, std::move(principal)};
}

std::optional<Principal> Authenticate(ApiServices& services, const std::string& token) {
    if (token.size() != 43) {
        return std::nullopt;
    }
    const std::string token_hash = crypto::Sha256Hex(token);
    auto uow = services.storage.Begin(core::TxMode::kRead);
    auto signed_in = uow->Sessions().FindSignedIn(token_hash);  // session, user, org: one read
    const std::int64_t now = services.clock.NowMs();
    if (!signed_in || signed_in->session.revoked_at_ms ||
        signed_in->session.expires_at_ms <= now || signed_in->user.disabled) {
        return std::nullopt;
    }
    core::User& user = signed_in->user;
    core::Organization& org = signed_in->organization;
    const bool restricted = SecondFactorRequired(org, user) && !user.totp_enabled;
    return Principal{std::move(user), std::move(org), token_hash, restricted};
}

void Logout(ApiServices& services, const Principal& principal) {
    const std::int64_t now = services.clock.NowMs();
    auto uow = services.storage.Begin(core::TxMode::kWrite);
    uow->Sessions().Revoke(principal.token_hash, now);
    AppendAudit(*uow, now, principal.organization.id, principal.user.id, "auth.logout", "user",
                principal.user.id, "");
    uow->Commit();
}

void AuditWrite(core::UnitOfWork& uow, const RequestContext& ctx, const std::string& action,
                const std::string& subject_type, const std::string& subject_id,
                const std::string& patient_id) {
    const Principal& me = ctx.Me();
    AppendAudit(uow, ctx.Now(), me.organization.id, me.user.id, action, subject_type, subject_id,
                patient_id);
}

void AuditRead(const RequestContext& ctx, const std::string& action,
               const std::string& subject_type, const std::string& subject_id,
               const std::string& patient_id) {
    const Principal& me = ctx.Me();
    core::AuditEntry entry;
    entry.organization_id = me.organization.id;
    entry.at_ms = ctx.Now();
    entry.actor_user_id = me.user.id;
    entry.action = action;
    entry.subject_type = subject_type;
    entry.subject_id = subject_id;
    entry.patient_id = patient_id;
    ctx.services.read_audit.Enqueue(std::move(entry));
}

}  // namespace mitra::api
