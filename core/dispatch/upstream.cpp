#include "core/dispatch/upstream.hpp"

#include "core/http/wire.hpp"
#include "core/platform/fiber.hpp"

namespace llmgw::core::dispatch {

Answer PooledUpstream::exchange(Exchange exchange) {
  return exchange.stream ? start_stream(exchange) : read_whole(exchange);
}

Answer PooledUpstream::read_whole(Exchange& exchange) {
  Answer answer;
  const size_t limit = exchange.relay.max_body_bytes;
  // The body is read piece by piece against the limit: a provider announcing (or sending) more
  // than max_response_mb gets a 502 instead of llmgw's memory.
  exchange.request.response_handler = [&](const httplib::Response& head) {
    const std::string* announced = http::wire::find_header(head.headers, "Content-Length");
    const auto length = announced ? http::wire::parse_decimal(*announced) : std::nullopt;
    answer.too_large = announced && (!length || *length > limit);
    if (length && !answer.too_large) answer.body.reserve(*length);
    return !answer.too_large;
  };
  exchange.request.content_receiver = [&](const char* data, size_t size, uint64_t, uint64_t) {
    if (answer.body.size() + size > limit) {
      answer.too_large = true;
      return false;
    }
    answer.body.append(data, size);
    return true;
  };
  auto lease = m_pool.acquire(exchange.origin);
  httplib::Response reply;
  httplib::Error error = httplib::Error::Success;
  const bool ok = lease.client().send(exchange.request, reply, error);
  http::wire::keep_sent_headers(exchange.request.headers); // for the next request with the same headers
  if (!ok) lease.discard();
  if (!ok && !answer.too_large) {
    answer.error = http::describe(error);
    return answer;
  }
  answer.connected = true;
  answer.status = reply.status;
  answer.headers = std::move(reply.headers);
  return answer;
}

Answer PooledUpstream::start_stream(Exchange& exchange) {
  auto relay = std::make_shared<StreamRelay>(m_readers, m_pool.acquire(exchange.origin), std::move(exchange.request),
                                             std::move(exchange.relay));
  relay->start();
  const auto& head = relay->wait_head();
  Answer answer;
  if (!head.connected) {
    relay->finish();
    answer.error = head.error;
    return answer;
  }
  answer.connected = true;
  answer.status = head.status;
  answer.headers = head.headers;
  if (head.event_stream) {
    answer.stream = std::move(relay);
    return answer;
  }
  answer.body = relay->wait_body();
  answer.too_large = relay->head().too_large;
  relay->finish();
  return answer;
}

} // namespace llmgw::core::dispatch
