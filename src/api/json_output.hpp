#pragma once
// JSON text for answers and stored documents, written faster than nlohmann::json::dump.
//
// DumpJson(value, handler) returns exactly what value.dump(-1, ' ', false, handler) returns,
// byte for byte (json_output_test.cpp checks this on random documents). The difference is
// speed: nlohmann runs every byte of every string through a UTF-8 decoder, which was most of a
// dose write's JSON cost (its derivation carries long citation texts). Here a string is read
// once: plain ASCII is skipped eight bytes at a time, a multi-byte UTF-8 sequence is checked where
// it starts, and the text is copied in runs between the bytes that need escaping; a string
// that is not valid UTF-8 (which input validation never lets in) and every floating-point number
// are written by nlohmann itself, so the handler's rules (throw, replace, ignore) and number
// formatting stay nlohmann's own. Stateless; safe from any thread.

#include <string>

#include <nlohmann/json.hpp>

namespace mitra::api {

std::string DumpJson(const nlohmann::json& value,
                     nlohmann::json::error_handler_t handler =
                         nlohmann::json::error_handler_t::strict);

}  // namespace mitra::api
