#pragma once
// The error type names of each API and the HTTP statuses they stand for (PROTOCOLS.md §1.7, §2.4,
// §3.8, §6.4): one table per API, read both by the error bodies llmgw writes itself
// (error_body.hpp) and by the codecs that decode and encode providers' errors (core/translate).
#include "core/protocol/api_format.hpp"

#include <span>
#include <string_view>

namespace llmgw::core::protocol {

// One row of a table. Rows are read in order: a status's first row names it, a name's first row
// gives its status; later rows are names the API also sends, read and never written.
struct ErrorTypeRow {
  int status;
  std::string_view type;
};

// An API's error types: the named statuses, and the names of every other 4xx and 5xx.
struct ErrorTypes {
  std::span<const ErrorTypeRow> rows;
  std::string_view other_client_error; // any other status below 500
  std::string_view other_server_error; // any other status from 500

  // The name the API gives an error of `status`.
  std::string_view type_for_status(int status) const;
  // The status `type` stands for; `fallback` when the API has no such name.
  int status_for_type(std::string_view type, int fallback) const;
  // Whether the API itself uses the name `type`.
  bool knows(std::string_view type) const;
};

// Anthropic's error.type names.
const ErrorTypes& anthropic_error_types();
// OpenAI's error.type names, the same for Chat Completions and Responses.
const ErrorTypes& openai_error_types();
// Gemini's error.status names (google.rpc codes).
const ErrorTypes& gemini_error_types();
// The table of the API `format` belongs to.
const ErrorTypes& error_types(ApiFormat format);

} // namespace llmgw::core::protocol
