// Fuzz target: mitra's request path, from the raw bytes a client sends to the answer.
//
// Each input is one HTTP/1.1 request as it arrives on the socket. It goes through what
// `mitra serve` does with it: Boost.Beast's parser with the server's header and body limits, the
// request-target checks (http/request.hpp), the header map, then the real ApiDispatcher over a
// real SQLite database seeded with a clinic (an admin, a clinician, a patient who consents to the
// clinician). Invariants checked on every input:
//   - nothing crashes or throws out of the dispatcher (the sanitizers catch memory errors);
//   - no input gets a 5xx: bad input is the caller's mistake, always a 4xx;
//   - every JSON answer parses, and every error answer has the DESIGN shape
//     {"error": {"code", "message"[, "field"]}}.
// Placeholders in the input are replaced by the seeded ids and sign-in tokens, so a corpus can
// reach past authentication: each has exactly the length of its value (36 for an id, 43 for a
// token), so a Content-Length stays right. See tests/fuzz/README.md.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>
#include <unistd.h>

#include "api/alerting.hpp"
#include "api/audit_batcher.hpp"
#include "api/context.hpp"
#include "api/deferred_evaluation.hpp"
#include "api/dispatcher.hpp"
#include "app/app.hpp"
#include "core/time.hpp"
#include "crypto/crypto.hpp"
#include "http/asio.hpp"
#include "http/request.hpp"
#include "http/server.hpp"
#include "storage/open_storage.hpp"

