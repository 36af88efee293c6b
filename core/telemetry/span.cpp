#include "core/telemetry/span.hpp"

#include <algorithm>

namespace llmgw::core::telemetry {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1; // uppercase is invalid in traceparent
}

template <size_t N> bool read_hex(std::string_view text, std::array<uint8_t, N>& out) {
  if (text.size() != 2 * N) return false;
  for (size_t i = 0; i < N; ++i) {
    const int high = hex_value(text[2 * i]), low = hex_value(text[2 * i + 1]);
    if (high < 0 || low < 0) return false;
    out[i] = static_cast<uint8_t>(high * 16 + low);
  }
  return std::any_of(out.begin(), out.end(), [](uint8_t byte) { return byte != 0; }); // all zero is invalid
}

} // namespace

std::optional<TraceParent> parse_traceparent(std::string_view header) {
  // version "-" trace-id "-" parent-id "-" flags; a later version may append "-" fields.
  if (header.size() < 55 || header[2] != '-' || header[35] != '-' || header[52] != '-') return std::nullopt;
  std::array<uint8_t, 1> version{}, flags{};
  const std::string_view version_text = header.substr(0, 2);
  if (hex_value(version_text[0]) < 0 || hex_value(version_text[1]) < 0 || version_text == "ff") return std::nullopt;
  read_hex(version_text, version);
  if (version[0] == 0 && header.size() != 55) return std::nullopt;
  if (header.size() > 55 && header[55] != '-') return std::nullopt;
  TraceParent parent;
  if (!read_hex(header.substr(3, 32), parent.trace_id) || !read_hex(header.substr(36, 16), parent.parent_id))
    return std::nullopt;
  const std::string_view flags_text = header.substr(53, 2);
  if (hex_value(flags_text[0]) < 0 || hex_value(flags_text[1]) < 0) return std::nullopt;
  read_hex(flags_text, flags); // "00" reads as all zero: false, yet the value is right
  parent.flags = flags[0];
  return parent;
}

std::string to_hex(const uint8_t* bytes, size_t size) {
  static constexpr char k_digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    out += k_digits[bytes[i] >> 4];
    out += k_digits[bytes[i] & 0xf];
  }
  return out;
}

IdSource::IdSource() {
  std::random_device device;
  std::seed_seq seed{device(), device(), device(), device()};
  m_random.seed(seed);
}

template <size_t N> std::array<uint8_t, N> IdSource::random_id() {
  std::array<uint8_t, N> id{};
  while (std::all_of(id.begin(), id.end(), [](uint8_t byte) { return byte == 0; })) {
    for (size_t i = 0; i < N; i += 8) {
      const uint64_t word = m_random();
      for (size_t j = 0; j < 8 && i + j < N; ++j) id[i + j] = static_cast<uint8_t>(word >> (8 * j));
    }
  }
  return id;
}

TraceId IdSource::trace_id() { return random_id<16>(); }
SpanId IdSource::span_id() { return random_id<8>(); }

} // namespace llmgw::core::telemetry
