#include "api/json_output.hpp"

#include <charconv>
#include <cstdint>
#include <memory>
#include <optional>

namespace mitra::api {
namespace {

using Json = nlohmann::json;

/// Well-formed UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing past U+10FFFF.
/// The same language nlohmann's decoder accepts.
bool ValidUtf8(const std::string& text) {
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    std::size_t i = 0;
    while (i < n) {
        const unsigned c = p[i];
        if (c < 0x80) {
            ++i;
            continue;
        }
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
            return false;
        }
        if (n - i < length) {
            return false;
        }
        for (std::size_t k = 1; k < length; ++k) {
            const unsigned next = p[i + k];
            if ((next & 0xC0) != 0x80) {
                return false;
            }
            code = (code << 6) | (next & 0x3F);
        }
        if ((length == 3 && (code < 0x800 || (code >= 0xD800 && code <= 0xDFFF))) ||
            (length == 4 && (code < 0x10000 || code > 0x10FFFF))) {
            return false;
        }
        i += length;
    }
    return true;
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

    void String(const std::string& text) {
        if (!ValidUtf8(text)) {
            Nlohmann().dump(Json(text), false, false, 0);  // throws, replaces or drops
            return;
        }
        out_ += '"';
        const char* run = text.data();
        const char* const end = text.data() + text.size();
        for (const char* p = run; p != end; ++p) {
            const auto c = static_cast<unsigned char>(*p);
            if (c >= 0x20 && c != '"' && c != '\\') {
                continue;
            }
            out_.append(run, p);
            run = p + 1;
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
        out_.append(run, end);
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
