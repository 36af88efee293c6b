// The event loop (core/http/http_server.hpp, core/platform/fiber.hpp): requests waiting for their
// provider hold no thread, and a request that must block (a client that does not read) goes on on
// a thread of its own instead of holding up the others.
#include "tests/integration/runtime_serve.hpp"
#include "tests/integration/stream_client.hpp"
#include "tests/support/fake_upstream.hpp"
#include "tests/support/test_gateway.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

using namespace llmgw;
using namespace llmgw::test;

namespace {

using Clock = std::chrono::steady_clock;

const std::string& k_body = k_messages_body;
const std::string& k_stream_body = k_messages_stream_body;

// A raw client: connects to the gateway on port (with a receive buffer of receive_buffer bytes,
// when not 0) and sends one Messages request with body. The socket, or -1.
int send_raw(int port, const std::string& body, int receive_buffer = 0) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  if (receive_buffer > 0) ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string request = "POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n";
  for (const auto& [name, value] : TestGateway::anthropic_auth()) request += name + ": " + value + "\r\n";
  request += "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::send(fd, request.data(), request.size(), 0) != static_cast<ssize_t>(request.size())) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Everything the gateway sends on fd until it closes; closes fd.
std::string read_to_end(int fd) {
  std::string received;
  char buffer[65536];
  for (ssize_t got; (got = ::recv(fd, buffer, sizeof buffer, 0)) > 0;)
    received.append(buffer, static_cast<size_t>(got));
  ::close(fd);
  return received;
}

// Five requests from another client are answered at once, each within a second.
void check_answered_at_once(httplib::Client& client) {
  for (int i = 0; i < 5; ++i) {
    const auto start = Clock::now();
    auto reply = client.Post("/v1/messages", TestGateway::anthropic_auth(), k_body, "application/json");
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    REQUIRE(reply);
    CHECK(reply->status == 200);
    CHECK(ms < 1000);
  }
}

void write_config(const TempDir& dir, const FakeUpstream& upstream) {
  std::ofstream(dir.file("config.toml")) << "default_provider = \"anthropic\"\n[server]\nshutdown_grace_seconds = 2\n"
                                         << "[providers.anthropic]\nkind = \"anthropic\"\nbase_url = \""
                                         << upstream.base_url() << "\"\napi_key_env = \"LLMGW_IT_KEY\"\n";
}

// Calls read with the /proc directory of every thread of process pid; false when the process is gone.
bool for_each_thread(pid_t pid, const std::function<void(const std::string&)>& read) {
  const std::string tasks = "/proc/" + std::to_string(pid) + "/task";
  DIR* dir = ::opendir(tasks.c_str());
  if (dir == nullptr) return false;
  while (const dirent* entry = ::readdir(dir))
    if (entry->d_name[0] != '.') read(tasks + "/" + entry->d_name);
  ::closedir(dir);
  return true;
}

// The threads of process pid now in a recvfrom (blocked reading a socket).
int threads_in_recv(pid_t pid) {
  int count = 0;
  const bool found = for_each_thread(pid, [&](const std::string& task) {
    std::ifstream syscall_file(task + "/syscall");
    long number = -1;
    if (syscall_file >> number && number == SYS_recvfrom) ++count;
  });
  return found ? count : -1;
}

// Voluntary context switches of every thread of process pid so far (a thread waking from a wait
// counts one).
long context_switches(pid_t pid) {
  long total = 0;
  const bool found = for_each_thread(pid, [&](const std::string& task) {
    std::ifstream status(task + "/status");
    for (std::string line; std::getline(status, line);)
      if (line.rfind("voluntary_ctxt_switches:", 0) == 0) total += std::stol(line.substr(line.find(':') + 1));
  });
  return found ? total : -1;
}

// Waits (at most 3 s) until process pid has used under 1 ms of CPU in 50 ms: the threads that
// relayed the last wave have finished with its requests and given their provider connections back
// to the pool, which on a loaded machine can come after the client has its last byte.
void wait_until_idle(pid_t pid) {
  const auto ran_ns = [pid] {
    double total = 0;
    for_each_thread(pid, [&](const std::string& task) {
      std::ifstream schedstat(task + "/schedstat");
      double ns = 0;
      if (schedstat >> ns) total += ns;
    });
    return total;
  };
  double last = ran_ns();
  for (int wait = 0; wait < 60; ++wait) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const double now = ran_ns();
    if (now - last < 1e6) return;
    last = now;
  }
}

// 32 requests at once to a provider that answers after 600 ms: the most server threads seen in
// recvfrom meanwhile, and how long the 32 took.
struct Wave {
  int most_in_recv = 0;
  double seconds = 0;
  int ok = 0;
};

