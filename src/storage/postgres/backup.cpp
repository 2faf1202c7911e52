#include "storage/postgres/backup.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <vector>

#include "core/error.hpp"
#include "storage/postgres/connection.hpp"

extern char** environ;

namespace mitra::storage::postgres {
namespace {

inline constexpr const char kCurrentSchema[] = "SELECT current_schema()";

std::string Tool(const std::string& name) {
    if (const char* dir = std::getenv("MITRA_PG_BIN"); dir != nullptr && *dir != '\0') {
        return (std::filesystem::path(dir) / name).string();
    }
    const auto debian = std::filesystem::path("/usr/lib/postgresql/15/bin") / name;
    if (std::filesystem::exists(debian)) {
        return debian.string();
    }
    return name;  // from PATH
}

/// Runs a tool to completion; throws UnavailableError with its stderr when it fails.
void Run(std::vector<std::string> args) {
    int err_pipe[2];
    if (::pipe(err_pipe) != 0) {
        throw InternalError("pipe failed");
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
    posix_spawn_file_actions_addclose(&actions, err_pipe[0]);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    std::vector<char*> argv;
    for (auto& a : args) {
        argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    pid_t pid = 0;
    const int rc = ::posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(err_pipe[1]);
    std::string err;
    char buf[1024];
    for (ssize_t n; (n = ::read(err_pipe[0], buf, sizeof buf)) > 0;) {
        err.append(buf, static_cast<std::size_t>(n));
    }
    ::close(err_pipe[0]);
    if (rc != 0) {
        throw UnavailableError("cannot run " + args[0] + " (is postgresql-client installed?)");
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        throw UnavailableError(std::filesystem::path(args[0]).filename().string() +
                               " failed: " + err);
    }
}

std::string CurrentSchema(const std::string& url) {
    Connection connection(url);
    auto st = connection.Prepare(kCurrentSchema);
    if (!st.Step() || st.IsNull(0)) {
        throw InternalError("the connection has no current schema");
    }
    return st.Text(0);
}

}  // namespace

void BackupTo(const std::string& url, const std::string& out_path) {
    const std::string schema = CurrentSchema(url);
    Run({Tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
         "--schema=" + schema, "--file=" + out_path, "--dbname=" + url});
}

void RestoreFrom(const std::string& url, const std::string& in_path) {
    (void)CurrentSchema(url);  // fails early, naming host:port, when the server is down
    Run({Tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
         "--single-transaction", "--exit-on-error", "--dbname=" + url, in_path});
}

}  // namespace mitra::storage::postgres
