#pragma once
// Serving the built web app from a folder: path resolution that never leaves the root, content
// types, and the client-side-route heuristic for the index.html fallback. No Asio; the blocking
// file read runs on the server's worker pool. Thread-safe (no shared state).

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace mitra::http {

/// Maps a decoded request path (already free of dot segments, see ParseTarget) to a regular file
/// under `canonical_root` ("/" and directories map to their index.html). Returns nullopt if there
/// is no such file, or if the file's canonical location (after symlinks) is outside the root.
/// REQUIRES: `canonical_root` is std::filesystem::canonical of the static folder.
std::optional<std::filesystem::path> ResolveStaticPath(const std::filesystem::path& canonical_root,
                                                       std::string_view decoded_path);

/// Content-Type for a file name by extension; "application/octet-stream" when unknown.
std::string_view ContentTypeFor(const std::filesystem::path& file);

/// Cache-Control for a static file: content-hashed build output under /assets/ is immutable,
/// everything else (index.html) is revalidated.
std::string_view CacheControlFor(std::string_view decoded_path);

/// True if the path looks like a client-side route (its last segment has no '.'), i.e. a
/// browser navigation that should get index.html rather than a 404.
bool IsClientRoute(std::string_view decoded_path);

/// Reads a whole file. Returns nullopt if it cannot be read.
std::optional<std::string> ReadWholeFile(const std::filesystem::path& file);

}  // namespace mitra::http
