#include "storage/postgres/connection.hpp"

#include <libpq-fe.h>

#include <charconv>
#include <cstdlib>
#include <cstring>

#include "core/blocking.hpp"
#include "core/error.hpp"

namespace mitra::storage::postgres {

namespace {

/// Runs one libpq call that waits for the server, telling the thread's worker pool it may run
/// another job meanwhile (core/blocking.hpp).
template <class Call>
auto RoundTrip(Call call) {
    const core::BlockingScope blocking;
    return call();
}

std::string Trim(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
        text.pop_back();
    }
    return text;
}

bool IsUnavailableState(const std::string& state) {
    if (state.empty()) {
        return true;  // no SQLSTATE: the connection itself failed
    }
    const std::string cls = state.substr(0, 2);
    return cls == "08" || cls == "53" || state == "57P01" || state == "57P02" ||
           state == "57P03" || state == "40001" || state == "40P01";
}

}  // namespace

void ThrowPgError(const std::string& sqlstate, std::string_view what, const std::string& detail) {
    std::string message = std::string(what) + ": " + Trim(detail) + " (SQLSTATE " +
                          (sqlstate.empty() ? std::string("08006") : sqlstate) + ")";
    if (sqlstate.rfind("23", 0) == 0) {
        throw ConflictError(std::move(message));
    }
    if (IsUnavailableState(sqlstate)) {
        throw UnavailableError(std::move(message));
    }
    throw InternalError(std::move(message));
}

void ResultDeleter::operator()(pg_result* result) const { PQclear(result); }

Statement& Statement::Bind(int index, std::string_view value) {
    if (static_cast<int>(params_.size()) < index) {
        params_.resize(static_cast<std::size_t>(index));
    }
    params_[static_cast<std::size_t>(index - 1)] = std::string(value);
    return *this;
}

Statement& Statement::Bind(int index, std::int64_t value) {
    return Bind(index, std::string_view(std::to_string(value)));
}

Statement& Statement::Bind(int index, bool value) {
    return Bind(index, std::string_view(value ? "true" : "false"));
}

Statement& Statement::Bind(int index, double value) {
    char buffer[64];
    const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
    (void)ec;
    return Bind(index, std::string_view(buffer, static_cast<std::size_t>(end - buffer)));
}

Statement& Statement::BindNull(int index) {
    if (static_cast<int>(params_.size()) < index) {
        params_.resize(static_cast<std::size_t>(index));
    }
    params_[static_cast<std::size_t>(index - 1)] = std::nullopt;
    return *this;
}

void Statement::Execute() {
    result_ = connection_.ExecPrepared(sql_, params_);
    rows_ = PQntuples(result_.get());
    row_ = -1;
}

bool Statement::Step() {
    if (!result_) {
        Execute();
    }
    if (row_ + 1 >= rows_) {
        row_ = rows_;
        return false;
    }
    ++row_;
    return true;
}

void Statement::Run() {
    if (!result_) {
        Execute();
    }
}

int Statement::Changes() const {
    if (!result_) {
        return 0;
    }
    const char* tuples = PQcmdTuples(result_.get());
    return tuples[0] == '\0' ? 0 : std::atoi(tuples);
}

bool Statement::IsNull(int column) const {
    return PQgetisnull(result_.get(), row_, column) != 0;
}

const char* Statement::Value(int column) const { return PQgetvalue(result_.get(), row_, column); }

std::string Statement::Text(int column) const {
    return std::string(Value(column),
                       static_cast<std::size_t>(PQgetlength(result_.get(), row_, column)));
}

std::int64_t Statement::Int(int column) const {
    const char* value = Value(column);
    if (value[0] == 't') {
        return 1;
    }
    if (value[0] == 'f') {
        return 0;
    }
    return std::strtoll(value, nullptr, 10);
}

double Statement::Real(int column) const { return std::strtod(Value(column), nullptr); }

std::optional<std::string> Statement::OptText(int column) const {
    if (IsNull(column)) {
        return std::nullopt;
    }
    return Text(column);
}

std::optional<std::int64_t> Statement::OptInt(int column) const {
    if (IsNull(column)) {
        return std::nullopt;
    }
    return Int(column);
}

std::optional<double> Statement::OptReal(int column) const {
    if (IsNull(column)) {
        return std::nullopt;
    }
    return Real(column);
}

std::string DescribeTarget(const std::string& url) {
    char* error = nullptr;
    PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
    if (options == nullptr) {
        PQfreemem(error);
        return "(unparseable connection string)";
    }
    std::string host = "localhost";
    std::string port = "5432";
    for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
        if (o->val == nullptr || o->val[0] == '\0') {
            continue;
        }
        if (std::strcmp(o->keyword, "host") == 0 || std::strcmp(o->keyword, "hostaddr") == 0) {
            host = o->val;
        } else if (std::strcmp(o->keyword, "port") == 0) {
            port = o->val;
        }
    }
    PQconninfoFree(options);
    return host + ":" + port;
}

Connection::Connection(const std::string& url) {
    // connect_timeout first so a value in the URL overrides it.
    const char* keywords[] = {"connect_timeout", "application_name", "dbname", nullptr};
    const char* values[] = {"5", "mitra", url.c_str(), nullptr};
    conn_ = RoundTrip([&] { return PQconnectdbParams(keywords, values, 1); });
    if (conn_ == nullptr || PQstatus(conn_) != CONNECTION_OK) {
        std::string detail = conn_ != nullptr ? Trim(PQerrorMessage(conn_)) : "out of memory";
        PQfinish(conn_);
        conn_ = nullptr;
        throw UnavailableError("cannot connect to PostgreSQL at " + DescribeTarget(url) + ": " +
                               detail);
    }
    PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
}

