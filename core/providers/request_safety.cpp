#include "core/providers/request_safety.hpp"

#include <httplib.h>

#include <array>
#include <string_view>

namespace llmgw::core::providers {
namespace {

constexpr char k_hex[] = "0123456789ABCDEF";

void append_escaped(std::string& out, unsigned char byte) {
  out += '%';
  out += k_hex[byte >> 4];
  out += k_hex[byte & 0x0F];
}

bool is_control(unsigned char byte) { return byte < 0x20 || byte == 0x7F; }

// RFC 9110 §5.6.2's tchar, as a table: a header name is checked byte by byte on every request.
constexpr std::array<bool, 256> k_token_chars = [] {
  std::array<bool, 256> table{};
  for (int c = '0'; c <= '9'; ++c) table[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) table[c] = table[c + ('a' - 'A')] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) table[static_cast<unsigned char>(c)] = true;
  return table;
}();

bool is_unreserved(unsigned char byte) {
  return (byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z') || (byte >= '0' && byte <= '9') || byte == '-' ||
         byte == '.' || byte == '_' || byte == '~';
}

// Length of the UTF-8 sequence starting at text[at], 0 when it is not well formed (Unicode
// Table 3-7: no overlong forms, no surrogates, nothing past U+10FFFF).
size_t utf8_length(std::string_view text, size_t at) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[at + i]); };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return 1;
  size_t length = lead >= 0xC2 && lead <= 0xDF   ? 2
                  : lead >= 0xE0 && lead <= 0xEF ? 3
                  : lead >= 0xF0 && lead <= 0xF4 ? 4
                                                 : 0;
  if (length == 0 || at + length > text.size()) return 0;
  unsigned char low = 0x80, high = 0xBF; // bounds of the second byte
  if (lead == 0xE0) low = 0xA0;
  if (lead == 0xED) high = 0x9F;
  if (lead == 0xF0) low = 0x90;
  if (lead == 0xF4) high = 0x8F;
  if (byte(1) < low || byte(1) > high) return 0;
  for (size_t i = 2; i < length; ++i)
    if (byte(i) < 0x80 || byte(i) > 0xBF) return 0;
  return length;
}

std::string_view trim_blanks(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// Whether a query parameter is the one llmgw reads as "key". It must agree with how the server
// parses the query (httplib's parse_query_text: pieces between '=' trimmed, the first non-empty
// one is the name, then URL-decoded), or "?=key=TOKEN" and "?%6Bey=TOKEN" would authenticate
// and still be forwarded.
bool names_key(std::string_view param) {
  std::string_view name;
  while (name.empty() && !param.empty()) {
    const size_t equals = param.find('=');
    name = trim_blanks(param.substr(0, equals));
    param = equals == std::string_view::npos ? std::string_view() : param.substr(equals + 1);
  }
  if (name == "key") return true;
  if (name.find_first_of("%+") == std::string_view::npos) return false;
  return httplib::detail::decode_url(std::string(name), true) == "key";
}

} // namespace

std::optional<std::string> check_model_name(std::string_view model) {
  if (model.size() > k_max_model_name_bytes)
    return "model name too long (" + std::to_string(model.size()) + " bytes, at most " +
           std::to_string(k_max_model_name_bytes) + ")";
  for (size_t at = 0; at < model.size();) {
    const auto byte = static_cast<unsigned char>(model[at]);
    if (is_control(byte))
      return "model name contains a control character (0x" + std::string{k_hex[byte >> 4], k_hex[byte & 0x0F]} +
             " at byte " + std::to_string(at) + ")";
    const size_t length = utf8_length(model, at);
    if (length == 0) return "model name is not valid UTF-8 (at byte " + std::to_string(at) + ")";
    at += length;
  }
  return std::nullopt;
}

std::string encode_path_segment(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  // A "." or ".." segment would be resolved away by any URL normaliser on the way.
  if (text == "." || text == "..") {
    for (size_t i = 0; i < text.size(); ++i) out += "%2E";
    return out;
  }
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (is_unreserved(byte))
      out += c;
    else
      append_escaped(out, byte);
  }
  return out;
}

std::string forwarded_query(std::string_view query, bool keep_key) {
  if (!query.empty() && query.front() == '?') query.remove_prefix(1);
  std::string out;
  while (!query.empty()) {
    const size_t end = query.find('&');
    const std::string_view param = query.substr(0, end);
    query = end == std::string_view::npos ? std::string_view() : query.substr(end + 1);
    if (param.empty() || (!keep_key && names_key(param))) continue;
    out += out.empty() ? '?' : '&';
    for (char c : param) {
      const auto byte = static_cast<unsigned char>(c);
      if (byte <= 0x20 || byte >= 0x7F || c == '#')
        append_escaped(out, byte);
      else
        out += c;
    }
  }
  return out;
}

bool safe_header_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name)
    if (!k_token_chars[static_cast<unsigned char>(c)]) return false;
  return true;
}

bool safe_header_value(std::string_view value) {
  for (char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if (is_control(byte) && byte != '\t') return false;
  }
  return true;
}

} // namespace llmgw::core::providers
