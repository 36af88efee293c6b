#include "core/policy/output_history.hpp"

#include <algorithm>

namespace llmgw::core::policy {
namespace {

std::string pair_key(std::string_view agent, std::string_view model) {
  std::string key;
  key.reserve(agent.size() + model.size() + 1);
  key.append(agent).push_back('\n');
  key.append(model);
  return key;
}

} // namespace

int64_t OutputHistory::expected_tokens(std::string_view agent, std::string_view model, int64_t max_tokens) const {
  std::array<int64_t, k_window> seen{};
  size_t count = 0;
  {
    const std::string key = pair_key(agent, model);
    std::lock_guard lock(m_mutex);
    if (auto it = m_rings.find(key); it != m_rings.end()) {
      count = it->second.count;
      std::copy_n(it->second.tokens.begin(), count, seen.begin());
    }
  }
  int64_t expected = k_default_tokens;
  if (count > 0) {
    // The 90th percentile, nearest rank: with fewer than ten outputs, the largest.
    const size_t rank = (count * 9 + 9) / 10 - 1;
    std::nth_element(seen.begin(), seen.begin() + static_cast<std::ptrdiff_t>(rank),
                     seen.begin() + static_cast<std::ptrdiff_t>(count));
    expected = seen[rank];
  }
  if (max_tokens > 0) expected = std::min(expected, max_tokens);
  return std::max<int64_t>(1, expected);
}

void OutputHistory::learn(std::string_view agent, std::string_view model, int64_t output_tokens) {
  if (output_tokens < 0) return;
  std::string key = pair_key(agent, model);
  std::lock_guard lock(m_mutex);
  auto it = m_rings.find(key);
  if (it == m_rings.end()) {
    if (m_rings.size() >= k_max_pairs) return;
    it = m_rings.emplace(std::move(key), Ring{}).first;
  }
  Ring& ring = it->second;
  ring.tokens[ring.next] = output_tokens;
  ring.next = (ring.next + 1) % k_window;
  ring.count = std::min(ring.count + 1, k_window);
}

} // namespace llmgw::core::policy