Connection::~Connection() { PQfinish(conn_); }

namespace {
constexpr const char kReadOnlySession[] = "SET default_transaction_read_only = on";
}  // namespace

const std::pair<std::int64_t, std::string>* Connection::HeldAuditHead(
    const std::string& org) const {
    if (Idle()) {
        return nullptr;  // no transaction: no lock held
    }
    const auto it = held_heads_.find(org);
    return it != held_heads_.end() ? &it->second : nullptr;
}

void Connection::HoldAuditHead(const std::string& org, std::int64_t seq, const std::string& hash) {
    if (!Idle()) {
        held_heads_[org] = {seq, hash};
    }
}

void Connection::MakeReadOnly() {
    Exec(kReadOnlySession);
    read_only_ = true;
}

bool Connection::Healthy() const { return conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK; }

bool Connection::Idle() const {
    return conn_ != nullptr && PQtransactionStatus(conn_) == PQTRANS_IDLE;
}

void Connection::Check(pg_result* result, std::string_view what) {
    const ExecStatusType status = result != nullptr ? PQresultStatus(result) : PGRES_FATAL_ERROR;
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
        return;
    }
    held_heads_.clear();  // the transaction is aborted (or the connection gone)
    std::string state;
    std::string detail;
    if (result != nullptr) {
        const char* s = PQresultErrorField(result, PG_DIAG_SQLSTATE);
        state = s != nullptr ? s : "";
        detail = PQresultErrorMessage(result);
    } else {
        detail = PQerrorMessage(conn_);
    }
    if (PQstatus(conn_) != CONNECTION_OK && state.empty()) {
        state = "08006";
    }
    PQclear(result);
    ThrowPgError(state, what, detail);
}

void Connection::Exec(const std::string& sql) {
    // BEGIN, COMMIT, ROLLBACK and ROLLBACK TO end what the held audit heads were valid for.
    if (sql.rfind("BEGIN", 0) == 0 || sql.rfind("COMMIT", 0) == 0 ||
        sql.rfind("ROLLBACK", 0) == 0) {
        held_heads_.clear();
    }
    pg_result* result = RoundTrip([&] { return PQexec(conn_, sql.c_str()); });
    Check(result, "exec");
    PQclear(result);
}

ResultPtr Connection::ExecPrepared(const char* sql,
                                   const std::vector<std::optional<std::string>>& params) {
    // Outside a transaction on a read-only session, a statement cut by a lost connection
    // changed nothing: reconnect (a server restart cuts every idle session; libpq notices
    // only on use) and run it once more.
    const bool may_retry = read_only_ && Idle();
    try {
        return ExecPreparedOnce(sql, params);
    } catch (const UnavailableError&) {
        if (!may_retry || Healthy()) {
            throw;
        }
        RoundTrip([&] { PQreset(conn_); });
        if (!Healthy()) {
            throw;
        }
    }
    prepared_.clear();  // they lived in the old session
    MakeReadOnly();
    return ExecPreparedOnce(sql, params);
}

ResultPtr Connection::ExecPreparedOnce(const char* sql,
                                       const std::vector<std::optional<std::string>>& params) {
    auto it = prepared_.find(sql);
    if (it == prepared_.end()) {
        Prepared info;
        info.name = "m" + std::to_string(prepared_.size());
        const std::string_view text(sql);
        constexpr std::string_view kConflictSuffix = " ON CONFLICT DO NOTHING";
        info.insert_or_conflict = text.size() > kConflictSuffix.size() &&
                                  text.substr(text.size() - kConflictSuffix.size()) ==
                                      kConflictSuffix;
        // A parameter the SQL never mentions (an UPDATE bound like its INSERT) has no type to
        // infer; declare those as text and let the server infer the rest (type 0).
        std::vector<unsigned int> types(params.size(), 25);  // 25 = text
        for (std::size_t i = 0; i + 1 < text.size(); ++i) {
            if (text[i] != '$' || text[i + 1] < '0' || text[i + 1] > '9') {
                continue;
            }
            const std::size_t index = std::strtoul(sql + i + 1, nullptr, 10);
            if (index >= 1 && index <= types.size()) {
                types[index - 1] = 0;
            }
        }
        pg_result* prepared = RoundTrip([&] {
            return PQprepare(conn_, info.name.c_str(), sql, static_cast<int>(types.size()),
                             types.data());
        });
        Check(prepared, "prepare");
        PQclear(prepared);
        it = prepared_.emplace(sql, std::move(info)).first;
    }
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& p : params) {
        values.push_back(p ? p->c_str() : nullptr);
    }
    pg_result* result = RoundTrip([&] {
        return PQexecPrepared(conn_, it->second.name.c_str(), static_cast<int>(values.size()),
                              values.data(), nullptr, nullptr, 0);
    });
    Check(result, "query");
    ResultPtr owned(result);
    if (it->second.insert_or_conflict && std::strcmp(PQcmdTuples(result), "0") == 0) {
        ThrowPgError("23505", "insert", "a row with this key already exists");
    }
    return owned;
}

}  // namespace mitra::storage::postgres
