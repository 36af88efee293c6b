#pragma once
// Incremental Server-Sent Events parser working on bytes (WHATWG rules, PROTOCOLS.md §8.1).
#include <functional>
#include <string>
#include <string_view>

namespace llmgw::core::http {

struct SseEvent {
  std::string_view raw;   // the exact input bytes of this block, its blank line included
  std::string_view event; // value of the last "event:" field, empty if none
  std::string_view data;  // "data:" values joined with '\n'
  bool has_data = false;  // false for comment-only or field-less blocks (nothing to dispatch)
};

class SseParser {
public:
  using Callback = std::function<void(const SseEvent&)>;

  // Feed the next bytes as read from the network; calls on_block for every completed block
  // (a blank line ends a block). Splits anywhere are fine, including inside UTF-8 and CR LF.
  void feed(std::string_view bytes, const Callback& on_block);

  // End of input: a block without its closing blank line is still delivered (lenient EOF).
  void finish(const Callback& on_block);

  // Bytes held for an unfinished block.
  size_t pending_bytes() const { return m_raw.size(); }

private:
  void process_line(std::string_view line);
  void dispatch(const Callback& on_block);

  std::string m_raw;   // raw bytes of the current block
  std::string m_line;  // current line, without terminator
  std::string m_event;
  std::string m_data;
  bool m_has_data = false;
  bool m_skip_lf = false;   // last byte was CR: a following LF belongs to it
  bool m_at_start = true;   // BOM is stripped only at the very start
};

} // namespace llmgw::core::http
