#pragma once
// Incremental Server-Sent Events parser working on bytes (WHATWG rules, PROTOCOLS.md §8.1).
#include <functional>
#include <string>
#include <string_view>

namespace llmgw::core::http {

// One block of an event stream. The views are valid only during the callback.
struct SseEvent {
  std::string_view raw;   // the exact input bytes of this block, its blank line included
  std::string_view event; // value of the last "event:" field, empty if none
  std::string_view data;  // "data:" values joined with '\n'
  bool has_data = false;  // false for comment-only or field-less blocks (nothing to dispatch)
};

// Every input byte lands in exactly one block's raw, so forwarding raw in order copies the
// stream. One exception to "one read == many reads": when a read ends with the CR of a CR LF
// that ends a block, that block is dispatched at once and the LF opens the next block's raw.
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
  // Offsets of a field value, relative to the start of the current block.
  struct Span {
    size_t offset = 0;
    size_t size = 0;
  };

  size_t scan(std::string_view buf, const Callback& on_block, bool first_block_only);
  void process_line(std::string_view block, size_t line_begin, size_t line_end);
  void dispatch(std::string_view block, const Callback& on_block);
  void reset_block();

  std::string m_raw;       // bytes of the unfinished block (only kept between reads)
  size_t m_line_begin = 0; // where the unfinished line starts, relative to the block
  size_t m_scan_from = 0;  // first byte of that line not yet searched for a terminator
  Span m_event;            // last "event:" value
  Span m_data;             // the only "data:" value while there is just one
  std::string m_joined;    // "data:" values joined with '\n' once there are two or more
  int m_data_lines = 0;
  bool m_skip_lf = false; // last byte was CR: a following LF belongs to it
  bool m_at_start = true; // BOM is stripped only at the very start
};

} // namespace llmgw::core::http
