#pragma once
// Between a stream decoder and an encoder: turns the decoder's events (blocks that may interleave,
// may not be closed, a start that may be missing) into what every encoder expects: one start,
// then blocks one at a time numbered 0, 1, 2..., then exactly one finish or error. Fragments of a
// block that is not the open one are buffered until its turn (Anthropic blocks may not
// interleave, PROTOCOLS.md §5.6 step 4).
#include "core/translate/ir.hpp"

#include <map>
#include <vector>

namespace llmgw::core::translate {

class Sequencer {
public:
  // Feed one decoder event; appends the events to hand to the encoder.
  void push(const StreamEvent& event, std::vector<StreamEvent>& out);
  // True once a finish or an error went out; later events are ignored.
  bool ended() const { return m_ended; }
  // A tool call was part of the response (a finish saying end_turn becomes tool_use: clients run
  // tools only when the stop reason says so, and Gemini says STOP on function-call turns).
  bool saw_tool_call() const { return m_saw_tool_call; }

private:
  struct Pending {
    StreamEvent start;
    std::vector<StreamEvent> deltas;
    bool stopped = false;
    int order = 0; // arrival order of its block_start
  };

  void ensure_started(std::vector<StreamEvent>& out);
  void open(int block, std::vector<StreamEvent>& out);
  void close_open(std::vector<StreamEvent>& out);
  void open_next(std::vector<StreamEvent>& out);
  void drain(std::vector<StreamEvent>& out);

  bool m_started = false;
  bool m_ended = false;
  bool m_saw_tool_call = false;
  bool m_has_open = false;
  int m_open = 0;       // decoder number of the open block
  int m_next_index = 0; // encoder number the next opened block gets
  int m_arrivals = 0;
  std::map<int, Pending> m_waiting; // decoder number -> a block not yet opened
  std::map<int, bool> m_done;       // decoder numbers already emitted and closed
};

} // namespace llmgw::core::translate
