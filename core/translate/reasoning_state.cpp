#include "core/translate/reasoning_state.hpp"

#include <cstring>
#include <list>
#include <mutex>
#include <unordered_map>

namespace llmgw::core::translate {
namespace {

constexpr std::string_view k_prefix = "llmgw1.";
constexpr size_t k_max_remembered = 8192;

Issuer issuer_named(std::string_view name) {
  if (name == "anthropic") return Issuer::anthropic;
  if (name == "openai") return Issuer::openai;
  if (name == "gemini") return Issuer::gemini;
  return Issuer::none;
}

// Least recently stored first; a map from id to its list position.
struct SignatureMemory {
  std::mutex mutex;
  std::list<std::pair<std::string, std::string>> entries;
  std::unordered_map<std::string, std::list<std::pair<std::string, std::string>>::iterator> index;
};

SignatureMemory& memory() {
  static SignatureMemory instance;
  return instance;
}

} // namespace

std::string wrap_signature(Issuer issuer, std::string_view opaque) {
  std::string out(k_prefix);
  out += to_string(issuer);
  out += '.';
  out += opaque;
  return out;
}

UnwrappedSignature unwrap_signature(std::string_view signature, Issuer native) {
  if (signature.substr(0, k_prefix.size()) != k_prefix) return {native, std::string(signature)};
  auto rest = signature.substr(k_prefix.size());
  auto dot = rest.find('.');
  if (dot == std::string_view::npos) return {Issuer::none, {}};
  return {issuer_named(rest.substr(0, dot)), std::string(rest.substr(dot + 1))};
}

// glibc's memmem skips ahead; string_view::find stops at every 'l' (7x slower on prose).
bool contains_wrapped_signature(std::string_view text) {
  return ::memmem(text.data(), text.size(), k_prefix.data(), k_prefix.size()) != nullptr;
}

void remember_tool_signature(const std::string& tool_call_id, const std::string& signature) {
  if (tool_call_id.empty() || signature.empty()) return;
  auto& m = memory();
  std::lock_guard lock(m.mutex);
  if (auto it = m.index.find(tool_call_id); it != m.index.end()) {
    m.entries.erase(it->second);
    m.index.erase(it);
  }
  m.entries.emplace_back(tool_call_id, signature);
  m.index[tool_call_id] = std::prev(m.entries.end());
  if (m.entries.size() > k_max_remembered) {
    m.index.erase(m.entries.front().first);
    m.entries.pop_front();
  }
}

std::string recall_tool_signature(const std::string& tool_call_id) {
  auto& m = memory();
  std::lock_guard lock(m.mutex);
  auto it = m.index.find(tool_call_id);
  return it == m.index.end() ? std::string() : it->second->second;
}

} // namespace llmgw::core::translate
