#pragma once
// The scalar keys of config.toml (default_provider and every [server], [routing] and [caps] key),
// each defined once: the TOML layer, the LLMGW_* variables, the flags, `llmgw config show` and
// the starter `llmgw init` writes all read this table.
#include "core/config/config.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace llmgw::core::config {

enum class KeyType { integer, boolean, text, choice, list };

// One value of a key: `number` for integers (in the key's unit, e.g. MiB), `flag` for booleans,
// `text` for text and choice keys, and for lists the items joined by commas ("a.example,b.example").
struct KeyValue {
  int64_t number = 0;
  bool flag = false;
  std::string text;
};

// Type, built-in default and allowed values of a key.
struct KeyShape {
  KeyType type = KeyType::integer;
  int64_t default_number = 0;
  bool default_flag = false;
  std::string_view default_text;
  int64_t min = 0, max = 0;                  // integer: inclusive range; text: min 1 = not empty
  std::span<const std::string_view> choices; // choice: the words allowed
  std::string_view range_hint;               // said after the range in env and flag errors
};

constexpr KeyShape integer_key(int64_t fallback, int64_t min, int64_t max, std::string_view hint = {}) {
  return {KeyType::integer, fallback, false, {}, min, max, {}, hint};
}
constexpr KeyShape boolean_key(bool fallback) { return {KeyType::boolean, 0, fallback, {}, 0, 0, {}, {}}; }
constexpr KeyShape text_key(std::string_view fallback, bool allow_empty) {
  return {KeyType::text, 0, false, fallback, allow_empty ? 0 : 1, 0, {}, {}};
}
// A list of host names: an array of strings in the file, comma-separated in env vars.
constexpr KeyShape list_key() { return {KeyType::list, 0, false, {}, 0, 0, {}, {}}; }
constexpr KeyShape choice_key(std::string_view fallback, std::span<const std::string_view> words) {
  return {KeyType::choice, 0, false, fallback, 0, 0, words, {}};
}

// How a key maps onto the typed Config: write a value in, read it back (for `config show`).
struct KeyAccess {
  void (*write)(Config&, const KeyValue&) = nullptr;
  KeyValue (*read)(const Config&) = nullptr;
};

struct ConfigKey {
  std::string_view section; // "server", "routing", "caps"; "" = the top level
  std::string_view name;    // "port"
  KeyShape shape;
  std::string_view env;  // "LLMGW_PORT"; "" = none
  std::string_view flag; // "--port" (of `llmgw serve`); "" = none
  std::string_view doc;  // a sentence or two: the starter config and the README say this
  KeyAccess access;
  std::string_view example = {}; // shown in the starter instead of the default (a computed default)

  // "server.port"; just the name at the top level.
  std::string dotted() const;
  // The built-in default as a value.
  KeyValue default_value() const;
};

// Every scalar key, top-level keys first, then by section in file order.
std::span<const ConfigKey> config_keys();
// The key with this dotted name, nullptr if none.
const ConfigKey* find_config_key(std::string_view dotted);
// The names of the keys of `section`, for "did you mean" hints.
std::vector<std::string_view> config_key_names(std::string_view section);

// The value as `config show` prints it: "8787", "true", "127.0.0.1".
std::string format_key_value(const ConfigKey& key, const KeyValue& value);
// As TOML spells it: text and choices quoted ("\"refuse\""), numbers and booleans bare.
std::string toml_key_value(const ConfigKey& key, const KeyValue& value);
// The words of a choice key as messages list them: "\"refuse\" or \"allow\"".
std::string describe_choices(const ConfigKey& key);
// Stores `value` in `config` and records what it became and where it came from.
void apply_key(Config& config, const ConfigKey& key, const KeyValue& value, const std::string& origin);
// The items of a list value (its text split at commas, blanks trimmed, empty items dropped).
std::vector<std::string> split_list(const std::string& text);
// A host name as server.hosts keeps it (lowercase, an IPv6 literal in brackets); nullopt with the
// reason in `problem` when it is not a bare host name (a port, a path, a wildcard).
std::optional<std::string> normalize_host(std::string_view name, std::string& problem);
// The host names checked and normalised, joined by commas; errors start with `where`.
std::string host_list_text(const std::vector<std::string>& names, const std::string& where);
// Parses an env var or flag value of `key`; errors start with `origin` ("env LLMGW_PORT").
KeyValue parse_key_text(const ConfigKey& key, const std::string& text, const std::string& origin);

} // namespace llmgw::core::config
