#pragma once
// Pure helpers that turn raw request-line pieces into the api::HttpRequest fields: request-target
// parsing (percent-decoding, query string), request-id validation and metric/log labels.
// No Asio, no I/O; thread-safe (stateless).

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace mitra::http {

/// A request target split into its decoded path and query parameters, or the reason it was
/// refused (`ok == false`: answer 400 naming `error_field`).
struct ParsedTarget {
    bool ok = false;
    std::string path;                          // percent-decoded, starts with '/'
    std::map<std::string, std::string> query;  // decoded; the last of repeated keys wins
    std::string error_field;                   // "path" or "query"
    std::string error_message;
};

/// Decodes %XX escapes (and '+' as space when `plus_is_space`). Returns nullopt on a truncated or
/// non-hex escape.
std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space);

/// True if `text` is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
bool IsValidUtf8(std::string_view text);

/// Parses an origin-form request target ("/a/b?x=1&y=2"). Refuses: a target not starting with
/// '/', invalid escapes, decoded NUL, invalid UTF-8, encoded '/' or '\' inside a segment, and
/// dot segments ("." or "..", also when written as %2e) anywhere in the path.
ParsedTarget ParseTarget(std::string_view target);

/// Adds one request header under its lower-cased name; a repeated header is joined to the earlier
/// value with ", " (with "; " for Cookie), as RFC 9110 allows.
void AddRequestHeader(std::map<std::string, std::string>& headers, std::string_view name,
                      std::string_view value);

/// An incoming X-Request-Id is kept if it is 1..64 characters of [A-Za-z0-9_-].
bool IsAcceptableRequestId(std::string_view id);

/// The method as a bounded label for logs and metrics: a standard method name, else "OTHER".
std::string_view MethodLabel(std::string_view method);

}  // namespace mitra::http
