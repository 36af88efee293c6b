// The fake provider's server: routing, recording, and the chunked streams with their faults.
#include "tests/support/fake_upstream.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <exception>
#include <cstdlib>
#include <memory>
#include <stdexcept>

namespace llmgw::test {
namespace {

constexpr const char* k_host = "127.0.0.1";
// Enough workers for 64+ concurrent streams plus idle keep-alive connections (each holds one).
constexpr size_t k_worker_threads = 192;
constexpr int k_poll_slice_ms = 5;

// The port of a socket address, or -1 when it is not IPv4/IPv6.
int port_of(const sockaddr_storage& addr) {
  if (addr.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in&>(addr).sin_port);
  if (addr.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6&>(addr).sin6_port);
  return -1;
}

// httplib 0.11 does not expose a request's socket; it is needed to notice a client that closed
// its end while the fake is silent (a stall), so find it by its local and peer ports.
int find_socket_fd(int local_port, int remote_port) {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  int found = -1;
  while (dirent* entry = readdir(dir)) {
    const int fd = std::atoi(entry->d_name);
    struct stat info {};
    if (entry->d_name[0] == '.' || fstat(fd, &info) != 0 || !S_ISSOCK(info.st_mode)) continue;
    sockaddr_storage local{}, peer{};
    socklen_t local_len = sizeof local, peer_len = sizeof peer;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) != 0) continue;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0) continue;
    if (port_of(local) == local_port && port_of(peer) == remote_port) {
      found = fd;
      break;
    }
  }
  closedir(dir);
  return found;
}

// httplib stores the connection's addresses as pseudo-headers; a real provider never sees them.
httplib::Headers wire_headers(const httplib::Headers& headers) {
  httplib::Headers result;
  for (const auto& [name, value] : headers)
    if (name != "REMOTE_ADDR" && name != "REMOTE_PORT" && name != "LOCAL_ADDR" && name != "LOCAL_PORT")
      result.emplace(name, value);
  return result;
}

std::string query_of(const httplib::Request& req) {
  const auto mark = req.target.find('?');
  return mark == std::string::npos ? std::string() : req.target.substr(mark + 1);
}

// A handler that throws answers 500 instead of taking the test process down.
void answer_exception(const httplib::Request&, httplib::Response& res, std::exception_ptr error) {
  std::string what = "unknown exception";
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {}
  const FakeResponse reply = openai_error(500, "server_error", "fake upstream: handler threw: " + what, "");
  res.status = reply.status;
  res.set_content(reply.body, reply.content_type);
}

} // namespace

