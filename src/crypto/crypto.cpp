#include "crypto/crypto.hpp"

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <vector>

#include <liboath/oath.h>
#include <sodium.h>

#include "core/error.hpp"

namespace mitra::crypto {
namespace {

constexpr unsigned kTotpDigits = 6;
constexpr unsigned kTotpStepS = 30;

std::vector<char> DecodeBase32(const std::string& secret) {
    char* out = nullptr;
    size_t out_len = 0;
    if (oath_base32_decode(secret.data(), secret.size(), &out, &out_len) != OATH_OK) {
        return {};
    }
    std::vector<char> bytes(out, out + out_len);
    std::free(out);
    return bytes;
}

}  // namespace

void InitCrypto() {
    static std::once_flag once;
    std::call_once(once, [] {
        if (sodium_init() < 0) {
            throw InternalError("libsodium failed to initialise");
        }
        if (oath_init() != OATH_OK) {
            throw InternalError("liboath failed to initialise");
        }
    });
}

void SodiumRandom::Fill(std::span<std::uint8_t> out) { randombytes_buf(out.data(), out.size()); }

HashCost HashCostFromEnvironment() {
    const char* env = std::getenv("MITRA_PASSWORD_HASH_COST");
    return env != nullptr && std::strcmp(env, "min") == 0 ? HashCost::kMinimum
                                                          : HashCost::kInteractive;
}

std::string HashPassword(std::string_view password, HashCost cost) {
    InitCrypto();
    char out[crypto_pwhash_STRBYTES];
    const unsigned long long ops = cost == HashCost::kInteractive
                                       ? crypto_pwhash_OPSLIMIT_INTERACTIVE
                                       : crypto_pwhash_OPSLIMIT_MIN;
    const size_t mem = cost == HashCost::kInteractive ? crypto_pwhash_MEMLIMIT_INTERACTIVE
                                                      : crypto_pwhash_MEMLIMIT_MIN;
    if (crypto_pwhash_str_alg(out, password.data(), password.size(), ops, mem,
                              crypto_pwhash_ALG_ARGON2ID13) != 0) {
        throw InternalError("password hashing ran out of memory");
    }
    return out;
}

bool VerifyPassword(const std::string& encoded_hash, std::string_view password) {
    InitCrypto();
    if (encoded_hash.empty()) {
        return false;
    }
    return crypto_pwhash_str_verify(encoded_hash.c_str(), password.data(), password.size()) == 0;
}

std::string NewToken() {
    InitCrypto();
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    char out[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
    sodium_bin2base64(out, sizeof out, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return out;
}

std::string Sha256Hex(std::string_view data) {
    InitCrypto();
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(data.data()), data.size());
    char hex[crypto_hash_sha256_BYTES * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    return hex;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string NewTotpSecret() {
    InitCrypto();
    char raw[20];
    randombytes_buf(raw, sizeof raw);
    char* out = nullptr;
    size_t out_len = 0;
    if (oath_base32_encode(raw, sizeof raw, &out, &out_len) != OATH_OK) {
        throw InternalError("TOTP secret encoding failed");
    }
    std::string secret(out, out_len);
    std::free(out);
    while (!secret.empty() && secret.back() == '=') {
        secret.pop_back();
    }
    return secret;
}

bool VerifyTotp(const std::string& secret_base32, std::string_view code, std::int64_t unix_s) {
    InitCrypto();
    if (code.size() != kTotpDigits) {
        return false;
    }
    for (char c : code) {
        if (c < '0' || c > '9') {
            return false;
        }
    }
    const std::vector<char> key = DecodeBase32(secret_base32);
    if (key.empty()) {
        return false;
    }
    const std::string code_z(code);
    const int rc = oath_totp_validate(key.data(), key.size(), static_cast<time_t>(unix_s),
                                      kTotpStepS, 0, 1, code_z.c_str());
    return rc >= 0;
}

std::string TotpCode(const std::string& secret_base32, std::int64_t unix_s) {
    InitCrypto();
    const std::vector<char> key = DecodeBase32(secret_base32);
    char out[kTotpDigits + 1] = {};
    if (key.empty() || oath_totp_generate(key.data(), key.size(), static_cast<time_t>(unix_s),
                                          kTotpStepS, 0, kTotpDigits, out) != OATH_OK) {
        throw InternalError("TOTP generation failed");
    }
    return out;
}

}  // namespace mitra::crypto
