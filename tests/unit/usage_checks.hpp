#pragma once
// The usage checks the observer's tests share (test_protocol_response_*.cpp).
#include "core/accounting/usage.hpp"

#include <doctest/doctest.h>

#include <cstdint>

namespace llmgw::test {

inline void check_usage(const core::Usage& u, int64_t uncached, int64_t read, int64_t w5m, int64_t w1h, int64_t out,
                        int64_t reasoning) {
  CHECK(u.reported);
  CHECK(u.input_uncached_tokens == uncached);
  CHECK(u.cache_read_tokens == read);
  CHECK(u.cache_write_5m_tokens == w5m);
  CHECK(u.cache_write_1h_tokens == w1h);
  CHECK(u.output_tokens == out);
  CHECK(u.reasoning_tokens == reasoning);
}

} // namespace llmgw::test
