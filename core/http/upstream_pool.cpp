#include "core/http/upstream_pool.hpp"

namespace llmgw::core::http {

BaseUrl split_base_url(std::string_view url) {
  while (!url.empty() && url.back() == '/') url.remove_suffix(1);
  auto scheme_end = url.find("://");
  size_t host_begin = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
  auto path_begin = url.find('/', host_begin);
  if (path_begin == std::string_view::npos) return BaseUrl{url, {}};
  return BaseUrl{url.substr(0, path_begin), url.substr(path_begin)};
}

UpstreamPool::Lease::~Lease() {
  if (m_client) m_pool->give_back(*m_idle, std::move(m_client));
}

UpstreamPool::Lease UpstreamPool::acquire(const std::string& origin) {
  IdleClients* idle = nullptr;
  {
    std::lock_guard lock(m_mutex);
    idle = &m_idle[origin];
    if (!idle->empty()) {
      auto client = std::move(idle->back());
      idle->pop_back();
      return Lease(this, idle, std::move(client));
    }
  }
  auto client = std::make_unique<UpstreamClient>(origin, m_timeouts);
  return Lease(this, idle, std::move(client));
}

void UpstreamPool::give_back(IdleClients& idle, std::unique_ptr<UpstreamClient> client) {
  std::lock_guard lock(m_mutex);
  if (idle.size() < k_max_idle_per_origin) idle.push_back(std::move(client));
}

} // namespace llmgw::core::http
