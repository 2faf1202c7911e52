#include "core/ids.hpp"

#include <cctype>

namespace mitra::core {

std::int64_t SystemClock::NowMs() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string FormatUuidV7(std::int64_t unix_ms, const std::array<std::uint8_t, 10>& random) {
    std::array<std::uint8_t, 16> bytes{};
    const auto ms = static_cast<std::uint64_t>(unix_ms);
    for (int byte_idx = 0; byte_idx < 6; ++byte_idx) {
        bytes[static_cast<std::size_t>(byte_idx)] =
            static_cast<std::uint8_t>(ms >> (8 * (5 - byte_idx)));
    }
    for (std::size_t i = 0; i < 10; ++i) {
        bytes[6 + i] = random[i];
    }
    bytes[6] = static_cast<std::uint8_t>((bytes[6] & 0x0F) | 0x70);  // version 7
    bytes[8] = static_cast<std::uint8_t>((bytes[8] & 0x3F) | 0x80);  // RFC 9562 variant
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(36);
    for (std::size_t i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            out.push_back('-');
        }
        out.push_back(kHex[bytes[i] >> 4]);
        out.push_back(kHex[bytes[i] & 0x0F]);
    }
    return out;
}

std::string NewId(const Clock& clock, Random& random) {
    std::array<std::uint8_t, 10> bytes{};
    random.Fill(bytes);
    return FormatUuidV7(clock.NowMs(), bytes);
}

bool IsUuid(std::string_view text) noexcept {
    if (text.size() != 36) {
        return false;
    }
    for (std::size_t i = 0; i < text.size(); ++i) {
        const bool dash_pos = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash_pos) {
            if (text[i] != '-') {
                return false;
            }
        } else if (!std::isxdigit(static_cast<unsigned char>(text[i]))) {
            return false;
        }
    }
    return true;
}

}  // namespace mitra::core