namespace {

namespace bhttp = boost::beast::http;
using nlohmann::json;
using namespace mitra;

constexpr const char* kPassword = "fuzz-password-1234";

std::string Placeholder(const std::string& name, std::size_t length) {
    std::string p = "<" + name + ">";
    p.resize(length, '_');
    return p;
}

class World {
public:
    World() {
        ::setenv("MITRA_PASSWORD_HASH_COST", "min", 0);
        crypto::InitCrypto();
        // tmpfs where there is a roomy one (fsync there is free, and the fuzzer runs many
        // writes; containers often give /dev/shm only 64 MB), else the temp directory.
        std::error_code ec;
        const auto shm = std::filesystem::space("/dev/shm", ec);
        const bool roomy_shm = !ec && shm.available >= (1ULL << 30);
        const std::filesystem::path base =
            roomy_shm ? std::filesystem::path("/dev/shm") : std::filesystem::temp_directory_path();
        dir_ = base / ("mitra-fuzz-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir_);
        // The world lives until the process exits (its threads still run then): remove its
        // files at exit. After a failed invariant (abort) they stay, for a look.
        static std::filesystem::path* const to_remove = new std::filesystem::path(dir_);
        std::atexit([] {
            std::error_code ignored;
            std::filesystem::remove_all(*to_remove, ignored);
        });
        url_ = "sqlite:" + (dir_ / "fuzz.db").string();
        std::ostringstream sink;
        app::Init(url_, sink);
        const json created = Run(
            [&](std::ostream& o) { return app::AddOrganization(url_, "Fuzz Clinic", o); });
        const std::string org = created.at("id");
        vars_["org"] = org;
        auto add = [&](const char* role, const char* email) {
            return Run([&](std::ostream& o) {
                return app::AddUser(url_, org, role, email, kPassword, "", "UTC", o);
            });
        };
        vars_["admin"] = add("admin", "admin@fuzz.test").at("id");
        vars_["clinician"] = add("clinician", "clinician@fuzz.test").at("id");
        const json patient = add("patient", "patient@fuzz.test");
        vars_["patient_user"] = patient.at("id");
        vars_["pid"] = patient.at("patient_id");

        db_ = storage::OpenStorage(url_, {});
        audit_ = std::make_unique<api::AuditBatcher>(*db_);
        evaluations_ = std::make_unique<api::DeferredEvaluation>(
            api::EvaluatePatientsIn(*db_, clock_, random_));
        services_ = std::make_unique<api::ApiServices>(
            api::ApiServices{*db_, clock_, random_, *audit_, *evaluations_, {}});
        dispatcher_ = std::make_unique<api::ApiDispatcher>(*services_);
        SignIn();
        api::HttpRequest consent = Request("POST", "/api/v1/patients/" + vars_["pid"] + "/consents",
                                           vars_["token_patient"]);
        consent.body = json{{"grantee_user_id", vars_["clinician"]}, {"purpose", "care"}}.dump();
        if (dispatcher_->Handle(consent).status != 201) {
            Die("seeding: the patient could not grant consent");
        }
    }

    /// The input with every placeholder replaced by its value.
    std::string Substitute(std::string raw) const {
        for (const auto& [name, value] : vars_) {
            const std::string p = Placeholder(name, value.size());
            for (std::size_t at = raw.find(p); at != std::string::npos;
                 at = raw.find(p, at + value.size())) {
                raw.replace(at, p.size(), value);
            }
        }
        return raw;
    }

    api::HttpResponse Handle(const api::HttpRequest& request) {
        api::HttpResponse response = dispatcher_->Handle(request);
        // A fuzzed sign-out or password change would leave the rest of the run at 401.
        if (request.path.find("/auth/") != std::string::npos) {
            SignIn();
        }
        return response;
    }

    [[noreturn]] static void Die(const std::string& why) {
        std::fprintf(stderr, "request_fuzz: %s\n", why.c_str());
        std::abort();
    }

private:
    template <typename Fn>
    static json Run(Fn fn) {
        std::ostringstream out;
        if (fn(out) != 0) {
            Die("seeding failed: " + out.str());
        }
        return json::parse(out.str());
    }

    /// A JSON request of the harness itself (`token` empty: not signed in).
    static api::HttpRequest Request(const std::string& method, const std::string& path,
                                    const std::string& token) {
        api::HttpRequest r;
        r.method = method;
        r.path = path;
        r.headers["content-type"] = "application/json";
        if (!token.empty()) {
            r.headers["authorization"] = "Bearer " + token;
        }
        r.request_id = "fuzz";
        r.remote_address = "127.0.0.2";  // not the fuzzed requests' address: never throttled
        return r;
    }

    void SignIn() {
        for (const char* who : {"admin", "clinician", "patient"}) {
            api::HttpRequest login = Request("POST", "/api/v1/auth/login", "");
            login.body =
                json{{"email", std::string(who) + "@fuzz.test"}, {"password", kPassword}}.dump();
            const api::HttpResponse r = dispatcher_->Handle(login);
            if (r.status == 200) {
                vars_[std::string("token_") + who] = json::parse(r.body).at("token");
            }
        }
        if (vars_.count("token_clinician") == 0) {
            Die("seeding: the clinician cannot sign in");
        }
    }

    std::filesystem::path dir_;
    std::string url_;
    std::map<std::string, std::string> vars_;
    core::SystemClock clock_;
    crypto::SodiumRandom random_;
    std::unique_ptr<core::Storage> db_;
    std::unique_ptr<api::AuditBatcher> audit_;
    std::unique_ptr<api::DeferredEvaluation> evaluations_;
    std::unique_ptr<api::ApiServices> services_;
    std::unique_ptr<api::ApiDispatcher> dispatcher_;
};

World& TheWorld() {
    static World* world = new World();  // never destroyed: libFuzzer exits without unwinding
    return *world;
}

void CheckAnswer(const api::HttpRequest& request, const api::HttpResponse& response) {
    auto fail = [&](const std::string& what) {
        World::Die(what + " for " + request.method + " " + request.path + " (status " +
                   std::to_string(response.status) + "): " + response.body.substr(0, 500));
    };
    if (response.status >= 500 || response.status < 200) {
        fail("a 5xx or invalid status");
    }
    if (response.content_type.rfind("application/json", 0) != 0) {
        return;
    }
    const json body = json::parse(response.body, nullptr, false);
    if (body.is_discarded()) {
        fail("an answer that is not JSON");
    }
    if (response.status >= 400) {
        const bool shaped =
            body.is_object() && body.contains("error") && body["error"].is_object() &&
            body["error"].contains("code") && body["error"]["code"].is_string() &&
            body["error"].contains("message") && body["error"]["message"].is_string() &&
            (!body["error"].contains("field") || body["error"]["field"].is_string());
        if (!shaped) {
            fail("an error answer not in the DESIGN shape");
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    World& world = TheWorld();
    const std::string raw =
        world.Substitute(std::string(reinterpret_cast<const char*>(data), size));

    // As the server reads a request (server.cpp): the same limits; the whole input is on hand.
    const http::ServerOptions limits;
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
    parser.body_limit(limits.max_body_bytes);
    parser.eager(true);
    boost::beast::error_code ec;
    std::size_t used = 0;
    while (!parser.is_done() && used < raw.size()) {
        const std::size_t n =
            parser.put(boost::asio::buffer(raw.data() + used, raw.size() - used), ec);
        if (ec || n == 0) {
            break;
        }
        used += n;
    }
    if (!parser.is_done()) {
        return 0;  // the server answers 400/413/431 or waits for more: no request reaches the API
    }
    bhttp::request<bhttp::string_body> request = parser.release();

    const std::string_view target(request.target().data(), request.target().size());
    http::ParsedTarget parsed = http::ParseTarget(target);
    if (!parsed.ok) {
        if (parsed.error_field != "path" && parsed.error_field != "query") {
            World::Die("a refused target without the field it names");
        }
        return 0;
    }
    api::HttpRequest api_request;
    api_request.method = std::string(request.method_string());
    api_request.path = std::move(parsed.path);
    api_request.query = std::move(parsed.query);
    for (const auto& field : request) {
        http::AddRequestHeader(
            api_request.headers,
            std::string_view(field.name_string().data(), field.name_string().size()),
            std::string_view(field.value().data(), field.value().size()));
    }
    api_request.body = std::move(request.body());
    api_request.request_id = "fuzz";
    api_request.remote_address = "127.0.0.1";
    const api::HttpResponse response = world.Handle(api_request);
    static const bool verbose = std::getenv("MITRA_FUZZ_VERBOSE") != nullptr;
    if (verbose) {  // the route template, never the ids
        std::fprintf(stderr, "%d %s %s\n", response.status, api_request.method.c_str(),
                     response.route.empty() ? "(no route)" : response.route.c_str());
    }
    CheckAnswer(api_request, response);
    return 0;
}
