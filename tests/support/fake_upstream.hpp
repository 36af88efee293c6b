#pragma once
// An in-process fake LLM provider (httplib server on 127.0.0.1, plain HTTP or TLS) for
// integration tests, the end-to-end tests and the benchmark: records requests, serves canned
// replies and streams, stalls, cuts streams and notices clients that went away.
#include "tests/support/test_certificates.hpp"

#include <httplib.h>

#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace llmgw::test {

// One request as the fake received it.
struct RecordedRequest {
  std::string method, path, query /*raw "a=b&c"*/, body;
  httplib::Headers headers;
  int remote_port = 0; // the client's end of the connection it came on
};

// What the fake answers; chunks turn the reply into a chunked stream.
struct FakeResponse {
  int status = 200;
  std::string content_type = "application/json";
  httplib::Headers headers;        // extra response headers (e.g. request-id, retry-after)
  std::string body;                // non-streaming body
  std::vector<std::string> chunks; // when non-empty: chunked encoding, each chunk written+flushed
  int delay_before_headers_ms = 0; // stall before answering
  int delay_between_chunks_ms = 0;
  bool cut_after_chunks = false; // after the last chunk, drop the connection without the 0-chunk
  int stall_after_chunks_ms = 0; // keep the stream open this long after the last chunk
};

// Builds the reply for one request; called on a server thread.
using FakeHandler = std::function<FakeResponse(const RecordedRequest&)>;

// Called for every request before its handler (e.g. to log it); called on a server thread.
using RequestObserver = std::function<void(const RecordedRequest&)>;

// httplib::Server (or SSLServer) with access to its listening socket: httplib 0.11 listens with a
// backlog of 5, so a burst of connections waits a 1 s SYN retransmit unless the backlog is raised.
template <class Base> class BacklogServer : public Base {
public:
  using Base::Base;
  // Re-listens with the system's maximum backlog (listen() on a listening socket only updates
  // it, on Linux); call after binding.
  void raise_backlog() {
    if (this->svr_sock_ != INVALID_SOCKET) ::listen(this->svr_sock_, SOMAXCONN);
  }
};

class FakeUpstream {
public:
  // Binds 127.0.0.1:port (0 = ephemeral) and serves on its own thread with the default provider
  // handlers installed; with tls, serves HTTPS with its server certificate. Throws
  // std::runtime_error when the port cannot be bound.
  explicit FakeUpstream(int port = 0, const TestCertificates* tls = nullptr);
  // Stops serving (interrupting stalls) and joins the server thread.
  ~FakeUpstream();
  FakeUpstream(const FakeUpstream&) = delete;
  FakeUpstream& operator=(const FakeUpstream&) = delete;

  // The bound port and "http://127.0.0.1:PORT" ("https://" with TLS).
  int port() const;
  std::string base_url() const;

  // Answers method+path (exact match, query ignored) with handler; a later registration wins.
  void on(const std::string& method, const std::string& path, FakeHandler handler);
  // Sees every request before its handler runs; replaces any previous observer.
  void set_request_observer(RequestObserver observer);

  // Requests received since construction or reset(), unknown paths included.
  int calls() const;
  // The recorded requests, oldest first (only the last k_max_recorded are kept).
  std::vector<RecordedRequest> requests() const;
  // The most recent request; a default-constructed one when there was none.
  RecordedRequest last_request() const;
  // Forgets recorded requests, the call count and the disconnect flag (handlers stay).
  void reset();

  // Streams currently being written.
  int open_streams() const;
  // True once a streaming write failed (or the peer closed) because the client went away.
  bool saw_disconnect() const;

  // How many recent requests requests() keeps.
  static constexpr size_t k_max_recorded = 10000;

private:
  void install_default_handlers();
  void serve(const httplib::Request& req, httplib::Response& res);
  RecordedRequest record(const httplib::Request& req);
  FakeHandler find_handler(const std::string& method, const std::string& path) const;
  void start_stream(FakeResponse reply, int remote_port, httplib::Response& res);
  bool write_chunks(const FakeResponse& reply, int fd, httplib::DataSink& sink);
  bool sleep_unless_gone(int ms, int fd);
  bool peer_gone(int fd) const;

