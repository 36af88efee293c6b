#include "core/telemetry/exporter.hpp"
#include "core/http/proxy.hpp"

#include <cstdio>
#include <httplib.h>

namespace llmgw::core::telemetry {
namespace {

// "https://host:port/a/b" -> {"https://host:port", "/a/b"}.
std::pair<std::string, std::string> split_url(const std::string& url) {
  const size_t scheme_end = url.find("://");
  const size_t path_start = url.find('/', scheme_end == std::string::npos ? 0 : scheme_end + 3);
  if (path_start == std::string::npos) return {url, "/"};
  return {url.substr(0, path_start), url.substr(path_start)};
}

// OTLP/HTTP: these are worth another try (https://opentelemetry.io/docs/specs/otlp/#retryable-response-codes).
bool retryable_status(int status) { return status == 429 || status == 502 || status == 503 || status == 504; }

} // namespace

std::optional<ExporterOptions> exporter_options(const config::TelemetryConfig& telemetry) {
  if (!telemetry.enabled()) return std::nullopt;
  ExporterOptions options;
  options.url = telemetry.url();
  options.headers = telemetry.headers;
  options.protobuf = telemetry.protocol == "http/protobuf";
  options.producer.resource = {{"service.name", telemetry.service_name},
                               {"service.version", std::string(LLMGW_VERSION)},
                               {"telemetry.sdk.name", std::string("llmgw")},
                               {"telemetry.sdk.language", std::string("cpp")}};
  options.producer.scope_name = "llmgw";
  options.producer.scope_version = LLMGW_VERSION;
  return options;
}

Exporter::Exporter(ExporterOptions options) : m_options(std::move(options)) {
  auto [origin, path] = split_url(m_options.url);
  m_path = path;
  m_client = std::make_unique<httplib::Client>(origin);
  const auto seconds = static_cast<time_t>(m_options.timeout.count() / 1000);
  const auto micros = static_cast<time_t>((m_options.timeout.count() % 1000) * 1000);
  m_client->set_connection_timeout(seconds, micros);
  m_client->set_read_timeout(seconds, micros);
  m_client->set_write_timeout(seconds, micros);
  m_client->set_keep_alive(true);
  m_client->set_tcp_nodelay(true);
  if (origin.rfind("https://", 0) == 0) {
    m_client->enable_server_certificate_verification(true); // the system's CAs, and the host name
    if (const auto proxy = http::proxy_for_origin(origin)) {
      m_client->set_proxy(proxy->host, proxy->port);
      if (!proxy->user.empty()) m_client->set_proxy_basic_auth(proxy->user, proxy->password);
    }
  }
  m_thread = std::thread([this] { run(); });
}

Exporter::~Exporter() { stop(std::chrono::seconds(5)); }

void Exporter::enqueue(std::vector<Span> spans) {
  if (spans.empty()) return;
  std::lock_guard lock(m_mutex);
  if (m_stopping || m_queue.size() + spans.size() > m_options.max_queue_spans) {
    m_dropped += static_cast<int64_t>(spans.size());
    return;
  }
  for (auto& span : spans) m_queue.push_back(std::move(span));
  if (m_queue.size() >= m_options.batch_spans) m_wake.notify_all();
}

void Exporter::stop(std::chrono::milliseconds grace) {
  std::unique_lock lock(m_mutex);
  if (!m_thread.joinable()) return;
  m_stopping = true;
  m_wake.notify_all();
  if (!m_done_signal.wait_for(lock, grace, [this] { return m_done; })) {
    m_abort = true;
    m_wake.notify_all();
    // An export in flight ends when its socket is shut; repeat in case one was just starting.
    while (!m_done) {
      lock.unlock();
      m_client->stop();
      lock.lock();
      m_done_signal.wait_for(lock, std::chrono::milliseconds(50), [this] { return m_done; });
    }
  }
  lock.unlock();
  m_thread.join();
}

ExporterStats Exporter::stats() const {
  std::lock_guard lock(m_mutex);
  return {m_exported.load(), m_dropped.load(), m_failed.load(), m_last_error};
}

void Exporter::run() {
  std::unique_lock lock(m_mutex);
  while (true) {
    if (!m_stopping && m_queue.size() < m_options.batch_spans)
      m_wake.wait_for(lock, m_options.flush_interval,
                      [this] { return m_stopping || m_queue.size() >= m_options.batch_spans; });
    if (m_abort) {
      m_dropped += static_cast<int64_t>(m_queue.size());
      m_queue.clear();
    }
    if (m_queue.empty()) {
      if (m_stopping) break;
      continue;
    }
    const size_t count = std::min(m_queue.size(), m_options.batch_spans);
    std::vector<Span> batch(std::make_move_iterator(m_queue.begin()),
                            std::make_move_iterator(m_queue.begin() + static_cast<std::ptrdiff_t>(count)));
    m_queue.erase(m_queue.begin(), m_queue.begin() + static_cast<std::ptrdiff_t>(count));
    lock.unlock();
    export_batch(batch);
    lock.lock();
  }
  m_done = true;
  m_done_signal.notify_all();
}

void Exporter::export_batch(const std::vector<Span>& batch) {
  const std::string body =
      m_options.protobuf ? encode_protobuf(m_options.producer, batch) : encode_json(m_options.producer, batch);
  auto backoff = m_options.backoff;
  for (int tries = 1;; ++tries) {
    std::string error;
    bool retryable = false;
    if (post(body, error, retryable)) {
      m_exported += static_cast<int64_t>(batch.size());
      std::lock_guard lock(m_mutex);
      if (m_failing) std::fprintf(stderr, "llmgw: traces reach the collector again\n");
      m_failing = false;
      return;
    }
    note_failure(error);
    std::unique_lock lock(m_mutex);
    if (!retryable || tries >= m_options.max_tries || m_wake.wait_for(lock, backoff, [this] { return m_abort; })) {
      m_failed += 1;
      m_dropped += static_cast<int64_t>(batch.size());
      return;
    }
    backoff *= 2;
  }
}

bool Exporter::post(const std::string& body, std::string& error, bool& retryable) {
  {
    std::lock_guard lock(m_mutex);
    if (m_abort) {
      error = "stopped";
      return false;
    }
  }
  httplib::Headers headers{{"User-Agent", "llmgw/" LLMGW_VERSION}};
  for (const auto& [name, value] : m_options.headers) headers.emplace(name, value);
  const char* type = m_options.protobuf ? "application/x-protobuf" : "application/json";
  const auto result = m_client->Post(m_path, headers, body, type);
  if (!result) {
    error = httplib::to_string(result.error());
    retryable = true;
    return false;
  }
  if (result->status >= 200 && result->status < 300) return true;
  error = "HTTP " + std::to_string(result->status); // the collector's body may echo what it was sent
  retryable = retryable_status(result->status);
  return false;
}

void Exporter::note_failure(const std::string& error) {
  std::lock_guard lock(m_mutex);
  m_last_error = error;
  if (m_failing) return;
  m_failing = true;
  // Only the origin: the headers (credentials) and the path's query never reach the log.
  std::fprintf(stderr, "llmgw: warning: traces could not be sent to %s: %s (retrying; spans may be dropped)\n",
               split_url(m_options.url).first.c_str(), error.c_str());
}

} // namespace llmgw::core::telemetry
