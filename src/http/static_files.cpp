#include "http/static_files.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <iterator>
#include <system_error>
#include <utility>

namespace mitra::http {
namespace fs = std::filesystem;

std::optional<fs::path> ResolveStaticPath(const fs::path& canonical_root,
                                          std::string_view decoded_path) {
    if (decoded_path.empty() || decoded_path.front() != '/' ||
        decoded_path.find('\0') != std::string_view::npos) {
        return std::nullopt;
    }
    fs::path relative;
    std::size_t start = 1;
    while (start <= decoded_path.size()) {
        const std::size_t slash = decoded_path.find('/', start);
        const std::string_view segment = decoded_path.substr(
            start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
        if (segment == "." || segment == ".." || segment.find('\\') != std::string_view::npos) {
            return std::nullopt;
        }
        if (!segment.empty()) {
            relative /= fs::path(std::string(segment));
        }
        if (slash == std::string_view::npos) {
            break;
        }
        start = slash + 1;
    }
    fs::path candidate = canonical_root / relative;
    std::error_code ec;
    if (fs::is_directory(candidate, ec)) {
        candidate /= "index.html";
    }
    const fs::path resolved = fs::canonical(candidate, ec);
    if (ec || !fs::is_regular_file(resolved, ec)) {
        return std::nullopt;
    }
    // Symlinks may point anywhere: compare the canonical location against the root.
    const auto [root_end, _] =
        std::mismatch(canonical_root.begin(), canonical_root.end(), resolved.begin(), resolved.end());
    if (root_end != canonical_root.end()) {
        return std::nullopt;
    }
    return resolved;
}

std::string_view ContentTypeFor(const fs::path& file) {
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 22> kTypes = {{
        {".html", "text/html; charset=utf-8"},
        {".htm", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json"},
        {".map", "application/json"},
        {".webmanifest", "application/manifest+json"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".jpg", "image/jpeg"},
        {".jpeg", "image/jpeg"},
        {".gif", "image/gif"},
        {".webp", "image/webp"},
        {".ico", "image/x-icon"},
        {".woff", "font/woff"},
        {".woff2", "font/woff2"},
        {".ttf", "font/ttf"},
        {".txt", "text/plain; charset=utf-8"},
        {".csv", "text/csv; charset=utf-8"},
        {".wasm", "application/wasm"},
        {".pdf", "application/pdf"},
    }};
    std::string extension = file.extension().string();
    std::transform(extension.begin(), extension.end(), extension.begin(), [](unsigned char c) {
        return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    });
    for (const auto& [known, type] : kTypes) {
        if (extension == known) {
            return type;
        }
    }
    return "application/octet-stream";
}

std::string_view CacheControlFor(std::string_view decoded_path) {
    if (decoded_path.starts_with("/assets/")) {
        return "public, max-age=31536000, immutable";
    }
    return "no-cache";
}

bool IsClientRoute(std::string_view decoded_path) {
    const std::size_t slash = decoded_path.rfind('/');
    const std::string_view last =
        slash == std::string_view::npos ? decoded_path : decoded_path.substr(slash + 1);
    return last.find('.') == std::string_view::npos;
}

std::optional<std::string> ReadWholeFile(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        return std::nullopt;
    }
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) {
        return std::nullopt;
    }
    return content;
}

}  // namespace mitra::http
