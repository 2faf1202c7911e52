// The `mitra` executable: parses the command line (contract in DESIGN.md) and calls src/app.
// Commands that create something print one JSON line on stdout; errors go to stderr with a
// non-zero exit.

#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "app/app.hpp"
#include "core/error.hpp"

namespace {

std::string ReadPasswordFromStdin() {
    std::string password;
    std::getline(std::cin, password);
    if (!password.empty() && password.back() == '\r') {
        password.pop_back();
    }
    return password;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace mitra;
    CLI::App cli{"mitra: supervised kratom-assisted recovery and tapering"};
    cli.require_subcommand(1);

    std::string database;
    std::string listen = "127.0.0.1:8080";

    auto* init = cli.add_subcommand("init", "Create or migrate a database; refuses a newer schema");
    init->add_option("--database", database, "sqlite:PATH, PATH or postgresql://...")->required();

    auto* org = cli.add_subcommand("org", "Organizations");
    org->require_subcommand(1);
    auto* org_add = org->add_subcommand("add", "Create an organization");
    std::string org_name;
    org_add->add_option("--database", database)->required();
    org_add->add_option("--name", org_name)->required();

    auto* user = cli.add_subcommand("user", "Users");
    user->require_subcommand(1);
    auto* user_add = user->add_subcommand("add", "Create a user (patients get a patient record)");
    std::string user_org, role, email, display_name, tz_name;
    bool password_stdin = false;
    user_add->add_option("--database", database)->required();
    user_add->add_option("--org", user_org, "organization id or name")->required();
    user_add->add_option("--role", role, "patient|clinician|researcher|admin")->required();
    user_add->add_option("--email", email)->required();
    user_add->add_flag("--password-stdin", password_stdin, "read the password from stdin")
        ->required();
    user_add->add_option("--display-name", display_name);
    user_add->add_option("--timezone", tz_name, "IANA time zone (patients)");

    auto* serve = cli.add_subcommand("serve", "Serve the API and web app");
    app::ServeOptions serve_options;
    serve->add_option("--database", database)->required();
    serve->add_option("--listen", listen, "HOST:PORT; port 0 picks a free port");
    serve->add_option("--workers", serve_options.workers, "threads for blocking work")
        ->check(CLI::Range(1, 64));
    serve->add_option("--web-root", serve_options.web_root, "folder of the built web app");
    serve->add_option("--log-level", serve_options.log_level);

    auto* demo = cli.add_subcommand("demo", "Build the demo clinic on ./var/demo.db and serve it");
    app::DemoOptions demo_options;
    bool no_serve = false;
    demo->add_option("--patients", demo_options.patients)->check(CLI::Range(1, 1000));
    demo->add_option("--days", demo_options.days)->check(CLI::Range(1, 3650));
    demo->add_option("--listen", listen);
    demo->add_option("--database", demo_options.database, "file for the demo (default var/demo.db)");
    demo->add_flag("--no-serve", no_serve, "build the demo database and exit");

    auto* audit = cli.add_subcommand("audit", "Audit log");
    audit->require_subcommand(1);
    auto* audit_verify = audit->add_subcommand("verify", "Check the audit hash chain");
    audit_verify->add_option("--database", database)->required();

    auto* backup = cli.add_subcommand("backup", "Write a consistent copy of a database");
    std::string backup_out;
    backup->add_option("--database", database)->required();
    backup->add_option("--out", backup_out)->required();

    CLI11_PARSE(cli, argc, argv);

    try {
        if (*init) {
            return app::Init(database, std::cout);
        }
        if (*org_add) {
            return app::AddOrganization(database, org_name, std::cout);
        }
        if (*user_add) {
            return app::AddUser(database, user_org, role, email, ReadPasswordFromStdin(),
                                display_name, tz_name, std::cout);
        }
        if (*serve) {
            serve_options.database = database;
            app::ParseListen(listen, serve_options.host, serve_options.port);
            return app::Serve(serve_options, std::cout);
        }
        if (*demo) {
            app::ParseListen(listen, demo_options.host, demo_options.port);
            demo_options.serve = !no_serve;
            return app::Demo(demo_options, std::cout);
        }
        if (*audit_verify) {
            return app::VerifyAudit(database, std::cout, std::cerr);
        }
        if (*backup) {
            return app::Backup(database, backup_out, std::cout);
        }
    } catch (const Error& e) {
        std::cerr << "error: " << e.what();
        if (!e.field().empty()) {
            std::cerr << " (" << e.field() << ")";
        }
        std::cerr << std::endl;
        return e.code() == ErrorCode::kInvalid ? 2 : 1;
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << std::endl;
        return 1;
    }
    return 0;
}