FakeUpstream::FakeUpstream(int port, const TestCertificates* tls) : m_tls(tls != nullptr) {
  // httplib sends without MSG_NOSIGNAL: a write to a vanished client must fail, not kill us.
  std::signal(SIGPIPE, SIG_IGN);
  auto bind = [&](auto server) {
    if (!server->is_valid()) throw std::runtime_error("fake upstream: invalid TLS certificate or key");
    // Before the bind: httplib sets TCP_NODELAY on the listening socket, which accepted ones
    // inherit; set later, it never applied and every answer written in two pieces waited ~40 ms
    // for the client's delayed ACK.
    server->set_tcp_nodelay(true);
    m_port = port == 0 ? server->bind_to_any_port(k_host) : (server->bind_to_port(k_host, port) ? port : -1);
    if (m_port <= 0)
      throw std::runtime_error("fake upstream: cannot bind " + std::string(k_host) + ":" + std::to_string(port));
    server->raise_backlog();
    m_server = std::move(server);
  };
  if (tls != nullptr)
    bind(std::make_unique<BacklogServer<httplib::SSLServer>>(tls->server.get(), tls->server_key.get()));
  else
    bind(std::make_unique<BacklogServer<httplib::Server>>());
  m_server->new_task_queue = [] { return new httplib::ThreadPool(k_worker_threads); };
  m_server->set_keep_alive_max_count(1000000);
  m_server->set_exception_handler(answer_exception);
  auto serve_any = [this](const httplib::Request& req, httplib::Response& res) { serve(req, res); };
  m_server->Get(".*", serve_any);
  m_server->Post(".*", serve_any);
  m_server->Put(".*", serve_any);
  m_server->Patch(".*", serve_any);
  m_server->Delete(".*", serve_any);
  m_server->Options(".*", serve_any);
  install_default_handlers();
  m_thread = std::thread([this] { m_server->listen_after_bind(); });
  // stop() is a no-op until the accept loop runs, so wait for it before anyone can destroy us.
  while (!m_server->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

FakeUpstream::~FakeUpstream() {
  m_stopping = true;
  m_server->stop();
  if (m_thread.joinable()) m_thread.join();
}

int FakeUpstream::port() const { return m_port; }

std::string FakeUpstream::base_url() const {
  return (m_tls ? "https://" : "http://") + std::string(k_host) + ":" + std::to_string(m_port);
}

void FakeUpstream::on(const std::string& method, const std::string& path, FakeHandler handler) {
  std::lock_guard<std::mutex> lock(m_mutex);
  m_handlers[{method, path}] = std::move(handler);
}

void FakeUpstream::set_request_observer(RequestObserver observer) {
  std::lock_guard<std::mutex> lock(m_mutex);
  m_observer = std::move(observer);
}

int FakeUpstream::calls() const {
  std::lock_guard<std::mutex> lock(m_mutex);
  return m_calls;
}

std::vector<RecordedRequest> FakeUpstream::requests() const {
  std::lock_guard<std::mutex> lock(m_mutex);
  return {m_requests.begin(), m_requests.end()};
}

RecordedRequest FakeUpstream::last_request() const {
  std::lock_guard<std::mutex> lock(m_mutex);
  return m_requests.empty() ? RecordedRequest{} : m_requests.back();
}

void FakeUpstream::reset() {
  std::lock_guard<std::mutex> lock(m_mutex);
  m_requests.clear();
  m_calls = 0;
  m_saw_disconnect = false;
}

int FakeUpstream::open_streams() const { return m_open_streams.load(); }

bool FakeUpstream::saw_disconnect() const { return m_saw_disconnect.load(); }

RecordedRequest FakeUpstream::record(const httplib::Request& req) {
  RecordedRequest recorded{req.method, req.path, query_of(req), req.body, wire_headers(req.headers), req.remote_port};
  RequestObserver observer;
  {
    std::lock_guard<std::mutex> lock(m_mutex);
    ++m_calls;
    m_requests.push_back(recorded);
    if (m_requests.size() > k_max_recorded) m_requests.pop_front();
    observer = m_observer;
  }
  if (observer) observer(recorded);
  return recorded;
}

FakeHandler FakeUpstream::find_handler(const std::string& method, const std::string& path) const {
  std::lock_guard<std::mutex> lock(m_mutex);
  // httplib routes HEAD to the GET handlers; do the same.
  const std::string key_method = method == "HEAD" ? "GET" : method;
  const auto it = m_handlers.find({key_method, path});
  return it == m_handlers.end() ? FakeHandler{} : it->second;
}

void FakeUpstream::serve(const httplib::Request& req, httplib::Response& res) {
  const RecordedRequest recorded = record(req);
  const FakeHandler handler = find_handler(req.method, req.path);
  FakeResponse reply = handler
                           ? handler(recorded)
                           : openai_error(404, "invalid_request_error",
                                          "fake upstream: no handler for " + req.method + " " + req.path, "not_found");
  if (reply.delay_before_headers_ms > 0) sleep_unless_gone(reply.delay_before_headers_ms, -1);
  res.status = reply.status;
  for (const auto& [name, value] : reply.headers) res.set_header(name, value);
  if (reply.chunks.empty()) {
    res.set_content(reply.body, reply.content_type);
    return;
  }
  start_stream(std::move(reply), req.remote_port, res);
}

void FakeUpstream::start_stream(FakeResponse reply, int remote_port, httplib::Response& res) {
  struct Stream {
    FakeResponse reply;
    std::atomic<bool> open{true};
  };
  auto stream = std::make_shared<Stream>();
  stream->reply = std::move(reply);
  ++m_open_streams;
  auto close_once = [this, stream] {
    if (stream->open.exchange(false)) --m_open_streams;
  };
  const std::string content_type = stream->reply.content_type;
  res.set_chunked_content_provider(
      content_type,
      [this, stream, remote_port, close_once](size_t, httplib::DataSink& sink) {
        const int fd = find_socket_fd(m_port, remote_port);
        const bool complete = write_chunks(stream->reply, fd, sink) && !stream->reply.cut_after_chunks;
        // Returning false makes httplib close the socket without the terminating 0-chunk.
        if (complete) sink.done();
        close_once();
        return complete;
      },
      [close_once](bool) { close_once(); });
}

bool FakeUpstream::write_chunks(const FakeResponse& reply, int fd, httplib::DataSink& sink) {
  for (size_t i = 0; i < reply.chunks.size(); ++i) {
    if (i > 0 && !sleep_unless_gone(reply.delay_between_chunks_ms, fd)) return false;
    const std::string& chunk = reply.chunks[i];
    if (chunk.empty()) continue; // an empty chunk would read as the end of the body
    if (peer_gone(fd) || !sink.write(chunk.data(), chunk.size())) {
      m_saw_disconnect = true;
      return false;
    }
  }
  return sleep_unless_gone(reply.stall_after_chunks_ms, fd);
}

bool FakeUpstream::sleep_unless_gone(int ms, int fd) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (std::chrono::steady_clock::now() < until) {
    if (m_stopping) return false;
    if (peer_gone(fd)) {
      m_saw_disconnect = true;
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(k_poll_slice_ms));
  }
  return !m_stopping;
}

bool FakeUpstream::peer_gone(int fd) const {
  if (fd < 0) return false;
  char byte = 0;
  const ssize_t n = recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n == 0) return true; // orderly shutdown by the client
  return n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
}

} // namespace llmgw::test
