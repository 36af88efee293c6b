#include "core/dashboard/auth.hpp"

#include "core/error.hpp"
#include "core/policy/keys.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <array>

namespace llmgw::core::dashboard {
namespace {

// Removes the entry seen longest ago while the map holds more than limit.
void cap_size(std::map<std::string, int64_t>& entries, size_t limit) {
  while (entries.size() > limit) {
    auto oldest = std::min_element(entries.begin(), entries.end(),
                                   [](const auto& a, const auto& b) { return a.second < b.second; });
    entries.erase(oldest);
  }
}

} // namespace

std::string random_hex128() {
  std::array<unsigned char, 16> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1)
    throw Error("cannot draw random bytes for a dashboard login code");
  static constexpr char k_hex[] = "0123456789abcdef";
  std::string text;
  for (unsigned char byte : bytes) {
    text.push_back(k_hex[byte >> 4]);
    text.push_back(k_hex[byte & 15]);
  }
  return text;
}

Auth::Auth(AuthLimits limits, std::function<int64_t()> clock) : m_limits(limits), m_clock(std::move(clock)) {}

void Auth::prune(int64_t now_ms) {
  std::erase_if(m_codes, [&](const auto& entry) { return now_ms - entry.second > m_limits.code_ttl_ms; });
  std::erase_if(m_sessions, [&](const auto& entry) { return now_ms - entry.second > m_limits.session_idle_ms; });
}

std::string Auth::mint_code() {
  std::string code = random_hex128();
  const int64_t now = m_clock();
  std::lock_guard lock(m_mutex);
  prune(now);
  m_codes[policy::sha256_hex(code)] = now;
  cap_size(m_codes, m_limits.max_codes);
  return code;
}

std::optional<std::string> Auth::redeem(std::string_view code) {
  const int64_t now = m_clock();
  const std::string digest = policy::sha256_hex(code);
  std::string session = random_hex128();
  std::lock_guard lock(m_mutex);
  auto found = m_codes.find(digest);
  if (found == m_codes.end()) return std::nullopt;
  const bool fresh = now - found->second <= m_limits.code_ttl_ms && now >= found->second;
  m_codes.erase(found); // single use, expired or not
  if (!fresh) return std::nullopt;
  prune(now);
  m_sessions[policy::sha256_hex(session)] = now;
  cap_size(m_sessions, m_limits.max_sessions);
  return session;
}

bool Auth::check(std::string_view session) {
  if (session.empty()) return false;
  const int64_t now = m_clock();
  const std::string digest = policy::sha256_hex(session);
  std::lock_guard lock(m_mutex);
  auto found = m_sessions.find(digest);
  if (found == m_sessions.end()) return false;
  if (now - found->second > m_limits.session_idle_ms) {
    m_sessions.erase(found);
    return false;
  }
  found->second = now;
  return true;
}

void Auth::end(std::string_view session) {
  const std::string digest = policy::sha256_hex(session);
  std::lock_guard lock(m_mutex);
  m_sessions.erase(digest);
}

} // namespace llmgw::core::dashboard
