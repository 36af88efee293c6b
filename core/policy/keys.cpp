#include "core/policy/keys.hpp"

#include "core/error.hpp"

#include <array>
#include <fstream>
#include <openssl/evp.h>

namespace llmgw::core::policy {
namespace {

constexpr std::string_view k_hex = "0123456789abcdef";

std::string to_hex(const unsigned char* bytes, size_t size) {
  std::string text;
  text.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    text += k_hex[bytes[i] >> 4];
    text += k_hex[bytes[i] & 0x0f];
  }
  return text;
}

} // namespace

std::string sha256_hex(std::string_view text) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  if (EVP_Digest(text.data(), text.size(), digest.data(), &size, EVP_sha256(), nullptr) != 1)
    throw Error("SHA-256 failed");
  return to_hex(digest.data(), size);
}

std::string generate_key_token() {
  std::array<unsigned char, 24> bytes{};
  std::ifstream random("/dev/urandom", std::ios::binary);
  if (!random.read(reinterpret_cast<char*>(bytes.data()), bytes.size()))
    throw Error("cannot read /dev/urandom to create a key");
  return "llmgw-vk-" + to_hex(bytes.data(), bytes.size());
}

bool glob_match(std::string_view pattern, std::string_view text) {
  size_t p = 0, t = 0, star = std::string_view::npos, resume = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool models_allow(std::string_view models, std::string_view model) {
  if (models.empty()) return true;
  while (!models.empty()) {
    const size_t comma = models.find(',');
    std::string_view glob = models.substr(0, comma);
    while (!glob.empty() && glob.front() == ' ') glob.remove_prefix(1);
    while (!glob.empty() && glob.back() == ' ') glob.remove_suffix(1);
    if (!glob.empty() && glob_match(glob, model)) return true;
    if (comma == std::string_view::npos) break;
    models.remove_prefix(comma + 1);
  }
  return false;
}

KeyRing::KeyRing(const std::vector<VirtualKey>& keys) {
  for (const auto& key : keys) m_by_hash.emplace(key.token_hash, key);
}

const VirtualKey* KeyRing::find(std::string_view token) const {
  if (m_by_hash.empty() || token.size() < 9 || token.substr(0, 9) != "llmgw-vk-") return nullptr;
  auto it = m_by_hash.find(sha256_hex(token));
  return it == m_by_hash.end() ? nullptr : &it->second;
}

} // namespace llmgw::core::policy