// 32 requests with `body` at once: the most server threads seen in recvfrom in the first `watch_ms`,
// how long the 32 took, and how many got a 200 whose body holds `expect`.
Wave send_wave(const RuntimeServe& serve, const std::string& body, const std::string& expect = "", int watch_ms = 400) {
  Wave wave;
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  const auto start = Clock::now();
  for (int i = 0; i < 32; ++i)
    clients.emplace_back([&] {
      httplib::Client client("127.0.0.1", serve.port());
      client.set_read_timeout(10, 0);
      auto reply = client.Post("/v1/messages",
                               httplib::Headers{{"x-api-key", serve.token()}, {"anthropic-version", "2023-06-01"}},
                               body, "application/json");
      if (reply && reply->status == 200 && reply->body.find(expect) != std::string::npos) ++ok;
    });
  for (int waited = 0; waited < watch_ms; waited += 10) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    wave.most_in_recv = std::max(wave.most_in_recv, threads_in_recv(serve.pid()));
  }
  for (auto& client : clients) client.join();
  wave.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  wave.ok = ok;
  return wave;
}

Wave slow_provider_wave(bool event_loop) {
  FakeUpstream upstream;
  upstream.on("POST", "/v1/messages", [](const RecordedRequest&) {
    auto reply = anthropic_reply("claude-sonnet-4-5", "ok", 10, 0, 0, 5);
    reply.delay_before_headers_ms = 600;
    return reply;
  });
  TempDir dir;
  write_config(dir, upstream);
  EnvVars env{{"LLMGW_IT_KEY", "fake-key-for-tests"}};
  if (!event_loop) env.push_back({"LLMGW_EVENT_LOOP", "0"});
  RuntimeServe serve(dir, env);
  send_wave(serve, k_body); // opens the provider connections (a connect goes on on a thread)
  wait_until_idle(serve.pid());
  return send_wave(serve, k_body); // on kept-alive connections
}

} // namespace

TEST_CASE("event loop: 32 requests waiting for a slow provider hold no thread each, and all run at once") {
  const Wave loop = slow_provider_wave(true);
  MESSAGE("event loop: 32 requests in " << loop.seconds << " s, at most " << loop.most_in_recv
                                        << " server threads in recvfrom");
  CHECK(loop.ok == 32);
  CHECK(loop.seconds < 3.0);     // at once: one after the other would take 19 s
  CHECK(loop.most_in_recv <= 2); // the provider's answers are awaited by the loop, not by threads

  // The same with a thread per request, so the measure above can tell the two apart.
  const Wave threads = slow_provider_wave(false);
  MESSAGE("thread per request: 32 requests in " << threads.seconds << " s, at most " << threads.most_in_recv
                                                << " server threads in recvfrom");
  CHECK(threads.ok == 32);
  CHECK(threads.most_in_recv >= 16);
}

TEST_CASE("event loop: a client that does not read its large answer holds up no other request") {
  FakeUpstream upstream;
  const std::string big(8 * 1024 * 1024, 'x');
  upstream.on("POST", "/v1/messages", [&](const RecordedRequest& request) {
    return anthropic_reply("claude-sonnet-4-5", request.body.find("big") != std::string::npos ? big : "small", 10, 0, 0,
                           5);
  });
  TestGateway gateway(fake_config(upstream));

  // A raw client with a small receive buffer sends its request and reads nothing for a while.
  const int fd =
      send_raw(gateway.port(),
               R"({"model":"claude-sonnet-4-5","max_tokens":5,"messages":[{"role":"user","content":"big"}]})", 4096);
  REQUIRE(fd >= 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300)); // its answer fills the socket and waits
  auto client = gateway.client();
  check_answered_at_once(*client);

  // The slow reader still gets its whole answer.
  const std::string received = read_to_end(fd);
  CHECK(received.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(received.find(big) != std::string::npos);
  CHECK(gateway.wait_rows(6).size() == 6);
}

TEST_CASE("event loop: a provider connection closed and opened again in place is waited on again") {
  // Every third answer says Connection: close, so the gateway's connection to the provider is
  // closed and the next request opens another in its place, likely under the same descriptor
  // number. The loop watches a provider connection from its first wait on: the new one must be
  // watched afresh, or its answers are never noticed and the request hangs to its read timeout.
  FakeUpstream upstream;
  std::atomic<int> answered{0};
  upstream.on("POST", "/v1/messages", [&](const RecordedRequest&) {
    auto reply = anthropic_reply("claude-sonnet-4-5", "ok", 10, 0, 0, 5);
    if (++answered % 3 == 0) reply.headers.emplace("Connection", "close");
    return reply;
  });
  TestGateway gateway(fake_config(upstream));
  auto client = gateway.client();
  client->set_read_timeout(5, 0);
  for (int i = 0; i < 30; ++i) {
    CAPTURE(i);
    const auto start = Clock::now();
    auto reply = client->Post("/v1/messages", TestGateway::anthropic_auth(), k_body, "application/json");
    REQUIRE(reply);
    CHECK(reply->status == 200);
    CHECK(std::chrono::duration<double, std::milli>(Clock::now() - start).count() < 2000);
  }
  // Both happened: answers on a kept connection, and new connections after a close.
  int reused = 0, opened = 1;
  const auto seen = upstream.requests();
  for (size_t i = 1; i < seen.size(); ++i) (seen[i].remote_port == seen[i - 1].remote_port ? reused : opened)++;
  MESSAGE("provider connections: " << opened << " opened, " << reused << " answers on a kept one");
  CHECK(opened >= 10);
  CHECK(reused >= 10);
}

