#pragma once
// Type-checked reading of a parsed JSON document, shared by every codec: a member that is absent
// or of another type reads as absent (null, "", nullopt, no elements). The codecs read documents
// only through these, never through nlohmann's throwing accessors (get<> of the wrong type,
// value(), at(), operator[] on a const value), so malformed input never raises anything but
// TranslateError.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace llmgw::core::translate {

// The member `key` of object, or null when object is not an object or lacks it.
const nlohmann::json& member(const nlohmann::json& object, const char* key);
// The member as a string, or "" when it is not a string.
std::string string_member(const nlohmann::json& object, const char* key);
// The elements of value to loop over: value itself when it is an array, else an empty array.
const nlohmann::json& elements(const nlohmann::json& value);
// An integer member: integers as they are (beyond int64 clamped), whole-valued floats cut;
// nullopt when not a number or a float out of the int64 range.
std::optional<int64_t> integer_member(const nlohmann::json& object, const char* key);
// A number member, or nullopt.
std::optional<double> number_member(const nlohmann::json& object, const char* key);

} // namespace llmgw::core::translate
