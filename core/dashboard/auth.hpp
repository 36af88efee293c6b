#pragma once
// Who may see the dashboard: one-time login codes (minted for `llmgw dashboard` with the gateway
// token) traded for a session cookie. Both live in memory only; a restart logs every page out.
// Thread-safe; every call is short.
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace llmgw::core::dashboard {

struct AuthLimits {
  int64_t code_ttl_ms = 60'000;             // a login code is good for a minute
  int64_t session_idle_ms = 12 * 3'600'000; // a session ends after 12 h without a request
  size_t max_codes = 64;                    // unredeemed codes kept (oldest dropped)
  size_t max_sessions = 256;                // sessions kept (least recently used dropped)
};

class Auth {
public:
  // clock gives unix epoch milliseconds.
  Auth(AuthLimits limits, std::function<int64_t()> clock);

  // A new one-time code: 128 random bits as 32 hex digits.
  std::string mint_code();
  // Trades a code for a new session id (128 random bits, hex): nullopt when the code is unknown,
  // used already or older than code_ttl_ms. A code works once, whatever the outcome.
  std::optional<std::string> redeem(std::string_view code);
  // True when session names a live session; refreshes its idle time.
  bool check(std::string_view session);
  // Ends a session (logout).
  void end(std::string_view session);

private:
  void prune(int64_t now_ms);

  AuthLimits m_limits;
  std::function<int64_t()> m_clock;
  std::mutex m_mutex;
  // Keyed by SHA-256 of the secret, so a lookup's timing says nothing about the secret itself.
  std::map<std::string, int64_t> m_codes;    // digest -> minted at
  std::map<std::string, int64_t> m_sessions; // digest -> last seen
};

// 16 random bytes from the system's CSPRNG, as 32 lowercase hex digits. Throws Error on failure.
std::string random_hex128();

} // namespace llmgw::core::dashboard
