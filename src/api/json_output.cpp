#include "api/json_output.hpp"

#include <charconv>
#include <cstring>
#include <cstdint>
#include <memory>
#include <optional>

namespace mitra::api {
namespace {

using Json = nlohmann::json;

/// Length of the well-formed UTF-8 sequence (RFC 3629) that starts at p[0] >= 0x80, or 0 if it
/// is not one: no overlong forms, no surrogates, nothing past U+10FFFF. The same language
/// nlohmann's decoder accepts.
std::size_t Utf8SequenceLength(const unsigned char* p, std::size_t available) {
    const unsigned c = p[0];
    std::size_t length = 0;
    std::uint32_t code = 0;
    if (c >= 0xC2 && c <= 0xDF) {
        length = 2;
        code = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        length = 3;
        code = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        length = 4;
        code = c & 0x07;
    } else {
        return 0;
    }
    if (available < length) {
        return 0;
    }
    for (std::size_t k = 1; k < length; ++k) {
        const unsigned next = p[k];
        if ((next & 0xC0) != 0x80) {
            return 0;
        }
        code = (code << 6) | (next & 0x3F);
    }
    if ((length == 3 && (code < 0x800 || (code >= 0xD800 && code <= 0xDFFF))) ||
        (length == 4 && (code < 0x10000 || code > 0x10FFFF))) {
        return 0;
    }
    return length;
}

/// Whether any of the eight bytes in `w` may need more than copying: a byte >= 0x80 (UTF-8 to
/// check), below 0x20 (a control character), '"' or '\\'. Never false when one does; a rare true
/// for plain bytes only sends them through the byte-at-a-time path.
bool MayNeedWork(std::uint64_t w) {
    constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
    constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
    const auto has_zero = [](std::uint64_t v) { return (v - kOnes) & ~v & kHigh; };
    const std::uint64_t below_space = (w - kOnes * 0x20) & ~w & kHigh;
    return ((w & kHigh) | below_space | has_zero(w ^ (kOnes * '"')) |
            has_zero(w ^ (kOnes * '\\'))) != 0;
}

class Writer {
public:
    Writer(std::string& out, Json::error_handler_t handler) : out_(out), handler_(handler) {}

    void Value(const Json& value) {
        switch (value.type()) {
            case Json::value_t::object: {
                const auto& object = value.get_ref<const Json::object_t&>();
                out_ += '{';
                bool first = true;
                for (const auto& [key, member] : object) {
                    if (!first) {
                        out_ += ',';
                    }
                    first = false;
                    String(key);
                    out_ += ':';
                    Value(member);
                }
                out_ += '}';
                return;
            }
            case Json::value_t::array: {
                out_ += '[';
                bool first = true;
                for (const Json& element : value.get_ref<const Json::array_t&>()) {
                    if (!first) {
                        out_ += ',';
                    }
                    first = false;
                    Value(element);
                }
                out_ += ']';
                return;
            }
            case Json::value_t::string:
                String(value.get_ref<const std::string&>());
                return;
            case Json::value_t::null:
                out_ += "null";
                return;
            case Json::value_t::boolean:
                out_ += value.get<bool>() ? "true" : "false";
                return;
            case Json::value_t::number_integer:
                Integer(value.get<std::int64_t>());
                return;
            case Json::value_t::number_unsigned:
                Integer(value.get<std::uint64_t>());
                return;
            default:  // floating point, binary, discarded: nlohmann's own formatting
                Nlohmann().dump(value, false, false, 0);
                return;
        }
    }

private:
    template <typename Int>
    void Integer(Int value) {
        char digits[24];
        const auto result = std::to_chars(digits, digits + sizeof digits, value);
        out_.append(digits, result.ptr);
    }

    // One pass: plain bytes are skipped eight at a time and copied in runs; a multi-byte UTF-8
    // sequence is checked where it starts. A string that turns out not to be valid UTF-8 is taken
    // back out and written by nlohmann, whose handler decides (throw, replace or drop).
    void String(const std::string& text) {
        const std::size_t rollback = out_.size();
        out_ += '"';
        const auto* const begin = reinterpret_cast<const unsigned char*>(text.data());
        const std::size_t n = text.size();
        std::size_t run = 0;
        std::size_t i = 0;
        while (i < n) {
            if (n - i >= 8) {
                std::uint64_t word;
                std::memcpy(&word, begin + i, sizeof word);
                if (!MayNeedWork(word)) {
                    i += 8;
                    continue;
                }
            }
            const unsigned c = begin[i];
            if (c >= 0x80) {
                const std::size_t length = Utf8SequenceLength(begin + i, n - i);
                if (length == 0) {
                    out_.resize(rollback);
                    Nlohmann().dump(Json(text), false, false, 0);  // throws, replaces or drops
                    return;
                }
                i += length;
                continue;
            }
            if (c >= 0x20 && c != '"' && c != '\\') {
                ++i;
                continue;
            }
            out_.append(text, run, i - run);
            run = i + 1;
            ++i;
            switch (c) {
                case '"': out_ += "\\\""; break;
                case '\\': out_ += "\\\\"; break;
                case '\b': out_ += "\\b"; break;
                case '\f': out_ += "\\f"; break;
                case '\n': out_ += "\\n"; break;
                case '\r': out_ += "\\r"; break;
                case '\t': out_ += "\\t"; break;
                default: {
                    static constexpr char kHex[] = "0123456789abcdef";
                    const char escaped[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
                    out_.append(escaped, sizeof escaped);
                }
            }
        }
        out_.append(text, run, n - run);
        out_ += '"';
    }

    nlohmann::detail::serializer<Json>& Nlohmann() {
        if (!serializer_) {
            serializer_.emplace(nlohmann::detail::output_adapter<char, std::string>(out_), ' ',
                                handler_);
        }
        return *serializer_;
    }

    std::string& out_;
    const Json::error_handler_t handler_;
    std::optional<nlohmann::detail::serializer<Json>> serializer_;
};

}  // namespace

std::string DumpJson(const Json& value, Json::error_handler_t handler) {
    std::string out;
    Writer(out, handler).Value(value);
    return out;
}

}  // namespace mitra::api