TEST_CASE("event loop: a stream read by a thread, on a connection the loop watched, does not wake the loop per event") {
  // The loop watches a provider connection from its first wait there on; a stream's reader thread
  // reads that connection next. Unless the loop stops watching it, each of the stream's events
  // wakes the loop too: a context switch per event on top of the reader's own.
  FakeUpstream upstream;
  constexpr int k_pieces = 60;
  upstream.on("POST", "/v1/messages", [](const RecordedRequest& request) {
    if (request.body.find("\"stream\":true") == std::string::npos)
      return anthropic_reply("claude-sonnet-4-5", "ok", 10, 0, 0, 5);
    auto reply = anthropic_stream("claude-sonnet-4-5", std::vector<std::string>(k_pieces, "x"), 10, 0, 0, k_pieces);
    reply.delay_between_chunks_ms = 5;
    return reply;
  });
  TempDir dir;
  write_config(dir, upstream);
  RuntimeServe serve(dir, EnvVars{{"LLMGW_IT_KEY", "fake-key-for-tests"}});
  httplib::Client client("127.0.0.1", serve.port());
  client.set_read_timeout(10, 0);
  const httplib::Headers headers{{"x-api-key", serve.token()}, {"anthropic-version", "2023-06-01"}};
  // The first opens the provider connection (on a thread), the second runs on the loop and waits
  // there for the answer: from then on the loop watches the connection.
  for (int i = 0; i < 2; ++i) {
    auto reply = client.Post("/v1/messages", headers, k_body, "application/json");
    REQUIRE(reply);
    REQUIRE(reply->status == 200);
  }
  const long before = context_switches(serve.pid());
  auto reply =
      client.Post("/v1/messages", headers,
                  R"({"model":"claude-sonnet-4-5","max_tokens":5,"stream":true,"messages":[]})", "application/json");
  const long switches = context_switches(serve.pid()) - before;
  REQUIRE(reply);
  REQUIRE(reply->status == 200);
  REQUIRE(reply->body.find("message_stop") != std::string::npos);
  REQUIRE(upstream.requests().size() == 3);
  CHECK(upstream.requests()[2].remote_port == upstream.requests()[1].remote_port); // the watched connection
  const int events = k_pieces + 6; // message_start, ping, block start and stop, message_delta and stop
  MESSAGE("a stream of " << events << " events, 5 ms apart: " << switches << " context switches in llmgw");
  // About 80 here (idle or with both cores busy); about 150 when every event also wakes the loop.
  CHECK(switches < events * 7 / 4);
}

TEST_CASE("event loop: 32 streams on kept-alive provider connections hold no thread each") {
  // A stream whose provider connection is open already is relayed by the loop: the request's fiber
  // resumes the provider's reader and writes each event itself. With a thread per stream (its
  // reader blocked in recvfrom) the 32 show as 32 threads in recvfrom.
  FakeUpstream upstream;
  upstream.on("POST", "/v1/messages", [](const RecordedRequest&) {
    auto reply = anthropic_stream("claude-sonnet-4-5", std::vector<std::string>(20, "x"), 10, 0, 0, 20);
    reply.delay_between_chunks_ms = 20;
    return reply;
  });
  TempDir dir;
  write_config(dir, upstream);
  RuntimeServe serve(dir, EnvVars{{"LLMGW_IT_KEY", "fake-key-for-tests"}});
  // Each of the 32 streams takes 20 events 20 ms apart; the first wave opens the provider
  // connections (on threads), the second reuses them.
  const Wave opening = send_wave(serve, k_stream_body, "message_stop", 300);
  CHECK(opening.ok == 32);
  wait_until_idle(serve.pid());
  const Wave wave = send_wave(serve, k_stream_body, "message_stop", 300);
  MESSAGE("32 streams on kept-alive connections in " << wave.seconds << " s, at most " << wave.most_in_recv
                                                     << " server threads in recvfrom");
  CHECK(wave.ok == 32);
  CHECK(wave.most_in_recv <= 2);
}

