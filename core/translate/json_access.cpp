#include "core/translate/json_access.hpp"

#include <algorithm>
#include <limits>

namespace llmgw::core::translate {

using nlohmann::json;

const json& member(const json& object, const char* key) {
  static const json k_null;
  if (!object.is_object()) return k_null;
  auto it = object.find(key);
  return it == object.end() ? k_null : *it;
}

std::string string_member(const json& object, const char* key) {
  const json& value = member(object, key);
  return value.is_string() ? value.get<std::string>() : std::string();
}

const json& elements(const json& value) {
  static const json k_empty = json::array();
  return value.is_array() ? value : k_empty;
}

std::optional<int64_t> integer_member(const json& object, const char* key) {
  const json& value = member(object, key);
  if (value.is_number_unsigned())
    return static_cast<int64_t>(std::min<uint64_t>(value.get<uint64_t>(), std::numeric_limits<int64_t>::max()));
  if (value.is_number_integer()) return value.get<int64_t>();
  if (!value.is_number_float()) return std::nullopt;
  const double number = value.get<double>();
  // Converting a double outside int64 is undefined behaviour: refuse it (NaN fails both tests).
  if (!(number >= -9.0e18 && number <= 9.0e18)) return std::nullopt;
  return static_cast<int64_t>(number);
}

std::optional<double> number_member(const json& object, const char* key) {
  const json& value = member(object, key);
  if (!value.is_number()) return std::nullopt;
  return value.get<double>();
}

} // namespace llmgw::core::translate
