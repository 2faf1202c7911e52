#include "crypto/crypto.hpp"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <sodium.h>

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

TEST(Sha256, KnownVectors) {
    // FIPS 180-2 (Appendix B) and NIST CSRC example values: one block, two blocks, a million
    // bytes, and the empty message.
    EXPECT_EQ(Sha256Hex("abc"),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    EXPECT_EQ(Sha256Hex(std::string(1'000'000, 'a')),
              "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    EXPECT_EQ(Sha256Hex(""),
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Sha256, MatchesLibsodiumOnEveryLengthAndFromManyThreads) {
    // libsodium's own SHA-256 (portable code) is the independent reference: every length from
    // 0 to 600 bytes (each block boundary and padding case), hashed by four threads at once.
    ASSERT_GE(sodium_init(), 0);
    std::vector<std::string> expected;
    std::string message;
    for (int n = 0; n <= 600; ++n) {
        unsigned char digest[crypto_hash_sha256_BYTES];
        crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(message.data()),
                           message.size());
        char hex[crypto_hash_sha256_BYTES * 2 + 1];
        sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
        expected.emplace_back(hex);
        message += static_cast<char>((n * 131 + 7) & 0xFF);
    }
    std::atomic<int> mismatches{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            std::string m;
            for (int n = 0; n <= 600; ++n) {
                if (Sha256Hex(m) != expected[static_cast<std::size_t>(n)]) {
                    ++mismatches;
                }
                m += static_cast<char>((n * 131 + 7) & 0xFF);
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(mismatches.load(), 0);
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
