#pragma once
// Small HTTP helpers for integration tests: a POST whose body is read chunk by chunk.
#include <httplib.h>

#include <functional>
#include <string>

namespace llmgw::test {

// A small Messages request, whole and streamed.
inline const std::string k_messages_body = R"({"model":"claude-sonnet-4-5","max_tokens":5,"messages":[]})";
inline const std::string k_messages_stream_body =
    R"({"model":"claude-sonnet-4-5","max_tokens":5,"stream":true,"messages":[]})";

struct StreamResult {
  int status = 0;
  httplib::Headers headers;
  std::string body;
  httplib::Error error = httplib::Error::Success;
};

// POST and collect the body; on_chunk may return false to hang up early.
inline StreamResult post_streaming(httplib::Client& client, const std::string& path, const httplib::Headers& headers,
                                   const std::string& body,
                                   const std::function<bool(const std::string&)>& on_chunk = nullptr) {
  StreamResult result;
  httplib::Request request;
  request.method = "POST";
  request.path = path;
  request.headers = headers;
  request.headers.emplace("Content-Type", "application/json");
  request.body = body;
  request.response_handler = [&](const httplib::Response& response) {
    result.status = response.status;
    result.headers = response.headers;
    return true;
  };
  request.content_receiver = [&](const char* data, size_t size, uint64_t, uint64_t) {
    std::string chunk(data, size);
    result.body += chunk;
    return on_chunk ? on_chunk(chunk) : true;
  };
  httplib::Response response;
  client.send(request, response, result.error);
  return result;
}

} // namespace llmgw::test
