// Tool and response schemas for Gemini: functionDeclarations[].parameters and responseSchema take
// an OpenAPI 3.0 subset and reject the whole request on any keyword outside it ("Unknown name
// \"const\" ... Cannot find field", "additionalProperties"), so JSON Schema from other clients is
// cut down here (PROTOCOLS.md §6.5; same keep-list as musistudio/llms gemini.util.ts).
#include "core/translate/gemini/internal.hpp"

#include <algorithm>
#include <cctype>
#include <set>

namespace llmgw::core::translate::gemini::detail {
namespace {

// Nested $ref expansions along one path; deeper (recursive schemas) becomes a plain object.
constexpr int k_max_ref_depth = 8;
// How much one schema may grow through $refs, in bytes of the definitions inlined. A definition
// whose properties all refer back to it would otherwise expand to (its properties)^k_max_ref_depth
// copies: ten properties, 10^8 copies from a request of a few hundred bytes. Past this budget a
// $ref becomes a plain object too.
constexpr size_t k_max_inlined_bytes = 256 * 1024;

const std::set<std::string> k_copied = {"title",         "description",   "nullable",  "maxItems",  "minItems",
                                        "minProperties", "maxProperties", "minLength", "maxLength", "pattern",
                                        "example",       "default",       "minimum",   "maximum",   "propertyOrdering"};

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

// A local reference ("#/$defs/X", "#/definitions/X", any "#/..." pointer) in the root schema.
const json* resolve_ref(const json& root, const std::string& ref) {
  if (ref.rfind("#/", 0) != 0) return nullptr;
  try {
    const json& target = root.at(json::json_pointer(ref.substr(1)));
    return target.is_object() ? &target : nullptr;
  } catch (const json::exception&) {
    return nullptr;
  }
}

// One schema being sanitised: its root, which local $refs point into, and the inlining budget left.
struct Walk {
  const json& root;
  size_t inline_bytes_left = k_max_inlined_bytes;

