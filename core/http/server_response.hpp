#pragma once
// The server's side of a response on the wire: the head and the body in one sendmsg, a streamed
// (content provider) body as chunks, and the polite close after a refusal.
#include <httplib.h>

namespace llmgw::core::http {

// Writes response to fd (no body for HEAD); with a content provider, runs it to the end, one
// sendmsg per chunk. Returns whether the connection can serve another request: keep_alive was
// asked for and the whole response went out. keep_alive_seconds is advertised in Keep-Alive.
bool write_response(int fd, const httplib::Request& request, httplib::Response& response, bool keep_alive,
                    int keep_alive_seconds);

// After refusing a request whose body was left unread: lets the client finish sending and read
// the answer (closing with unread bytes would reset the connection and lose the answer), for at
// most two seconds.
void discard_input(int fd);

} // namespace llmgw::core::http
