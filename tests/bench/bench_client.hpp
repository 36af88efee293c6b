#pragma once
// A keep-alive HTTP/1.1 client over one TCP socket (TCP_NODELAY) that times one exchange to the
// microsecond: it writes prepared request bytes and reads the reply, noting the first body byte.
#include <string>

namespace llmgw::bench {

// One request/response as the client saw it. Times run from just before the request is written.
struct Exchange {
  bool ok = false;
  int status = 0;
  double total_us = 0;       // to the last body byte
  double first_byte_us = 0;  // to the first body byte (chunk framing counts)
  double first_event_us = 0; // to the first "data:" of an SSE body (time to first token); 0 = none
  std::string error;         // why ok is false
};

// Builds the bytes of a POST with a JSON body; extra_headers are complete "Name: value\r\n" lines.
std::string make_post(int port, const std::string& path, const std::string& extra_headers, const std::string& body);
// Builds the bytes of a GET.
std::string make_get(int port, const std::string& path);

class Connection {
public:
  // Connects lazily to 127.0.0.1:port; every read and write gives up after timeout_ms.
  Connection(int port, int timeout_ms);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Sends request and reads the whole response (2xx or not); reconnects first when needed.
  Exchange exchange(const std::string& request);
  // Sends request and returns as soon as the first body byte arrived, leaving the response open
  // (to hold a stream); the next exchange() reconnects.
  Exchange open_stream(const std::string& request);
  // Connects now if not connected; false (with error) when the connection fails.
  bool connect(std::string& error) { return ensure_connected(error); }
  // Closes the socket (a no-op when closed).
  void close();

private:
  bool ensure_connected(std::string& error);
  bool send_all(const std::string& bytes, std::string& error);
  // Appends what the socket has to m_buffer; false on EOF, error or timeout.
  bool receive(std::string& error);
  Exchange run(const std::string& request, bool stop_at_first_byte);

  int m_port;
  int m_timeout_ms;
  int m_fd = -1;
  std::string m_buffer;
};

} // namespace llmgw::bench
