#include "tests/bench/bench_upstream.hpp"

#include "tests/bench/bench_http.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <string_view>

namespace llmgw::bench {
namespace {

// Replies in the providers' wire formats, with usage, so the gateway's observers do real work.
constexpr const char* k_chat_body =
    R"({"id":"chatcmpl-bench","object":"chat.completion","created":1700000000,"model":"gpt-4.1",)"
    R"("choices":[{"index":0,"message":{"role":"assistant","content":"Hello from the bench upstream.",)"
    R"("refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":12,)"
    R"("completion_tokens":7,"total_tokens":19,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},)"
    R"("completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,)"
    R"("rejected_prediction_tokens":0}},"service_tier":"default","system_fingerprint":"fp_bench"})";

constexpr const char* k_chat_first_event =
    "data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
    "\"model\":\"gpt-4.1\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},"
    "\"finish_reason\":null}]}\n\n";

constexpr const char* k_chat_rest_events =
    "data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
    "\"model\":\"gpt-4.1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hello\"},\"finish_reason\":null}]}\n\n"
    "data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
    "\"model\":\"gpt-4.1\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
    "data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
    "\"model\":\"gpt-4.1\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":1,"
    "\"total_tokens\":13,\"prompt_tokens_details\":{\"cached_tokens\":0}}}\n\n"
    "data: [DONE]\n\n";

constexpr const char* k_chat_token_event =
    "data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
    "\"model\":\"gpt-4.1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" token\"},\"finish_reason\":null}]}\n\n";

constexpr const char* k_chat_paced_end =
    "data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
    "\"model\":\"gpt-4.1\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
    "data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
    "\"model\":\"gpt-4.1\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":20,"
    "\"total_tokens\":32,\"prompt_tokens_details\":{\"cached_tokens\":0}}}\n\n"
    "data: [DONE]\n\n";

constexpr const char* k_messages_body =
    R"({"id":"msg_bench","type":"message","role":"assistant","model":"claude-sonnet-4-5",)"
    R"("content":[{"type":"text","text":"Hello from the bench upstream."}],"stop_reason":"end_turn",)"
    R"("stop_sequence":null,"usage":{"input_tokens":12,"cache_creation_input_tokens":0,)"
    R"("cache_read_input_tokens":0,"output_tokens":7}})";

constexpr const char* k_messages_first_event =
    "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_bench\",\"type\":"
    "\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\",\"content\":[],\"stop_reason\":null,"
    "\"stop_sequence\":null,\"usage\":{\"input_tokens\":12,\"cache_creation_input_tokens\":0,"
    "\"cache_read_input_tokens\":0,\"output_tokens\":1}}}\n\n";

constexpr const char* k_messages_rest_events =
    "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":"
    "{\"type\":\"text\",\"text\":\"\"}}\n\n"
    "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
    "{\"type\":\"text_delta\",\"text\":\"Hello\"}}\n\n"
    "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
    "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\","
    "\"stop_sequence\":null},\"usage\":{\"output_tokens\":1}}\n\n"
    "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";

std::string hex(size_t n) {
  char text[32];
  std::snprintf(text, sizeof text, "%zx", n);
  return text;
}

std::string chunk(const std::string& data) { return hex(data.size()) + "\r\n" + data + "\r\n"; }

std::string plain_reply(const std::string& body, const std::string& content_type,
                        const std::string& more_headers = "") {
  return "HTTP/1.1 200 OK\r\nContent-Type: " + content_type + "\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n" + more_headers + "\r\n" + body;
}

// What api.openai.com sends beside Content-Type and Content-Length (values made up, names and
// shapes as they come; PROTOCOLS.md lists the rate-limit ones).
constexpr const char* k_openai_response_headers =
    "Date: Fri, 04 Dec 2026 13:00:00 GMT\r\n"
    "Connection: keep-alive\r\n"
    "access-control-expose-headers: X-Request-ID\r\n"
    "openai-organization: user-bench0000000000000000\r\n"
    "openai-processing-ms: 412\r\n"
    "openai-project: proj_bench000000000000000000\r\n"
    "openai-version: 2020-10-01\r\n"
    "x-envoy-upstream-service-time: 415\r\n"
    "x-ratelimit-limit-requests: 10000\r\n"
    "x-ratelimit-limit-tokens: 30000000\r\n"
    "x-ratelimit-remaining-requests: 9999\r\n"
    "x-ratelimit-remaining-tokens: 29999990\r\n"
    "x-ratelimit-reset-requests: 6ms\r\n"
    "x-ratelimit-reset-tokens: 0s\r\n"
    "x-request-id: req_6b1c2a3d4e5f60718293a4b5c6d7e8f9\r\n"
    "strict-transport-security: max-age=31536000; includeSubDomains; preload\r\n"
    "cf-cache-status: DYNAMIC\r\n"
    "set-cookie: __cf_bm=bench0000000000000000000000000000000000-1796389200-1.0.1.1-bench; path=/; "
    "expires=Fri, 04-Dec-26 13:30:00 GMT; domain=.api.openai.com; HttpOnly; Secure; SameSite=None\r\n"
    "set-cookie: _cfuvid=bench000000000000000000000000000000000-1796389200000-0.0.1.1-604800000; path=/; "
    "domain=.api.openai.com; HttpOnly; Secure; SameSite=None\r\n"
    "X-Content-Type-Options: nosniff\r\n"
    "Server: cloudflare\r\n"
    "CF-RAY: 8f0a1b2c3d4e5f60-FRA\r\n"
    "alt-svc: h3=\":443\"; ma=86400\r\n";

// The head and first event of a stream, then the rest with the terminating chunk.
struct StreamReply {
  std::string head_and_first, rest;
};

StreamReply stream_reply(const std::string& first, const std::string& rest) {
  const std::string head =
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\nCache-Control: no-cache\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  return {head + chunk(first), chunk(rest) + "0\r\n\r\n"};
}

struct Replies {
  std::string chat = plain_reply(k_chat_body, "application/json");
  std::string chat_with_headers = plain_reply(k_chat_body, "application/json", k_openai_response_headers);
  std::string messages = plain_reply(k_messages_body, "application/json");
  std::string health = plain_reply(R"({"status":"ok"})", "application/json");
  StreamReply chat_stream = stream_reply(k_chat_first_event, k_chat_rest_events);
  StreamReply messages_stream = stream_reply(k_messages_first_event, k_messages_rest_events);
  std::string paced_event = chunk(k_chat_token_event);
  std::string paced_end = chunk(k_chat_paced_end) + "0\r\n\r\n";
};

const Replies& replies() {
  static const Replies instance;
  return instance;
}

bool send_all(int fd, const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

} // namespace

BenchUpstream::BenchUpstream(int stall_ms) : m_stall_ms(stall_ms) {
  (void)replies(); // build the canned bytes before the first request is timed
  if (::pipe2(m_wake_fds, O_CLOEXEC) != 0)
    throw std::runtime_error("bench upstream: pipe: " + std::string(std::strerror(errno)));
  m_listen_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof addr;
  if (m_listen_fd < 0 || ::bind(m_listen_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(m_listen_fd, SOMAXCONN) != 0 ||
      ::getsockname(m_listen_fd, reinterpret_cast<sockaddr*>(&addr), &length) != 0) {
    const std::string reason = std::strerror(errno);
    if (m_listen_fd >= 0) ::close(m_listen_fd);
    throw std::runtime_error("bench upstream: cannot listen on 127.0.0.1: " + reason);
  }
  m_port = ntohs(addr.sin_port);
  m_acceptor = std::thread([this] { accept_loop(); });
}

BenchUpstream::~BenchUpstream() {
  m_stopping = true;
  end_stalls();
  ::shutdown(m_listen_fd, SHUT_RDWR);
  if (m_acceptor.joinable()) m_acceptor.join();
  ::close(m_listen_fd);
  std::lock_guard lock(m_mutex);
  for (auto& connection : m_connections) ::shutdown(connection->fd, SHUT_RDWR);
  for (auto& connection : m_connections) {
    if (connection->thread.joinable()) connection->thread.join();
    ::close(connection->fd);
  }
  ::close(m_wake_fds[0]);
  ::close(m_wake_fds[1]);
}

void BenchUpstream::end_stalls() {
  const char byte = 1;
  [[maybe_unused]] const ssize_t written = ::write(m_wake_fds[1], &byte, 1);
}

bool BenchUpstream::rearm_stalls() {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (m_stalled > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  if (m_stalled > 0) return false;
  char bytes[64];
  while (true) {
    pollfd watch{m_wake_fds[0], POLLIN, 0};
    if (::poll(&watch, 1, 0) <= 0) return true;
    if (::read(m_wake_fds[0], bytes, sizeof bytes) <= 0) return true;
  }
}

void BenchUpstream::accept_loop() {
  while (!m_stopping) {
    const int fd = ::accept4(m_listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return; // shut down
    }
    int yes = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    reap_finished();
    std::lock_guard lock(m_mutex);
    if (m_stopping) {
      ::close(fd);
      return;
    }
    auto connection = std::make_unique<Connection>();
    connection->fd = fd;
    Connection& ref = *connection;
    m_connections.push_back(std::move(connection));
    ref.thread = std::thread([this, &ref] { serve(ref); });
  }
}

void BenchUpstream::reap_finished() {
  std::list<std::unique_ptr<Connection>> finished;
  {
    std::lock_guard lock(m_mutex);
    for (auto it = m_connections.begin(); it != m_connections.end();) {
      if ((*it)->done)
        finished.splice(finished.end(), m_connections, it++);
      else
        ++it;
    }
  }
  for (auto& connection : finished) {
    connection->thread.join();
    ::close(connection->fd);
  }
}

void BenchUpstream::serve(Connection& connection) {
  std::string buffer;
  char chunk_buffer[65536];
  MessageHead head;
  while (!m_stopping) {
    bool malformed = false;
    if (parse_head(buffer, false, head)) {
      const size_t end = body_end(buffer, head, malformed);
      if (malformed) break;
      if (end != k_npos) {
        if (!answer(connection.fd, buffer, head.body_begin, end, head.close) || head.close) break;
        buffer.erase(0, end);
        continue;
      }
    }
    const ssize_t n = ::recv(connection.fd, chunk_buffer, sizeof chunk_buffer, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    buffer.append(chunk_buffer, static_cast<size_t>(n));
  }
  ::shutdown(connection.fd, SHUT_RDWR);
  connection.done = true;
}

bool BenchUpstream::answer(int fd, const std::string& request, size_t body_begin, size_t body_end, bool close) {
  ++m_requests;
  const std::string_view text(request);
  const std::string_view head = text.substr(0, body_begin), body = text.substr(body_begin, body_end - body_begin);
  const size_t path_end = head.find(' ', head.find(' ') + 1);
  const std::string_view request_line = head.substr(0, path_end);
  const Replies& canned = replies();
  if (request_line.substr(0, 4) == "GET ") return send_all(fd, canned.health) && !close;
  const bool anthropic = ends_with(request_line, "/messages");
  const bool stream = body.find("\"stream\":true") != k_npos || body.find("\"stream\": true") != k_npos;
  if (!stream) {
    const bool openai_headers = !anthropic && body.find(k_provider_headers_marker) != k_npos;
    return send_all(fd, anthropic        ? canned.messages
                        : openai_headers ? canned.chat_with_headers
                                         : canned.chat) &&
           !close;
  }
  const StreamReply& reply = anthropic ? canned.messages_stream : canned.chat_stream;
  if (!send_all(fd, reply.head_and_first)) return false;
  if (!anthropic && body.find(k_paced_marker) != k_npos) return pace(fd) && !close;
  if (body.find(k_stall_marker) != k_npos && !stall(fd)) return false;
  return send_all(fd, reply.rest) && !close;
}

bool BenchUpstream::pace(int fd) {
  const Replies& canned = replies();
  auto next = std::chrono::steady_clock::now();
  for (int event = 0; event < k_paced_events; ++event) {
    next += std::chrono::milliseconds(k_paced_interval_ms);
    std::this_thread::sleep_until(next);
    if (m_stopping || !send_all(fd, canned.paced_event)) return false;
  }
  std::this_thread::sleep_until(next + std::chrono::milliseconds(k_paced_interval_ms));
  return send_all(fd, canned.paced_end);
}

bool BenchUpstream::stall(int fd) {
  ++m_stalled;
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(m_stall_ms);
  bool peer_open = true;
  while (peer_open && !m_stopping) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd watch[2] = {{fd, POLLRDHUP, 0}, {m_wake_fds[0], POLLIN, 0}};
    const int ready = ::poll(watch, 2, static_cast<int>(left.count()));
    peer_open = ready <= 0 || (watch[0].revents & (POLLRDHUP | POLLHUP | POLLERR)) == 0;
    if (peer_open && ready > 0) break; // end_stalls(), or the client sent something
  }
  --m_stalled;
  return peer_open && !m_stopping;
}

} // namespace llmgw::bench