TEST_CASE("event loop: a stream whose client stops reading goes on on threads and arrives whole") {
  // The relay starts on the loop; once the client's socket is full its write would block the loop,
  // so the request and the provider's reader move to threads, and the stream goes on from there.
  // 8 MB: more than the client's socket and llmgw's send buffer (about 3 MB) hold together.
  const std::string piece(64 * 1024, 'y');
  constexpr int k_pieces = 128;
  // Made before the request: built in the handler, the 8 MB would be late and the client reading.
  auto stream = anthropic_stream("claude-sonnet-4-5", std::vector<std::string>(k_pieces, piece), 10, 0, 0, k_pieces);
  // About 1 MB per write, 20 ms apart: each is less than the relay buffers (4 MB), so it is the
  // write to the client that fills up, not the buffer.
  std::vector<std::string> grouped(1);
  for (const auto& chunk : stream.chunks) {
    if (grouped.back().size() >= 1'000'000) grouped.emplace_back();
    grouped.back() += chunk;
  }
  stream.chunks = grouped;
  stream.delay_between_chunks_ms = 20;
  FakeUpstream upstream;
  upstream.on("POST", "/v1/messages", [&](const RecordedRequest& request) {
    if (request.body.find("\"stream\":true") == std::string::npos)
      return anthropic_reply("claude-sonnet-4-5", "ok", 10, 0, 0, 5);
    return stream;
  });
  TestGateway gateway(fake_config(upstream));
  auto client = gateway.client();
  // Opens the provider connection, so that the stream below starts on the loop.
  REQUIRE(client->Post("/v1/messages", TestGateway::anthropic_auth(), k_body, "application/json"));

  const int fd = send_raw(gateway.port(), k_stream_body, 4096);
  REQUIRE(fd >= 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300)); // the stream fills the socket and waits
  check_answered_at_once(*client);
  const std::string received = read_to_end(fd);
  CHECK(received.rfind("HTTP/1.1 200", 0) == 0);
  size_t pieces = 0;
  for (size_t at = received.find(piece); at != std::string::npos; at = received.find(piece, at + piece.size()))
    ++pieces;
  CHECK(pieces == k_pieces);
  CHECK(received.find("message_stop") != std::string::npos);
  const auto rows = gateway.wait_rows(7);
  REQUIRE(rows.size() == 7);
  for (const auto& row : rows) CHECK(row.record.outcome == core::Outcome::ok); // the stream too: whole, not cut
}

TEST_CASE("event loop: a stream's head reaches the client within a few ms when its first event is late") {
  // A model that thinks before its first token: the provider's head comes at once, its first event
  // 400 ms later. The relay holds the head 3 ms for an event to go with, then sends it alone, so
  // the client learns the status at once (a loop that checked its deadlines every 50 ms sent it
  // 52-55 ms after the request).
  FakeUpstream upstream;
  upstream.on("POST", "/v1/messages", [](const RecordedRequest& request) {
    if (request.body.find("\"stream\":true") == std::string::npos)
      return anthropic_reply("claude-sonnet-4-5", "ok", 10, 0, 0, 5);
    auto reply = anthropic_stream("claude-sonnet-4-5", {"late"}, 10, 0, 0, 1);
    std::string events;
    for (const auto& chunk : reply.chunks) events += chunk;
    reply.chunks = {"", events}; // the head goes alone, every event after the delay
    reply.delay_between_chunks_ms = 400;
    return reply;
  });
  TestGateway gateway(fake_config(upstream));
  auto client = gateway.client();
  REQUIRE(client->Post("/v1/messages", TestGateway::anthropic_auth(), k_body, "application/json"));
  // Each head's time less that of a whole answer asked for the same way just before: what the
  // relay held the head for, whatever the machine's load adds to both.
  auto first_bytes_ms = [&](const std::string& body) {
    const auto start = Clock::now();
    const int fd = send_raw(gateway.port(), body);
    REQUIRE(fd >= 0);
    char buffer[4096];
    const ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    REQUIRE(got > 0);
    const std::string answer = std::string(buffer, static_cast<size_t>(got)) + read_to_end(fd);
    CHECK(answer.rfind("HTTP/1.1 200", 0) == 0);
    CHECK(answer.find(body == k_body ? "\"ok\"" : "message_stop") != std::string::npos);
    return ms;
  };
  std::vector<double> held_ms;
  for (int i = 0; i < 5; ++i) {
    const double whole = first_bytes_ms(k_body);
    held_ms.push_back(first_bytes_ms(k_stream_body) - whole);
  }
  std::sort(held_ms.begin(), held_ms.end());
  MESSAGE("5 heads held " << held_ms.front() << " to " << held_ms.back() << " ms, median " << held_ms[2] << " ms");
  // About 3 ms (the coalescing wait); 50 ms or more when the deadline waits for the poller's
  // sweep. The median tells the two apart on a loaded machine.
  CHECK(held_ms[2] < 25);
}
