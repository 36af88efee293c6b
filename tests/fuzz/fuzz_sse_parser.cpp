// The SSE parser's contract (core/http/sse_parser.hpp): every byte lands in exactly one block's raw,
// and reads split anywhere give the events of one whole read. The split points come from the
// input's own bytes, so the fuzzer chooses them while a recorded stream still seeds it.
#include "core/http/sse_parser.hpp"
#include "tests/fuzz/fuzz_targets.hpp"

#include <string>
#include <vector>

namespace llmgw::fuzz {

using core::http::SseEvent;
using core::http::SseParser;

namespace {

struct Parsed {
  std::string raw;                 // every block's raw, in order
  std::vector<std::string> events; // "<event>\n<data>" of each block that has data
};

Parsed parse(std::string_view input, const std::vector<size_t>& cuts) {
  Parsed out;
  SseParser parser;
  auto collect = [&](const SseEvent& event) {
    out.raw.append(event.raw);
    if (event.has_data) out.events.push_back(std::string(event.event) + "\n" + std::string(event.data));
  };
  size_t at = 0;
  for (size_t cut : cuts) {
    parser.feed(input.substr(at, cut - at), collect);
    at = cut;
  }
  parser.feed(input.substr(at), collect);
  parser.finish(collect);
  require(parser.pending_bytes() == 0, "the parser holds bytes after finish");
  return out;
}

// Cut points: each byte of the input's head moves the next cut 1-64 bytes further.
std::vector<size_t> cuts_of(std::string_view input) {
  std::vector<size_t> cuts;
  size_t at = 0;
  for (size_t i = 0; i < input.size() && i < 256; ++i) {
    at += 1 + static_cast<unsigned char>(input[i]) % 64;
    if (at >= input.size()) break;
    cuts.push_back(at);
  }
  return cuts;
}

} // namespace

void fuzz_sse_parser(std::string_view input) {
  const Parsed whole = parse(input, {});
  require(whole.raw == input, "one read: the blocks' raw bytes are not the input");
  const Parsed split = parse(input, cuts_of(input));
  require(split.raw == input, "split reads: the blocks' raw bytes are not the input");
  require(split.events == whole.events, "split reads give other events than one read");
}

} // namespace llmgw::fuzz
