#include "core/translate/sequencer.hpp"

#include <algorithm>

namespace llmgw::core::translate {

using Type = StreamEvent::Type;

void Sequencer::ensure_started(std::vector<StreamEvent>& out) {
  if (m_started) return;
  m_started = true;
  out.push_back(StreamEvent{}); // a start without id or model: encoders invent an id
}

void Sequencer::open(int block, std::vector<StreamEvent>& out) {
  auto node = m_waiting.extract(block);
  Pending& pending = node.mapped();
  m_has_open = true;
  m_open = block;
  const int index = m_next_index++;
  pending.start.block = index;
  out.push_back(pending.start);
  for (auto& delta : pending.deltas) {
    delta.block = index;
    out.push_back(std::move(delta));
  }
  if (pending.stopped) close_open(out);
}

void Sequencer::close_open(std::vector<StreamEvent>& out) {
  if (!m_has_open) return;
  StreamEvent stop;
  stop.type = Type::block_stop;
  stop.block = m_next_index - 1;
  out.push_back(stop);
  m_done[m_open] = true;
  m_has_open = false;
}

// The waiting block that started first goes next.
void Sequencer::open_next(std::vector<StreamEvent>& out) {
  while (!m_has_open && !m_waiting.empty()) {
    auto first = std::min_element(m_waiting.begin(), m_waiting.end(),
                                  [](const auto& a, const auto& b) { return a.second.order < b.second.order; });
    open(first->first, out);
  }
}

void Sequencer::drain(std::vector<StreamEvent>& out) {
  close_open(out);
  while (!m_waiting.empty()) {
    open_next(out);
    close_open(out);
  }
}

void Sequencer::push(const StreamEvent& event, std::vector<StreamEvent>& out) {
  if (m_ended) return;
  switch (event.type) {
  case Type::start:
    if (!m_started) {
      m_started = true;
      out.push_back(event);
    }
    return;
  case Type::block_start: {
    ensure_started(out);
    if (m_done.count(event.block) || m_waiting.count(event.block) || (m_has_open && m_open == event.block)) return;
    if (event.part.kind == Part::Kind::tool_call) m_saw_tool_call = true;
    m_waiting[event.block] = Pending{event, {}, false, m_arrivals++};
    if (!m_has_open) open(event.block, out);
    return;
  }
  case Type::block_delta:
    if (m_has_open && m_open == event.block) {
      StreamEvent delta = event;
      delta.block = m_next_index - 1;
      out.push_back(std::move(delta));
    } else if (auto it = m_waiting.find(event.block); it != m_waiting.end()) {
      it->second.deltas.push_back(event);
    }
    return;
  case Type::block_stop:
    if (m_has_open && m_open == event.block) {
      close_open(out);
      open_next(out);
    } else if (auto it = m_waiting.find(event.block); it != m_waiting.end()) {
      it->second.stopped = true;
    }
    return;
  case Type::finish: {
    ensure_started(out);
    drain(out);
    StreamEvent finish = event;
    if (m_saw_tool_call && finish.stop == StopReason::end_turn) finish.stop = StopReason::tool_use;
    out.push_back(std::move(finish));
    m_ended = true;
    return;
  }
  case Type::error:
    ensure_started(out);
    drain(out);
    out.push_back(event);
    m_ended = true;
    return;
  }
}

} // namespace llmgw::core::translate
