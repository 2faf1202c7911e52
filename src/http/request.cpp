#include "http/request.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

namespace mitra::http {
namespace {

int HexValue(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

ParsedTarget Refuse(std::string field, std::string message) {
    ParsedTarget result;
    result.error_field = std::move(field);
    result.error_message = std::move(message);
    return result;
}

}  // namespace

std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '%') {
            if (i + 2 >= text.size()) {
                return std::nullopt;
            }
            const int high = HexValue(text[i + 1]);
            const int low = HexValue(text[i + 2]);
            if (high < 0 || low < 0) {
                return std::nullopt;
            }
            out.push_back(static_cast<char>(high * 16 + low));
            i += 2;
        } else if (c == '+' && plus_is_space) {
            out.push_back(' ');
        } else {
            out.push_back(c);
        }
    }
    return out;
}

bool IsValidUtf8(std::string_view text) {
    std::size_t i = 0;
    const std::size_t n = text.size();
    while (i < n) {
        const auto byte = static_cast<unsigned char>(text[i]);
        if (byte < 0x80) {
            ++i;
            continue;
        }
        std::size_t length = 0;
        std::uint32_t code_point = 0;
        std::uint32_t min_code_point = 0;
        if ((byte & 0xE0) == 0xC0) {
            length = 2;
            code_point = byte & 0x1F;
            min_code_point = 0x80;
        } else if ((byte & 0xF0) == 0xE0) {
            length = 3;
            code_point = byte & 0x0F;
            min_code_point = 0x800;
        } else if ((byte & 0xF8) == 0xF0) {
            length = 4;
            code_point = byte & 0x07;
            min_code_point = 0x10000;
        } else {
            return false;
        }
        if (i + length > n) {
            return false;
        }
        for (std::size_t k = 1; k < length; ++k) {
            const auto next = static_cast<unsigned char>(text[i + k]);
            if ((next & 0xC0) != 0x80) {
                return false;
            }
            code_point = (code_point << 6) | (next & 0x3F);
        }
        if (code_point < min_code_point || code_point > 0x10FFFF ||
            (code_point >= 0xD800 && code_point <= 0xDFFF)) {
            return false;
        }
        i += length;
    }
    return true;
}

ParsedTarget ParseTarget(std::string_view target) {
    if (target.empty() || target.front() != '/') {
        return Refuse("path", "request target must be an absolute path");
    }
    const std::size_t question = target.find('?');
    const std::string_view raw_path = target.substr(0, question);
    const std::string_view raw_query =
        question == std::string_view::npos ? std::string_view{} : target.substr(question + 1);

    ParsedTarget result;
    // Decode segment by segment so an encoded '/' cannot change the path's structure.
    result.path.reserve(raw_path.size());
    std::size_t start = 1;
    while (true) {
        const std::size_t slash = raw_path.find('/', start);
        const std::string_view raw_segment = raw_path.substr(
            start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
        std::optional<std::string> segment = PercentDecode(raw_segment, false);
        if (!segment) {
            return Refuse("path", "path contains an invalid percent-escape");
        }
        if (segment->find_first_of(std::string_view("/\\\0", 3)) != std::string::npos) {
            return Refuse("path", "path segment contains an encoded '/', '\\' or NUL");
        }
        if (*segment == "." || *segment == "..") {
            return Refuse("path", "path must not contain '.' or '..' segments");
        }
        result.path.push_back('/');
        result.path += *segment;
        if (slash == std::string_view::npos) {
            break;
        }
        start = slash + 1;
    }
    if (!IsValidUtf8(result.path)) {
        return Refuse("path", "path is not valid UTF-8");
    }

    std::size_t pos = 0;
    while (pos <= raw_query.size() && !raw_query.empty()) {
        const std::size_t amp = raw_query.find('&', pos);
        const std::string_view pair = raw_query.substr(
            pos, amp == std::string_view::npos ? std::string_view::npos : amp - pos);
        if (!pair.empty()) {
            const std::size_t equals = pair.find('=');
            std::optional<std::string> key = PercentDecode(pair.substr(0, equals), true);
            std::optional<std::string> value =
                equals == std::string_view::npos ? std::optional<std::string>(std::string{})
                                                 : PercentDecode(pair.substr(equals + 1), true);
            if (!key || !value) {
                return Refuse("query", "query string contains an invalid percent-escape");
            }
            if (!IsValidUtf8(*key) || !IsValidUtf8(*value) ||
                key->find('\0') != std::string::npos || value->find('\0') != std::string::npos) {
                return Refuse("query", "query string is not valid UTF-8 text");
            }
            result.query[std::move(*key)] = std::move(*value);
        }
        if (amp == std::string_view::npos) {
            break;
        }
        pos = amp + 1;
    }
    result.ok = true;
    return result;
}

void AddRequestHeader(std::map<std::string, std::string>& headers, std::string_view name,
                      std::string_view value) {
    std::string lower(name);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) {
        return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    });
    auto [it, inserted] = headers.try_emplace(lower, value);
    if (!inserted) {
        it->second += lower == "cookie" ? "; " : ", ";
        it->second += value;
    }
}

bool IsAcceptableRequestId(std::string_view id) {
    if (id.empty() || id.size() > 64) {
        return false;
    }
    for (const char c : id) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                        c == '-' || c == '_';
        if (!ok) {
            return false;
        }
    }
    return true;
}

std::string_view MethodLabel(std::string_view method) {
    static constexpr std::array<std::string_view, 9> kMethods = {
        "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE"};
    for (const std::string_view known : kMethods) {
        if (method == known) {
            return known;
        }
    }
    return "OTHER";
}

}  // namespace mitra::http
