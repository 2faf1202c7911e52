#pragma once
// Identifiers and the injected sources of time and randomness.
//
// Every row id in mitra is a UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then random
// bits, so ids sort by creation time. Clock and Random are ports so that tests are
// deterministic; the production Random lives in crypto/ (libsodium).

#include <array>
#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace mitra::core {

/// Wall-clock time source. Implementations must be thread-safe.
class Clock {
public:
    virtual ~Clock() = default;
    /// Milliseconds since the Unix epoch, UTC.
    virtual std::int64_t NowMs() const = 0;
};

class SystemClock final : public Clock {
public:
    std::int64_t NowMs() const override;
};

/// A clock tests move by hand.
class ManualClock final : public Clock {
public:
    explicit ManualClock(std::int64_t now_ms) : now_ms_(now_ms) {}
    std::int64_t NowMs() const override { return now_ms_; }
    void Set(std::int64_t now_ms) { now_ms_ = now_ms; }
    void Advance(std::int64_t delta_ms) { now_ms_ += delta_ms; }

private:
    std::int64_t now_ms_;
};

/// Source of unpredictable bytes. Implementations must be thread-safe.
class Random {
public:
    virtual ~Random() = default;
    virtual void Fill(std::span<std::uint8_t> out) = 0;
};

/// Formats a UUIDv7 from a millisecond timestamp and 10 random bytes (version and variant
/// bits are overwritten). Lower-case, hyphenated, 36 characters.
std::string FormatUuidV7(std::int64_t unix_ms, const std::array<std::uint8_t, 10>& random);

/// A new UUIDv7 from the clock and the random source.
std::string NewId(const Clock& clock, Random& random);

/// True for a canonical, hyphenated UUID of any version (case-insensitive hex).
bool IsUuid(std::string_view text) noexcept;

}  // namespace mitra::core
