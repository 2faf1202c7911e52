#include "core/ids.hpp"

#include <gtest/gtest.h>

namespace mitra::core {
namespace {

TEST(Uuid, V7LayoutFromTimeAndRandom) {
    std::array<std::uint8_t, 10> random{};
    random.fill(0xFF);
    // 2026-11-25T00:00:00Z = 1795564800000 ms = 0x01A2_1000_8800 (hand-computed).
    const std::string id = FormatUuidV7(1795564800000LL, random);
    EXPECT_EQ(id.size(), 36u);
    EXPECT_EQ(id.substr(0, 13), "01a21000-8800");
    EXPECT_EQ(id[14], '7');                            // version nibble
    EXPECT_TRUE(id[19] == '8' || id[19] == 'b' || id[19] == '9' || id[19] == 'a');
    EXPECT_TRUE(IsUuid(id));
}

TEST(Uuid, SortsByTime) {
    std::array<std::uint8_t, 10> random{};
    EXPECT_LT(FormatUuidV7(1000, random), FormatUuidV7(1001, random));
}

TEST(Uuid, RejectsMalformed) {
    EXPECT_FALSE(IsUuid(""));
    EXPECT_FALSE(IsUuid("not-a-uuid"));
    EXPECT_FALSE(IsUuid("01a2b9a1-6800-7fff-bfff-ffffffffffffX"));
    EXPECT_FALSE(IsUuid("01a2b9a1x6800-7fff-bfff-ffffffffffff"));
    EXPECT_FALSE(IsUuid("01a2b9a1-6800-7fff-bfff-fffffffffffg"));
    EXPECT_TRUE(IsUuid("01A2B9A1-6800-7FFF-BFFF-FFFFFFFFFFFF"));
}

}  // namespace
}  // namespace mitra::core
