#include "tests/support/telemetry_collector.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace llmgw::test {

FakeCollector::FakeCollector() {
  m_server.Post("/v1/traces", [this](const httplib::Request& request, httplib::Response& response) {
    CollectedExport collected{request.get_header_value("Content-Type"), request.get_header_value("Authorization"),
                              nullptr};
    if (collected.content_type == "application/json")
      collected.body = nlohmann::json::parse(request.body, nullptr, false);
    std::unique_lock lock(m_mutex);
    if (m_stall) {
      ++m_held;
      m_changed.notify_all();
      m_changed.wait_for(lock, std::chrono::seconds(60), [this] { return !m_stall; });
      return; // released: no record, the client gave up long ago
    }
    m_exports.push_back(std::move(collected));
    m_changed.notify_all();
    response.set_content("{}", "application/json");
  });
  m_port = m_server.bind_to_any_port("127.0.0.1");
  m_thread = std::thread([this] { m_server.listen_after_bind(); });
  while (!m_server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

FakeCollector::~FakeCollector() {
  release();
  m_server.stop();
  m_thread.join();
}

void FakeCollector::stall() {
  std::lock_guard lock(m_mutex);
  m_stall = true;
}

void FakeCollector::release() {
  std::lock_guard lock(m_mutex);
  m_stall = false;
  m_changed.notify_all();
}

bool FakeCollector::wait_stalled() {
  std::unique_lock lock(m_mutex);
  return m_changed.wait_for(lock, std::chrono::seconds(5), [this] { return m_held > 0; });
}

std::vector<CollectedExport> FakeCollector::exports() const {
  std::lock_guard lock(m_mutex);
  return m_exports;
}

std::vector<nlohmann::json> FakeCollector::spans_locked() const {
  std::vector<nlohmann::json> spans;
  for (const auto& collected : m_exports) {
    if (!collected.body.is_object()) continue;
    for (const auto& resource : collected.body["resourceSpans"])
      for (const auto& scope : resource["scopeSpans"])
        for (const auto& span : scope["spans"]) spans.push_back(span);
  }
  return spans;
}

std::vector<nlohmann::json> FakeCollector::wait_spans(size_t count) const {
  std::unique_lock lock(m_mutex);
  m_changed.wait_for(lock, std::chrono::seconds(10), [&] { return spans_locked().size() >= count; });
  return spans_locked();
}

int FakeCollector::closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), size);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
  ::close(fd);
  return ntohs(address.sin_port);
}

} // namespace llmgw::test
