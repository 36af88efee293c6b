#include "tests/bench/bench_http.hpp"

#include <cctype>
#include <cstdlib>

namespace llmgw::bench {
namespace {

bool equals_nocase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

bool contains_nocase(std::string_view text, std::string_view word) {
  for (size_t i = 0; i + word.size() <= text.size(); ++i)
    if (equals_nocase(text.substr(i, word.size()), word)) return true;
  return false;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) text.remove_suffix(1);
  return text;
}

void parse_start_line(std::string_view line, bool is_response, MessageHead& head) {
  const size_t first_space = line.find(' ');
  if (first_space == k_npos) return;
  if (is_response) {
    head.status = std::atoi(std::string(line.substr(first_space + 1, 3)).c_str());
    head.close = line.substr(0, 8) == "HTTP/1.0";
    return;
  }
  const size_t second_space = line.find(' ', first_space + 1);
  head.method = line.substr(0, first_space);
  head.path = line.substr(first_space + 1, second_space - first_space - 1);
  head.close = second_space != k_npos && line.substr(second_space + 1, 8) == "HTTP/1.0";
}

void parse_header(std::string_view line, MessageHead& head) {
  const size_t colon = line.find(':');
  if (colon == k_npos) return;
  const std::string_view name = line.substr(0, colon), value = trim(line.substr(colon + 1));
  if (equals_nocase(name, "content-length"))
    head.content_length = std::atoll(std::string(value).c_str());
  else if (equals_nocase(name, "transfer-encoding"))
    head.chunked = contains_nocase(value, "chunked");
  else if (equals_nocase(name, "connection"))
    head.close = contains_nocase(value, "close");
}

} // namespace

bool parse_head(std::string_view buffer, bool is_response, MessageHead& head) {
  const size_t end = buffer.find("\r\n\r\n");
  if (end == k_npos) return false;
  head = MessageHead{};
  head.body_begin = end + 4;
  size_t line_begin = 0;
  bool first = true;
  while (line_begin < end) {
    size_t line_end = buffer.find("\r\n", line_begin);
    if (line_end == k_npos || line_end > end) line_end = end;
    const std::string_view line = buffer.substr(line_begin, line_end - line_begin);
    if (first)
      parse_start_line(line, is_response, head);
    else
      parse_header(line, head);
    first = false;
    line_begin = line_end + 2;
  }
  return true;
}

size_t chunked_body_end(std::string_view buffer, size_t begin, bool& malformed) {
  size_t pos = begin;
  while (true) {
    const size_t line_end = buffer.find("\r\n", pos);
    if (line_end == k_npos) return k_npos;
    char* parsed_end = nullptr;
    const std::string size_text(buffer.substr(pos, line_end - pos));
    const unsigned long long size = std::strtoull(size_text.c_str(), &parsed_end, 16);
    if (parsed_end == size_text.c_str()) {
      malformed = true;
      return k_npos;
    }
    const size_t data_begin = line_end + 2;
    if (size == 0) return buffer.size() >= data_begin + 2 ? data_begin + 2 : k_npos;
    if (buffer.size() < data_begin + size + 2) return k_npos;
    pos = data_begin + size + 2;
  }
}

size_t body_end(std::string_view buffer, const MessageHead& head, bool& malformed) {
  if (head.chunked) return chunked_body_end(buffer, head.body_begin, malformed);
  const size_t length = head.content_length < 0 ? 0 : static_cast<size_t>(head.content_length);
  return buffer.size() >= head.body_begin + length ? head.body_begin + length : k_npos;
}

} // namespace llmgw::bench