  // Takes the size of a definition about to be inlined from the budget; false when it does not fit.
  bool afford(const json& target) {
    const size_t size = dump(target).size();
    if (size > inline_bytes_left) return false;
    inline_bytes_left -= size;
    return true;
  }
};

json sanitise_node(const json& node, Walk& walk, int depth);

// The referenced schema with the referring node's own keywords (description, ...) laid over it.
json inline_reference(const json& node, const json& target, Walk& walk, int depth) {
  json merged = target;
  for (const auto& [key, value] : node.items())
    if (key != "$ref" && key != "allOf") merged[key] = value;
  return sanitise_node(merged, walk, depth + 1);
}

// "type": "string" | ["string", "null"] | ["string", "integer"]. Gemini has no null type.
void copy_type(const json& node, json& out) {
  const json& type = member(node, "type");
  std::vector<std::string> kinds;
  if (type.is_string()) kinds.push_back(lower(type.get<std::string>()));
  if (type.is_array())
    for (const auto& item : type)
      if (item.is_string()) kinds.push_back(lower(item.get<std::string>()));
  auto null_it = std::find(kinds.begin(), kinds.end(), "null");
  if (null_it != kinds.end()) {
    out["nullable"] = true;
    kinds.erase(null_it);
  }
  if (kinds.size() == 1) out["type"] = kinds.front();
  if (kinds.size() > 1) {
    out["anyOf"] = json::array();
    for (const auto& kind : kinds) out["anyOf"].push_back({{"type", kind}});
  }
}

// Gemini documents only "enum" and "date-time" for strings and the proto number formats.
void copy_format(const json& node, json& out) {
  std::string format = string_member(node, "format");
  std::string type = string_member(out, "type");
  bool keep = (type == "string" && (format == "enum" || format == "date-time")) ||
              ((type == "integer" || type == "number") &&
               (format == "int32" || format == "int64" || format == "float" || format == "double"));
  if (keep) out["format"] = format;
}

// enum only on strings; a null member makes the schema nullable instead.
void copy_enum(const json& node, json& out) {
  const json& values = member(node, "enum");
  if (!values.is_array()) return;
  json kept = json::array();
  for (const auto& value : values) {
    if (value.is_null()) continue;
    if (!value.is_string()) return;
    kept.push_back(value);
  }
  if (kept.empty()) return;
  if (!out.contains("type")) out["type"] = "string";
  if (out["type"] != "string") return;
  if (kept.size() < values.size()) out["nullable"] = true;
  out["enum"] = kept;
}

void copy_properties(const json& node, json& out, Walk& walk, int depth) {
  const json& properties = member(node, "properties");
  if (!properties.is_object()) return;
  out["properties"] = json::object();
  for (const auto& [name, schema] : properties.items()) out["properties"][name] = sanitise_node(schema, walk, depth);
  json required = json::array();
  for (const auto& name : member(node, "required"))
    if (name.is_string() && properties.contains(name.get<std::string>())) required.push_back(name);
  if (!required.empty()) out["required"] = required;
}

// anyOf (or oneOf, its nearest kept relative) without its {"type":"null"} members, which become
// nullable; a single remaining member is folded into the node.
void copy_any_of(const json& node, json& out, Walk& walk, int depth) {
  const json* options = &member(node, "anyOf");
  if (!options->is_array()) options = &member(node, "oneOf");
  if (!options->is_array()) return;
  json kept = json::array();
  for (const auto& option : *options) {
    if (member(option, "type") == "null") {
      out["nullable"] = true;
      continue;
    }
    kept.push_back(sanitise_node(option, walk, depth));
  }
  if (kept.size() == 1 && !out.contains("type")) {
    for (const auto& [key, value] : kept.front().items())
      if (!out.contains(key)) out[key] = value;
  } else if (!kept.empty()) {
    out["anyOf"] = kept;
  }
}

void copy_items(const json& node, json& out, Walk& walk, int depth) {
  const json& items = member(node, "items");
  if (items.is_object()) out["items"] = sanitise_node(items, walk, depth);
  // Gemini rejects an array without items ("items: missing field"); strings are the safest guess.
  if (string_member(out, "type") == "array" && !out.contains("items")) out["items"] = {{"type", "string"}};
}

json sanitise_node(const json& node, Walk& walk, int depth) {
  if (!node.is_object()) return json::object();
  const json& all_of = member(node, "allOf");
  const json* target = nullptr;
  if (const json& ref = member(node, "$ref"); ref.is_string()) {
    target = resolve_ref(walk.root, ref.get<std::string>());
    if (target == nullptr || depth >= k_max_ref_depth || !walk.afford(*target)) {
      json out{{"type", "object"}};
      if (node.contains("description")) out["description"] = node["description"];
      return out;
    }
  } else if (all_of.is_array() && all_of.size() == 1 && all_of[0].is_object()) {
    target = &all_of[0]; // pydantic wraps a described $ref as allOf: [{$ref}]
  }
  if (target != nullptr) return inline_reference(node, *target, walk, depth);

  json out = json::object();
  copy_type(node, out);
  for (const auto& [key, value] : node.items())
    if (k_copied.count(key) != 0 && !out.contains(key)) out[key] = value;
  copy_format(node, out);
  copy_enum(node, out);
  copy_properties(node, out, walk, depth);
  copy_any_of(node, out, walk, depth);
  copy_items(node, out, walk, depth);
  return out;
}

} // namespace

json sanitise_schema(const json& schema) {
  Walk walk{schema};
  return sanitise_node(schema, walk, 0);
}

json lowercase_schema_types(const json& schema) {
  if (schema.is_array()) {
    json out = json::array();
    for (const auto& item : schema) out.push_back(lowercase_schema_types(item));
    return out;
  }
  if (!schema.is_object()) return schema;
  json out = json::object();
  for (const auto& [key, value] : schema.items()) {
    if (key == "type" && value.is_string())
      out[key] = lower(value.get<std::string>());
    else if (key == "properties" && value.is_object()) {
      out[key] = json::object();
      for (const auto& [name, inner] : value.items()) out[key][name] = lowercase_schema_types(inner);
    } else if (key == "items" || key == "anyOf")
      out[key] = lowercase_schema_types(value);
    else
      out[key] = value;
  }
  return out;
}

} // namespace llmgw::core::translate::gemini::detail
