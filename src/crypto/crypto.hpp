#pragma once
// Cryptographic primitives, all from libsodium (and liboath for TOTP): password hashing
// (Argon2id), random tokens, SHA-256, constant-time comparison and RFC 6238 TOTP.
// Thread-safe; call InitCrypto() once at start-up (idempotent).

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/ids.hpp"

namespace mitra::crypto {

void InitCrypto();

/// core::Random backed by libsodium's randombytes_buf.
class SodiumRandom final : public core::Random {
public:
    void Fill(std::span<std::uint8_t> out) override;
};

/// Argon2id cost. kInteractive is libsodium's interactive limit (production default);
/// kMinimum exists so tests can create many accounts quickly (MITRA_PASSWORD_HASH_COST=min).
enum class HashCost { kInteractive, kMinimum };
HashCost HashCostFromEnvironment();

/// Argon2id encoded hash string ("$argon2id$v=19$...").
std::string HashPassword(std::string_view password, HashCost cost);
bool VerifyPassword(const std::string& encoded_hash, std::string_view password);

/// 256 random bits, base64url without padding (43 characters).
std::string NewToken();

/// Lower-case hex SHA-256.
std::string Sha256Hex(std::string_view data);

bool ConstantTimeEquals(std::string_view a, std::string_view b);

/// A new 160-bit TOTP secret, base32 (RFC 4648) without padding.
std::string NewTotpSecret();
/// True if `code` (6 digits) is valid for `secret_base32` at `unix_s`, within ±1 step of 30 s.
bool VerifyTotp(const std::string& secret_base32, std::string_view code, std::int64_t unix_s);
/// The 6-digit code for `unix_s` (tests and enrolment display).
std::string TotpCode(const std::string& secret_base32, std::int64_t unix_s);

}  // namespace mitra::crypto
