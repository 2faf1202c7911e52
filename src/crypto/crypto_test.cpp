#include "crypto/crypto.hpp"

#include <gtest/gtest.h>

namespace mitra::crypto {
namespace {

TEST(Password, Argon2idRoundTrip) {
    const std::string hash = HashPassword("correct horse", HashCost::kMinimum);
    EXPECT_EQ(hash.rfind("$argon2id$", 0), 0u);
    EXPECT_TRUE(VerifyPassword(hash, "correct horse"));
    EXPECT_FALSE(VerifyPassword(hash, "correct horsf"));
    EXPECT_FALSE(VerifyPassword("", "x"));
}

TEST(Token, Is256BitsBase64Url) {
    const std::string a = NewToken();
    EXPECT_EQ(a.size(), 43u);
    EXPECT_NE(a, NewToken());
    EXPECT_EQ(a.find_first_not_of(
                  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
              std::string::npos);
}

TEST(Sha256, KnownVector) {
    // FIPS 180-2 test vector for "abc".
    EXPECT_EQ(Sha256Hex("abc"),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Totp, Rfc6238Vector) {
    // RFC 6238 Appendix B, SHA-1 secret "12345678901234567890" (base32 below), T = 59 s:
    // 8-digit code 94287082, so the 6-digit code is 287082.
    const std::string secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
    EXPECT_EQ(TotpCode(secret, 59), "287082");
    EXPECT_TRUE(VerifyTotp(secret, "287082", 59));
    EXPECT_TRUE(VerifyTotp(secret, "287082", 59 + 30));  // one step of drift allowed
    EXPECT_FALSE(VerifyTotp(secret, "287082", 59 + 120));
    EXPECT_FALSE(VerifyTotp(secret, "28708", 59));
    EXPECT_FALSE(VerifyTotp(secret, "abcdef", 59));
    const std::string fresh = NewTotpSecret();
    EXPECT_TRUE(VerifyTotp(fresh, TotpCode(fresh, 1000), 1000));
}

}  // namespace
}  // namespace mitra::crypto
