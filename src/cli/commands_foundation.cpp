#include <iostream>
#include <memory>
#include <string>

#include "app/app.hpp"
#include "cli/commands.hpp"

namespace mitra::cli {
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

CLI::App& ImportCommand(CLI::App& app) {
    for (CLI::App* existing : app.get_subcommands([](CLI::App* sub) {
             return sub->get_name() == "import";
         })) {
        return *existing;
    }
    auto* import = app.add_subcommand("import", "Import data files");
    import->require_subcommand(1);
    return *import;
}

void AddFoundationCommands(CLI::App& app, int& exit_code) {
    struct Args {
        std::string database;
        std::string listen = "127.0.0.1:8080";
        std::string org_name, user_org, role, email, display_name, tz_name, backup_out;
        bool password_stdin = false;
        bool no_serve = false;
        app::ServeOptions serve;
        app::DemoOptions demo;
    };
    auto args = std::make_shared<Args>();

    auto* init = app.add_subcommand("init", "Create or migrate a database; refuses a newer schema");
    init->add_option("--database", args->database, "sqlite:PATH, PATH or postgresql://...")
        ->required();
    init->callback([args, &exit_code] { exit_code = app::Init(args->database, std::cout); });

    auto* org = app.add_subcommand("org", "Organizations");
    org->require_subcommand(1);
    auto* org_add = org->add_subcommand("add", "Create an organization");
    org_add->add_option("--database", args->database)->required();
    org_add->add_option("--name", args->org_name)->required();
    org_add->callback([args, &exit_code] {
        exit_code = app::AddOrganization(args->database, args->org_name, std::cout);
    });

    auto* user = app.add_subcommand("user", "Users");
    user->require_subcommand(1);
    auto* user_add = user->add_subcommand("add", "Create a user (patients get a patient record)");
    user_add->add_option("--database", args->database)->required();
    user_add->add_option("--org", args->user_org, "organization id or name")->required();
    user_add->add_option("--role", args->role, "patient|clinician|researcher|admin")->required();
    user_add->add_option("--email", args->email)->required();
    user_add->add_flag("--password-stdin", args->password_stdin, "read the password from stdin")
        ->required();
    user_add->add_option("--display-name", args->display_name);
    user_add->add_option("--timezone", args->tz_name, "IANA time zone (patients)");
    user_add->callback([args, &exit_code] {
        exit_code = app::AddUser(args->database, args->user_org, args->role, args->email,
                                 ReadPasswordFromStdin(), args->display_name, args->tz_name,
                                 std::cout);
    });

    auto* serve = app.add_subcommand("serve", "Serve the API and web app");
    serve->add_option("--database", args->database)->required();
    serve->add_option("--listen", args->listen, "HOST:PORT; port 0 picks a free port");
    serve->add_option("--workers", args->serve.workers,
                      "threads that writes may use at once (2 more are kept for reads)")
        ->check(CLI::Range(1, 64));
    serve->add_option("--web-root", args->serve.web_root, "folder of the built web app");
    serve->add_option("--log-level", args->serve.log_level);
    serve->add_option("--alert-interval-s", args->serve.alert_interval_s,
                      "seconds between safety-rule runs for time-based rules (0 = off)")
        ->check(CLI::Range(0, 86400));
    serve->callback([args, &exit_code] {
        args->serve.database = args->database;
        app::ParseListen(args->listen, args->serve.host, args->serve.port);
        exit_code = app::Serve(args->serve, std::cout);
    });

    auto* demo = app.add_subcommand("demo", "Build the demo clinic on ./var/demo.db and serve it");
    demo->add_option("--patients", args->demo.patients)->check(CLI::Range(1, 1000));
    demo->add_option("--days", args->demo.days)->check(CLI::Range(1, 3650));
    demo->add_option("--listen", args->listen);
    demo->add_option("--database", args->demo.database, "file for the demo (default var/demo.db), or an empty PostgreSQL database's URL");
    demo->add_flag("--no-serve", args->no_serve, "build the demo database and exit");
    demo->callback([args, &exit_code] {
        app::ParseListen(args->listen, args->demo.host, args->demo.port);
        args->demo.serve = !args->no_serve;
        exit_code = app::Demo(args->demo, std::cout);
    });

    auto* audit = app.add_subcommand("audit", "Audit log");
    audit->require_subcommand(1);
    auto* audit_verify = audit->add_subcommand("verify", "Check the audit hash chain");
    audit_verify->add_option("--database", args->database)->required();
    audit_verify->callback([args, &exit_code] {
        exit_code = app::VerifyAudit(args->database, std::cout, std::cerr);
    });

    auto* backup = app.add_subcommand("backup", "Write a consistent copy of a database");
    backup->add_option("--database", args->database)->required();
    backup->add_option("--out", args->backup_out)->required();
    backup->callback([args, &exit_code] {
        exit_code = app::Backup(args->database, args->backup_out, std::cout);
    });

    auto* restore = app.add_subcommand(
        "restore", "Replace a database's contents with a backup (stop mitra serve first)");
    restore->add_option("--database", args->database)->required();
    restore->add_option("--in", args->backup_out)->required()->check(CLI::ExistingFile);
    restore->callback([args, &exit_code] {
        exit_code = app::Restore(args->database, args->backup_out, std::cout);
    });
}

}  // namespace mitra::cli
