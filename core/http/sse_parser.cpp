#include "core/http/sse_parser.hpp"

#include <algorithm>
#include <cstring>

namespace llmgw::core::http {
namespace {

constexpr std::string_view k_bom = "\xEF\xBB\xBF";

// Finds the next occurrence of one byte with memchr, remembering the hit so that a buffer of
// many short lines terminated by the other byte is still scanned once (CR-only streams exist).
struct ByteFinder {
  std::string_view buf;
  char byte;
  size_t at = 0;
  bool known = false;

  size_t next(size_t from) {
    if (!known || at < from) {
      const void* hit = std::memchr(buf.data() + from, byte, buf.size() - from);
      at = hit ? static_cast<size_t>(static_cast<const char*>(hit) - buf.data()) : buf.size();
      known = true;
    }
    return at;
  }
};

} // namespace

void SseParser::feed(std::string_view bytes, const Callback& on_block) {
  if (bytes.empty()) return;
  if (!m_raw.empty()) {
    // A block is open from an earlier read: finish it in m_raw (resuming the terminator search
    // where it stopped, so a multi-MB event arriving in small reads stays linear), then parse
    // the rest of this read in place.
    size_t old_size = m_raw.size();
    m_raw.append(bytes);
    size_t block_end = scan(m_raw, on_block, true);
    if (block_end == 0) return;
    bytes.remove_prefix(block_end - old_size);
    m_raw.clear();
  }
  size_t rest = scan(bytes, on_block, false);
  m_raw.assign(bytes.substr(rest));
}

void SseParser::finish(const Callback& on_block) {
  if (!m_raw.empty()) {
    std::string_view block = m_raw;
    size_t begin = m_line_begin;
    if (m_at_start && block.substr(begin).substr(0, k_bom.size()) == k_bom) begin += k_bom.size();
    m_at_start = false;
    // Lenient EOF (§8.1 rule 10): the unterminated last line still counts.
    if (begin < block.size()) process_line(block, begin, block.size());
    dispatch(block, on_block);
  }
  m_raw.clear();
  m_skip_lf = false;
}

// Parses lines of buf, whose first byte starts the current block, from where the last call
// stopped. Returns the offset where the unfinished block starts (0 when no block ended); with
// first_block_only it returns right after the first block ends.
size_t SseParser::scan(std::string_view buf, const Callback& on_block, bool first_block_only) {
  size_t block = 0;
  size_t line = m_line_begin;
  size_t pos = m_scan_from;
  if (m_skip_lf && pos < buf.size()) {
    // The previous read ended with CR; an LF opening this one is the rest of that CR LF.
    m_skip_lf = false;
    if (buf[pos] == '\n') line = ++pos;
  }
  ByteFinder lf{buf, '\n'};
  ByteFinder cr{buf, '\r'};
  while (pos < buf.size()) {
    size_t end = std::min(lf.next(pos), cr.next(pos));
    if (end == buf.size()) {
      pos = end;
      break;
    }
    size_t next = end + 1;
    if (buf[end] == '\r') {
      if (next == buf.size())
        m_skip_lf = true;
      else if (buf[next] == '\n')
        ++next;
    }
    size_t begin = line;
    if (m_at_start) {
      m_at_start = false;
      if (buf.substr(begin, end - begin).substr(0, k_bom.size()) == k_bom) begin += k_bom.size();
    }
    if (begin == end) {
      dispatch(buf.substr(block, next - block), on_block);
      block = next;
      if (first_block_only) return block;
    } else {
      process_line(buf.substr(block), begin - block, end - block);
    }
    line = pos = next;
  }
  m_line_begin = line - block;
  m_scan_from = pos - block;
  return block;
}

// One complete, non-blank line; offsets are relative to the block start.
void SseParser::process_line(std::string_view block, size_t line_begin, size_t line_end) {
  std::string_view line = block.substr(line_begin, line_end - line_begin);
  if (line.front() == ':') return; // comment, e.g. ": keepalive" or ": OPENROUTER PROCESSING"
  size_t colon = line.find(':');
  std::string_view name = line.substr(0, colon);
  size_t value_at = colon == std::string_view::npos ? line.size() : colon + 1;
  if (value_at < line.size() && line[value_at] == ' ') ++value_at; // exactly one space
  Span value{line_begin + value_at, line.size() - value_at};
  if (name == "event") {
    m_event = value;
  } else if (name == "data") {
    ++m_data_lines;
    if (m_data_lines == 1) {
      m_data = value;
      return;
    }
    if (m_data_lines == 2) m_joined.assign(block.substr(m_data.offset, m_data.size));
    m_joined += '\n';
    m_joined.append(block.substr(value.offset, value.size));
  }
  // "id", "retry" and unknown fields carry nothing llmgw uses.
}

void SseParser::dispatch(std::string_view block, const Callback& on_block) {
  SseEvent event;
  event.raw = block;
  event.event = block.substr(m_event.offset, m_event.size);
  event.has_data = m_data_lines > 0;
  if (m_data_lines == 1)
    event.data = block.substr(m_data.offset, m_data.size);
  else if (m_data_lines > 1)
    event.data = m_joined;
  on_block(event);
  reset_block();
}

void SseParser::reset_block() {
  m_line_begin = 0;
  m_scan_from = 0;
  m_event = {};
  m_data = {};
  m_data_lines = 0;
  m_joined.clear();
  if (m_joined.capacity() > (1u << 20)) m_joined.shrink_to_fit();
}

} // namespace llmgw::core::http
