#include "core/providers/request_safety.hpp"

#include <doctest/doctest.h>

#include <string>
#include <string_view>

using namespace llmgw::core;
using namespace std::string_view_literals;

TEST_CASE("model names: control characters, overlong names and broken UTF-8 are refused") {
  CHECK_FALSE(providers::check_model_name("gemini-2.5-flash"));
  CHECK_FALSE(providers::check_model_name("hf.co/unsloth/Qwen3-Coder:Q4_K_M"));
  CHECK_FALSE(providers::check_model_name("us.anthropic.claude-sonnet-4-5-v1:0"));
  CHECK_FALSE(providers::check_model_name("modèle café"));
  CHECK_FALSE(providers::check_model_name(std::string(256, 'm')));
  CHECK(providers::check_model_name(std::string(257, 'm')) == "model name too long (257 bytes, at most 256)");
  CHECK(providers::check_model_name("gemini-2.5-flash:generateContent HTTP/1.1\r\nHost: x") ==
        "model name contains a control character (0x0D at byte 41)");
  CHECK(providers::check_model_name(std::string("a\0b", 3)) ==
        "model name contains a control character (0x00 at byte 1)");
  CHECK(providers::check_model_name("a\x7f") == "model name contains a control character (0x7F at byte 1)");
  CHECK(providers::check_model_name("tab\there") == "model name contains a control character (0x09 at byte 3)");
  CHECK(providers::check_model_name("bad\xff") == "model name is not valid UTF-8 (at byte 3)");
  CHECK(providers::check_model_name("\xed\xa0\x80") == "model name is not valid UTF-8 (at byte 0)"); // a surrogate
  CHECK(providers::check_model_name("\xc0\xaf") == "model name is not valid UTF-8 (at byte 0)");     // overlong '/'
  CHECK(providers::check_model_name("cut\xe2\x82") == "model name is not valid UTF-8 (at byte 3)");
}

TEST_CASE("path segments: unreserved characters stay, everything else is percent-encoded") {
  CHECK(providers::encode_path_segment("gemini-2.5-flash_v~1") == "gemini-2.5-flash_v~1");
  CHECK(providers::encode_path_segment("a:b/c?d#e f%") == "a%3Ab%2Fc%3Fd%23e%20f%25");
  CHECK(providers::encode_path_segment("\r\n\x00\xff"sv) == "%0D%0A%00%FF");
  CHECK(providers::encode_path_segment(".") == "%2E");
  CHECK(providers::encode_path_segment("..") == "%2E%2E");
  CHECK(providers::encode_path_segment("...") == "...");
  CHECK(providers::encode_path_segment("") == "");
}

TEST_CASE("forwarded query: every key= parameter goes, however the server would read it") {
  CHECK(providers::forwarded_query("", false) == "");
  CHECK(providers::forwarded_query("?", false) == "");
  CHECK(providers::forwarded_query("?key=llmgw-token", false) == "");
  CHECK(providers::forwarded_query("?alt=sse&key=llmgw-token", false) == "?alt=sse");
  CHECK(providers::forwarded_query("?key=a&alt=sse&key=b&x", false) == "?alt=sse&x");
  CHECK(providers::forwarded_query("?%6Bey=t&%6b%65%79=t&ke%79=t&=key=t&key==t&keys=1&monkey=2", false) ==
        "?keys=1&monkey=2");
  CHECK(providers::forwarded_query("?\tkey=t&a=1", false) == "?a=1");
  CHECK(providers::forwarded_query("?key=t&a=1", true) == "?key=t&a=1");
  CHECK(providers::forwarded_query("?&&a=1&&", false) == "?a=1");
}

TEST_CASE("forwarded query: bytes a request line cannot carry are encoded, escapes kept") {
  CHECK(providers::forwarded_query("?a=x\r\nHost: y", false) == "?a=x%0D%0AHost:%20y");
  CHECK(providers::forwarded_query("?a=%20b#frag&c=\xc3\xa9", false) == "?a=%20b%23frag&c=%C3%A9");
}

TEST_CASE("header names are tokens; header values carry no control character but a tab") {
  CHECK(providers::safe_header_name("x-stainless-os"));
  CHECK(providers::safe_header_name("X_Custom.1!"));
  CHECK_FALSE(providers::safe_header_name(""));
  CHECK_FALSE(providers::safe_header_name("bad name"));
  CHECK_FALSE(providers::safe_header_name("x\r\ny"));
  CHECK_FALSE(providers::safe_header_name("a:b"));
  // Every byte: letters, digits and RFC 9110's tchar punctuation only, nothing past ASCII.
  int tokens = 0;
  for (int byte = 0; byte < 256; ++byte) {
    const std::string name(1, static_cast<char>(byte));
    CAPTURE(byte);
    const bool tchar =
        (byte >= '0' && byte <= '9') || (byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z') ||
        (byte < 128 && std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(byte)) != std::string_view::npos);
    CHECK(providers::safe_header_name(name) == tchar);
    CHECK(providers::safe_header_name("x-" + name + "-y") == tchar);
    tokens += tchar ? 1 : 0;
  }
  CHECK(tokens == 10 + 26 + 26 + 15);
  CHECK(providers::safe_header_value("claude-cli/2.0.14 (external, cli)"));
  CHECK(providers::safe_header_value("a\tb"));
  CHECK(providers::safe_header_value("caf\xc3\xa9"));
  CHECK(providers::safe_header_value(""));
  CHECK_FALSE(providers::safe_header_value("v\r\nx-injected: 1"));
  CHECK_FALSE(providers::safe_header_value("v\rx"));
  CHECK_FALSE(providers::safe_header_value("v\nx"));
  CHECK_FALSE(providers::safe_header_value(std::string("v\0x", 3)));
  CHECK_FALSE(providers::safe_header_value("v\x7f"));
}
