// The server's reading of a request head: parsing, and the framing rules that refuse a request
// two readers could split differently (request smuggling).
#include "core/http/server_request.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace llmgw::core::http;

namespace {

// The refusal for a head, or "" when it may be served; "unparsable" when it does not parse.
std::string refusal_of(const std::string& head) {
  httplib::Request request;
  if (!parse_request_head(head, request)) return "unparsable";
  const char* error = framing_error(request);
  return error == nullptr ? "" : error;
}

} // namespace

TEST_CASE("a request with Content-Length and Transfer-Encoding together is refused") {
  CHECK(refusal_of("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n")
            .find("both Content-Length and Transfer-Encoding") != std::string::npos);
  CHECK(refusal_of("POST / HTTP/1.1\r\nhost: a\r\ntransfer-encoding: chunked\r\nCONTENT-LENGTH: 3\r\n") != "");
}

TEST_CASE("chunked is the only transfer coding accepted, and only once") {
  CHECK(refusal_of("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n") == "");
  CHECK(refusal_of("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked \r\n") == "");
  CHECK(refusal_of("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n") != "");
  CHECK(refusal_of("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n") != "");
  CHECK(refusal_of("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n") != "");
}

TEST_CASE("HTTP/1.1 needs exactly one Host header; HTTP/1.0 may leave it out") {
  CHECK(refusal_of("GET / HTTP/1.1\r\nHost: a\r\n") == "");
  CHECK(refusal_of("GET / HTTP/1.1\r\nAccept: */*\r\n").find("without a Host header") != std::string::npos);
  CHECK(refusal_of("GET / HTTP/1.1\r\n") != "");
  CHECK(refusal_of("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n").find("more than one Host header") != std::string::npos);
  CHECK(refusal_of("GET / HTTP/1.0\r\n") == "");
  CHECK(refusal_of("GET / HTTP/1.0\r\nHost: a\r\nHOST: a\r\n") != "");
}

TEST_CASE("a request head parses into method, target, path, query and headers") {
  httplib::Request request;
  REQUIRE(parse_request_head("POST /v1/a%20b?x=1&y=2 HTTP/1.1\r\nHost: a\r\nX-Thing:  value \r\n", request));
  CHECK(request.method == "POST");
  CHECK(request.target == "/v1/a%20b?x=1&y=2");
  CHECK(request.path == "/v1/a b");
  CHECK(request.get_param_value("y") == "2");
  CHECK(request.get_header_value("x-thing") == "value");
  CHECK(wants_keep_alive(request));
  httplib::Request broken;
  CHECK_FALSE(parse_request_head("GET  / HTTP/1.1\r\n", broken));
  CHECK_FALSE(parse_request_head("GET / HTTP/2\r\n", broken));
  CHECK_FALSE(parse_request_head("GET / HTTP/1.1\r\nBad Name: x\r\n", broken));
}
