#include "http/static_files.hpp"

#include <unistd.h>

#include <fstream>

#include <gtest/gtest.h>

namespace mitra::http {
namespace {

namespace fs = std::filesystem;

class StaticFilesTest : public ::testing::Test {
protected:
    void SetUp() override {
        base_ = fs::temp_directory_path() / ("mitra_static_files_" + std::to_string(::getpid()));
        fs::remove_all(base_);
        fs::create_directories(base_ / "www" / "assets");
        fs::create_directories(base_ / "www" / "docs");
        std::ofstream(base_ / "www" / "index.html") << "index";
        std::ofstream(base_ / "www" / "docs" / "index.html") << "docs";
        std::ofstream(base_ / "www" / "assets" / "a.js") << "js";
        std::ofstream(base_ / "outside.txt") << "secret";
        fs::create_symlink(base_ / "outside.txt", base_ / "www" / "escape.txt");
        fs::create_symlink(base_ / "www" / "assets" / "a.js", base_ / "www" / "inside.js");
        root_ = fs::canonical(base_ / "www");
    }
    void TearDown() override { fs::remove_all(base_); }

    fs::path base_;
    fs::path root_;
};

TEST_F(StaticFilesTest, ResolvesFilesAndDirectoryIndexes) {
    EXPECT_EQ(ResolveStaticPath(root_, "/"), root_ / "index.html");
    EXPECT_EQ(ResolveStaticPath(root_, "/docs"), root_ / "docs" / "index.html");
    EXPECT_EQ(ResolveStaticPath(root_, "/docs/"), root_ / "docs" / "index.html");
    EXPECT_EQ(ResolveStaticPath(root_, "/assets/a.js"), root_ / "assets" / "a.js");
    EXPECT_EQ(ResolveStaticPath(root_, "//assets//a.js"), root_ / "assets" / "a.js");
    EXPECT_EQ(ResolveStaticPath(root_, "/inside.js"), root_ / "assets" / "a.js");
}

TEST_F(StaticFilesTest, NeverLeavesTheRoot) {
    EXPECT_FALSE(ResolveStaticPath(root_, "/../outside.txt"));
    EXPECT_FALSE(ResolveStaticPath(root_, "/assets/../../outside.txt"));
    EXPECT_FALSE(ResolveStaticPath(root_, "/./index.html"));
    EXPECT_FALSE(ResolveStaticPath(root_, "/escape.txt"));  // symlink out of the root
    EXPECT_FALSE(ResolveStaticPath(root_, "/..\\outside.txt"));
    EXPECT_FALSE(ResolveStaticPath(root_, std::string_view("/index.html\0x", 13)));
    EXPECT_FALSE(ResolveStaticPath(root_, "relative"));
    EXPECT_FALSE(ResolveStaticPath(root_, "/missing.js"));
    EXPECT_FALSE(ResolveStaticPath(root_, "/assets"));  // a folder without index.html
}

TEST(ContentTypeFor, KnowsWebTypes) {
    EXPECT_EQ(ContentTypeFor("a/index.html"), "text/html; charset=utf-8");
    EXPECT_EQ(ContentTypeFor("app.JS"), "text/javascript; charset=utf-8");
    EXPECT_EQ(ContentTypeFor("x.css"), "text/css; charset=utf-8");
    EXPECT_EQ(ContentTypeFor("x.svg"), "image/svg+xml");
    EXPECT_EQ(ContentTypeFor("x.woff2"), "font/woff2");
    EXPECT_EQ(ContentTypeFor("x.webmanifest"), "application/manifest+json");
    EXPECT_EQ(ContentTypeFor("x.unknown"), "application/octet-stream");
    EXPECT_EQ(ContentTypeFor("noextension"), "application/octet-stream");
}

TEST(IsClientRoute, LastSegmentWithoutDot) {
    EXPECT_TRUE(IsClientRoute("/patients/0190a3f4"));
    EXPECT_TRUE(IsClientRoute("/"));
    EXPECT_FALSE(IsClientRoute("/assets/app.js"));
    EXPECT_FALSE(IsClientRoute("/favicon.ico"));
}

TEST(CacheControlFor, AssetsAreImmutable) {
    EXPECT_EQ(CacheControlFor("/assets/app-1.js"), "public, max-age=31536000, immutable");
    EXPECT_EQ(CacheControlFor("/index.html"), "no-cache");
}

}  // namespace
}  // namespace mitra::http
