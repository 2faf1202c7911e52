#include "core/error.hpp"

namespace mitra {

Error::Error(ErrorCode code, std::string message, std::string field, std::string slug)
    : std::runtime_error(std::move(message)),
      code_(code),
      field_(std::move(field)),
      slug_(slug.empty() ? DefaultSlug(code) : std::move(slug)) {}

const char* DefaultSlug(ErrorCode code) noexcept {
    switch (code) {
        case ErrorCode::kInvalid: return "invalid";
        case ErrorCode::kUnauthenticated: return "unauthenticated";
        case ErrorCode::kForbidden: return "forbidden";
        case ErrorCode::kNotFound: return "not_found";
        case ErrorCode::kMethodNotAllowed: return "method_not_allowed";
        case ErrorCode::kConflict: return "conflict";
        case ErrorCode::kPayloadTooLarge: return "payload_too_large";
        case ErrorCode::kUnsupportedMediaType: return "unsupported_media_type";
        case ErrorCode::kRateLimited: return "rate_limited";
        case ErrorCode::kUnavailable: return "unavailable";
        case ErrorCode::kInternal: return "internal";
    }
    return "internal";
}

}  // namespace mitra
