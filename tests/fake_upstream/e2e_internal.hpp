#pragma once
// Helpers shared by the e2e handler files (not part of the fake's interface).
#include "tests/support/fake_upstream.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace llmgw::test::e2e {

using nlohmann::json;

// "E2E-OK" in the two pieces every stream sends.
const std::vector<std::string>& text_pieces();
// Elements of body[key] when it is an array, else an empty array.
json array_at(const json& body, const char* key);
// True when body has a boolean true at pointer.
bool is_true(const json& body, const char* pointer);
// The body's "model", or "fake-model".
std::string model_of(const json& body);
// True for Bash, exec_command and shell: the tool the fake calls when offered.
bool is_shell_tool(const std::string& name);
// Arguments for the shell tool matching its JSON schema (the tool's parameters object):
// {"cmd": "..."} or {"command": [...]} or {"command": "..."}.
std::string shell_arguments(const json& parameters);

// Adds POST /v1beta/models/MODEL:generateContent and :streamGenerateContent for the e2e models.
void install_gemini_handlers(FakeUpstream& upstream, bool tool_call);

} // namespace llmgw::test::e2e
