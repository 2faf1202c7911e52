#include "http/request.hpp"

#include <gtest/gtest.h>

namespace mitra::http {
namespace {

TEST(PercentDecode, DecodesEscapesAndOptionallyPlus) {
    EXPECT_EQ(PercentDecode("a%20b%2Fc", false), "a b/c");
    EXPECT_EQ(PercentDecode("a+b", false), "a+b");
    EXPECT_EQ(PercentDecode("a+b", true), "a b");
    EXPECT_EQ(PercentDecode("%e2%82%ac", false), "\xE2\x82\xAC");
}

TEST(PercentDecode, RefusesTruncatedOrNonHexEscapes) {
    EXPECT_FALSE(PercentDecode("%", false));
    EXPECT_FALSE(PercentDecode("%2", false));
    EXPECT_FALSE(PercentDecode("a%zz", false));
    EXPECT_FALSE(PercentDecode("%g0", false));
}

TEST(IsValidUtf8, AcceptsWellFormedRefusesMalformed) {
    EXPECT_TRUE(IsValidUtf8("plain"));
    EXPECT_TRUE(IsValidUtf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x92\x8A"));
    EXPECT_FALSE(IsValidUtf8("\xC3"));              // truncated
    EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong '/'
    EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate
    EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
    EXPECT_FALSE(IsValidUtf8("\xFF"));
}

TEST(ParseTarget, SplitsPathAndQuery) {
    const ParsedTarget target = ParseTarget("/api/v1/doses?from=2024-01-01T00%3A00Z&to=&x=a+b&x=c");
    ASSERT_TRUE(target.ok);
    EXPECT_EQ(target.path, "/api/v1/doses");
    EXPECT_EQ(target.query.at("from"), "2024-01-01T00:00Z");
    EXPECT_EQ(target.query.at("to"), "");
    EXPECT_EQ(target.query.at("x"), "c");  // the last one wins
}

TEST(ParseTarget, KeepsTrailingSlashAndEmptyQuery) {
    EXPECT_EQ(ParseTarget("/").path, "/");
    EXPECT_EQ(ParseTarget("/a/").path, "/a/");
    const ParsedTarget target = ParseTarget("/a?");
    ASSERT_TRUE(target.ok);
    EXPECT_TRUE(target.query.empty());
    EXPECT_TRUE(ParseTarget("/a?&&b=1&").ok);
}

TEST(ParseTarget, RefusesBadPathsNamingThePath) {
    for (const char* bad : {"", "*", "http://example.org/", "/%zz", "/a/%", "/..", "/a/../b",
                            "/%2e%2e/x", "/%2E/x", "/./x", "/a%2Fb", "/a%5cb", "/a%00b",
                            "/%C0%AF", "/%FF"}) {
        const ParsedTarget target = ParseTarget(bad);
        EXPECT_FALSE(target.ok) << bad;
        EXPECT_EQ(target.error_field, "path") << bad;
        EXPECT_FALSE(target.error_message.empty()) << bad;
    }
}

TEST(ParseTarget, RefusesBadQueriesNamingTheQuery) {
    for (const char* bad : {"/a?x=%zz", "/a?%=1", "/a?x=%FF", "/a?x=%00"}) {
        const ParsedTarget target = ParseTarget(bad);
        EXPECT_FALSE(target.ok) << bad;
        EXPECT_EQ(target.error_field, "query") << bad;
    }
}

TEST(IsAcceptableRequestId, AllowsShortTokens) {
    EXPECT_TRUE(IsAcceptableRequestId("abc-123_XYZ"));
    EXPECT_TRUE(IsAcceptableRequestId(std::string(64, 'a')));
    EXPECT_FALSE(IsAcceptableRequestId(""));
    EXPECT_FALSE(IsAcceptableRequestId(std::string(65, 'a')));
    EXPECT_FALSE(IsAcceptableRequestId("a b"));
    EXPECT_FALSE(IsAcceptableRequestId("a\"b"));
    EXPECT_FALSE(IsAcceptableRequestId("a\nb"));
}

TEST(MethodLabel, BoundsTheLabelSet) {
    EXPECT_EQ(MethodLabel("GET"), "GET");
    EXPECT_EQ(MethodLabel("PATCH"), "PATCH");
    EXPECT_EQ(MethodLabel("get"), "OTHER");
    EXPECT_EQ(MethodLabel("BREW"), "OTHER");
}

}  // namespace
TEST(AddRequestHeader, LowerCasesNamesAndJoinsRepeatsAsRfc9110Allows) {
    std::map<std::string, std::string> headers;
    AddRequestHeader(headers, "Content-Type", "application/json");
    AddRequestHeader(headers, "X-Forwarded-For", "10.0.0.1");
    AddRequestHeader(headers, "x-forwarded-for", "10.0.0.2");
    AddRequestHeader(headers, "Cookie", "a=1");
    AddRequestHeader(headers, "COOKIE", "b=2");
    EXPECT_EQ(headers.at("content-type"), "application/json");
    EXPECT_EQ(headers.at("x-forwarded-for"), "10.0.0.1, 10.0.0.2");
    EXPECT_EQ(headers.at("cookie"), "a=1; b=2");
    EXPECT_EQ(headers.size(), 3u);
}

}  // namespace mitra::http
