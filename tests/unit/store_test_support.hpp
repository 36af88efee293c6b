#pragma once
// Helpers for the store and CLI unit tests: TempDir, a scoped TZ and sample records.
#include "core/accounting/request_record.hpp"
#include "tests/support/store_dir.hpp"
#include "tests/support/temp_dir.hpp"

#include <cstdlib>
#include <ctime>
#include <optional>
#include <string>

namespace llmgw::test {

// Sets TZ (a POSIX rule such as "<-05>5" or "CET-1CEST,M3.5.0,M10.5.0/3", no tzdata needed)
// for the scope, then restores the previous value.
class ScopedTz {
public:
  explicit ScopedTz(const char* tz) {
    if (const char* old = std::getenv("TZ")) m_old = old;
    setenv("TZ", tz, 1);
    tzset();
  }
  ~ScopedTz() {
    if (m_old)
      setenv("TZ", m_old->c_str(), 1);
    else
      unsetenv("TZ");
    tzset();
  }
  ScopedTz(const ScopedTz&) = delete;
  ScopedTz& operator=(const ScopedTz&) = delete;

private:
  std::optional<std::string> m_old;
};

// A plausible successful record; tests override the fields they care about.
inline core::RequestRecord sample_record(int64_t started_at_ms = 1'700'000'000'000) {
  core::RequestRecord r;
  r.started_at_ms = started_at_ms;
  r.duration_ms = 1234;
  r.ttfb_ms = 321;
  r.agent = "claude-code";
  r.session_id = "session-1";
  r.endpoint = "/v1/messages";
  r.provider = "anthropic";
  r.requested_model = "claude-sonnet-4-5";
  r.served_model = "claude-sonnet-4-5-20250929";
  r.streamed = true;
  r.http_status = 200;
  r.usage.input_uncached_tokens = 100;
  r.usage.cache_read_tokens = 2000;
  r.usage.cache_write_5m_tokens = 300;
  r.usage.cache_write_1h_tokens = 40;
  r.usage.output_tokens = 50;
  r.usage.reasoning_tokens = 5;
  r.usage.reported = true;
  r.cost_usd_pico = 1'000'000;
  r.price_version = "2025-01-01";
  r.price_basis = "alias";
  r.usage_source = core::UsageSource::reported;
  r.upstream_request_id = "req_abc";
  return r;
}

} // namespace llmgw::test
