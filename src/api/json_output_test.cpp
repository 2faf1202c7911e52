#include "api/json_output.hpp"

#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <string>

#include <gtest/gtest.h>

namespace mitra::api {
namespace {

using Json = nlohmann::json;

// The reference is nlohmann's own dump(-1, ' ', false, handler): DumpJson must write the same
// bytes, or throw the same error.
std::string Reference(const Json& value, Json::error_handler_t handler) {
    return value.dump(-1, ' ', false, handler);
}

TEST(DumpJson, WritesWhatNlohmannWritesForKnownCases) {
    const Json doc = Json::parse(R"({"b":[1,-2,3.5,1.0,1e300,-0.0,true,false,null,{}],"a":"x",
        "e":[],"s":"quote \" backslash \\ slash / tab \t nl \n cr \r ff \f bs \b nul \u0000 us \u001f del \u007f",
        "u":"19.48 ± 0.81 mg/g; 1 g × 3.9–62.1 mg; 😀","big":18446744073709551615,"neg":-9223372036854775808})");
    EXPECT_EQ(DumpJson(doc), Reference(doc, Json::error_handler_t::strict));
    EXPECT_EQ(DumpJson(Json(std::numeric_limits<double>::quiet_NaN())), "null");
    EXPECT_EQ(DumpJson(Json(std::numeric_limits<double>::infinity())), "null");
    EXPECT_EQ(DumpJson(Json::object()), "{}");
    EXPECT_EQ(DumpJson(Json("é")), "\"é\"");
    EXPECT_EQ(DumpJson(Json(std::string("a\x01z"))), "\"a\\u0001z\"");
}

TEST(DumpJson, InvalidUtf8FollowsTheHandler) {
    for (const std::string& bad : {std::string("\xff"), std::string("ok \xc3"),
                                  std::string("\xc0\xaf"), std::string("\xed\xa0\x80"),
                                  std::string("\xf4\x90\x80\x80"), std::string("a\x80z")}) {
        const Json doc = {{"k", bad}, {bad, 1}};
        EXPECT_THROW(DumpJson(doc), Json::type_error);
        EXPECT_THROW(DumpJson(doc, Json::error_handler_t::strict), Json::type_error);
        for (const auto handler : {Json::error_handler_t::replace, Json::error_handler_t::ignore}) {
            EXPECT_EQ(DumpJson(doc, handler), Reference(doc, handler));
        }
    }
}

// Random documents: nested objects and arrays of random strings (ASCII, control characters,
// quotes, multi-byte UTF-8, and now and then an invalid byte), integers and doubles.
class RandomJson {
public:
    explicit RandomJson(std::uint64_t seed) : random_(seed) {}

    Json Document(int depth) {
        switch (Pick(depth > 0 ? 9 : 6)) {
            case 0: return nullptr;
            case 1: return Pick(2) == 0;
            case 2: return static_cast<std::int64_t>(random_()) >> Pick(63);
            case 3: return static_cast<std::uint64_t>(random_());
            case 4: return Double();
            case 5: return Text();
            case 6:
            case 7: {
                Json object = Json::object();
                for (int i = Pick(6); i > 0; --i) {
                    object[Text()] = Document(depth - 1);
                }
                return object;
            }
            default: {
                Json array = Json::array();
                for (int i = Pick(6); i > 0; --i) {
                    array.push_back(Document(depth - 1));
                }
                return array;
            }
        }
    }

    bool Invalid() const { return invalid_; }

private:
    int Pick(int n) { return static_cast<int>(random_() % static_cast<std::uint64_t>(n)); }

    double Double() {
        switch (Pick(5)) {
            case 0: return static_cast<double>(Pick(1000));  // prints as 12.0
            case 1: return std::ldexp(static_cast<double>(random_()), Pick(200) - 100);
            case 2: return -std::ldexp(static_cast<double>(random_() >> 11), -53);
            case 3: return Pick(100) / 100.0;
            default: return std::bit_cast<double>(random_());  // anything, NaN included
        }
    }

    std::string Text() {
        static const char* const kPieces[] = {"a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\b", "\f", "\r",
                                              "\x01", "\x1f", "\x7f", "é", "±", "×", "–",
                                              "😀", "mg/g", "K51 'Yellow'",
                                              "Kruegel et al. 2016, J Am Chem Soc 138:6754",
                                              "0123456789abcdefghijklmnopqrstuvwxyz"};
        std::string text;
        for (int i = Pick(12); i > 0; --i) {
            if (Pick(200) == 0) {
                text += static_cast<char>(0x80 + Pick(0x80));  // a stray byte: invalid UTF-8
                invalid_ = true;
            } else {
                text += kPieces[Pick(static_cast<int>(std::size(kPieces)))];
            }
        }
        return text;
    }

    std::mt19937_64 random_;
    bool invalid_ = false;
};

TEST(DumpJson, WritesWhatNlohmannWritesForRandomDocuments) {
    int invalid = 0;
    for (std::uint64_t seed = 1; seed <= 3000; ++seed) {
        RandomJson make(seed);
        const Json doc = make.Document(4);
        for (const auto handler : {Json::error_handler_t::replace, Json::error_handler_t::ignore,
                                   Json::error_handler_t::strict}) {
            if (handler == Json::error_handler_t::strict && make.Invalid()) {
                EXPECT_THROW(DumpJson(doc, handler), Json::type_error) << seed;
                continue;
            }
            ASSERT_EQ(DumpJson(doc, handler), Reference(doc, handler)) << "seed " << seed;
        }
        invalid += make.Invalid() ? 1 : 0;
    }
    EXPECT_GT(invalid, 50);  // the invalid-UTF-8 path was exercised
}

}  // namespace
}  // namespace mitra::api
