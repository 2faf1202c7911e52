#pragma once
// The one exception vocabulary of mitra.
//
// Expected outcomes (not found, empty) are return values; a caller's mistake or an
// infrastructure failure is a mitra::Error carrying an ErrorCode. The HTTP boundary maps
// ErrorCode to a status in exactly one switch (api/errors.cpp); when you add an enumerator,
// update that mapping too. Messages are written for an operator or clinician and never carry
// patient data.

#include <stdexcept>
#include <string>

namespace mitra {

enum class ErrorCode {
    kInvalid,               // 400: malformed or invalid input; `field` names the culprit
    kUnauthenticated,       // 401
    kForbidden,             // 403
    kNotFound,              // 404
    kMethodNotAllowed,      // 405
    kConflict,              // 409
    kPayloadTooLarge,       // 413
    kUnsupportedMediaType,  // 415
    kRateLimited,           // 429
    kUnavailable,           // 503: a dependency (database) is down or busy
    kInternal,              // 500: a fault of ours
};

/// Base of every error mitra throws on purpose. `slug` is the machine-readable code sent to
/// clients ("invalid", "not_found", "no_record", ...); `field` is the request field at fault,
/// or empty.
class Error : public std::runtime_error {
public:
    Error(ErrorCode code, std::string message, std::string field = {}, std::string slug = {});

    ErrorCode code() const noexcept { return code_; }
    const std::string& field() const noexcept { return field_; }
    const std::string& slug() const noexcept { return slug_; }
    /// Seconds a client should wait (429 Retry-After); 0 when not applicable.
    int retry_after_s() const noexcept { return retry_after_s_; }
    Error& WithRetryAfter(int seconds) {
        retry_after_s_ = seconds;
        return *this;
    }

private:
    ErrorCode code_;
    std::string field_;
    std::string slug_;
    int retry_after_s_ = 0;
};

/// Default machine-readable code for an ErrorCode ("invalid", "not_found", ...).
const char* DefaultSlug(ErrorCode code) noexcept;

class ValidationError : public Error {
public:
    ValidationError(std::string field, std::string message)
        : Error(ErrorCode::kInvalid, std::move(message), std::move(field)) {}
};

class NotFoundError : public Error {
public:
    explicit NotFoundError(std::string message, std::string slug = {})
        : Error(ErrorCode::kNotFound, std::move(message), {}, std::move(slug)) {}
};

class ConflictError : public Error {
public:
    explicit ConflictError(std::string message, std::string field = {})
        : Error(ErrorCode::kConflict, std::move(message), std::move(field)) {}
};

class ForbiddenError : public Error {
public:
    explicit ForbiddenError(std::string message)
        : Error(ErrorCode::kForbidden, std::move(message)) {}
};

class UnavailableError : public Error {
public:
    explicit UnavailableError(std::string message)
        : Error(ErrorCode::kUnavailable, std::move(message)) {}
};

class InternalError : public Error {
public:
    explicit InternalError(std::string message)
        : Error(ErrorCode::kInternal, std::move(message)) {}
};

}  // namespace mitra