  std::unique_ptr<httplib::Server> m_server;
  bool m_tls = false;
  std::thread m_thread;
  int m_port = 0;
  mutable std::mutex m_mutex;
  std::map<std::pair<std::string, std::string>, FakeHandler> m_handlers;
  RequestObserver m_observer;
  std::deque<RecordedRequest> m_requests;
  int m_calls = 0;
  std::atomic<int> m_open_streams{0};
  std::atomic<bool> m_saw_disconnect{false};
  std::atomic<bool> m_stopping{false};
};

// Ready-made replies in each provider's exact wire format. Ids are generated (unique per
// process); usage numbers are the caller's. Streams are one SSE event per chunk.

// OpenAI Chat Completions: a text completion (finish_reason "stop").
FakeResponse openai_chat_reply(const std::string& model, const std::string& text, int prompt_tokens, int cached_tokens,
                               int completion_tokens);
// OpenAI Chat Completions stream: role chunk, one chunk per piece, finish chunk, the usage chunk
// (choices: []) only if include_usage, then data: [DONE].
FakeResponse openai_chat_stream(const std::string& model, const std::vector<std::string>& text_pieces,
                                bool include_usage, int prompt_tokens, int cached_tokens, int completion_tokens);
// OpenAI Responses: a completed response with one output_text message.
FakeResponse openai_responses_reply(const std::string& model, const std::string& text, int input_tokens,
                                    int cached_tokens, int output_tokens);
// OpenAI Responses stream: created, in_progress, output_item.added, content_part.added,
// output_text.delta per piece, output_text.done, content_part.done, output_item.done, completed.
FakeResponse openai_responses_stream(const std::string& model, const std::vector<std::string>& text_pieces,
                                     int input_tokens, int cached_tokens, int output_tokens);
// OpenAI Responses: a completed response whose only output is a function_call item.
FakeResponse openai_responses_function_call_reply(const std::string& model, const std::string& name,
                                                  const std::string& arguments_json, int input_tokens,
                                                  int cached_tokens, int output_tokens);
// OpenAI Responses stream of one function_call item (arguments in one delta), then completed.
FakeResponse openai_responses_function_call_stream(const std::string& model, const std::string& name,
                                                   const std::string& arguments_json, int input_tokens,
                                                   int cached_tokens, int output_tokens);
// OpenAI error body {"error":{message,type,param:null,code}}; an empty code is sent as null.
FakeResponse openai_error(int status, const std::string& type, const std::string& message, const std::string& code);

// Anthropic Messages: one text block, stop_reason "end_turn". input excludes the cached tokens.
FakeResponse anthropic_reply(const std::string& model, const std::string& text, int input_tokens, int cache_read_tokens,
                             int cache_write_tokens, int output_tokens);
// Anthropic stream with event: lines: message_start (input usage), ping, content_block_* per
// piece, message_delta (cumulative usage), message_stop.
FakeResponse anthropic_stream(const std::string& model, const std::vector<std::string>& text_pieces, int input_tokens,
                              int cache_read_tokens, int cache_write_tokens, int output_tokens);
// Anthropic Messages: one tool_use block calling name with input_json, stop_reason "tool_use".
FakeResponse anthropic_tool_use_reply(const std::string& model, const std::string& name, const std::string& input_json,
                                      int input_tokens, int cache_read_tokens, int cache_write_tokens,
                                      int output_tokens);
// Anthropic stream of one tool_use block (input_json_delta pieces), stop_reason "tool_use".
FakeResponse anthropic_tool_use_stream(const std::string& model, const std::string& name, const std::string& input_json,
                                       int input_tokens, int cache_read_tokens, int cache_write_tokens,
                                       int output_tokens);
// Anthropic error body {"type":"error","error":{type,message},"request_id":...}.
FakeResponse anthropic_error(int status, const std::string& type, const std::string& message);

} // namespace llmgw::test
