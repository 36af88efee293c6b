// llmgw_fake_agent: stands in for an agent under `llmgw run` in tests. Sends N Anthropic Messages
// requests to $ANTHROPIC_BASE_URL with $ANTHROPIC_AUTH_TOKEN, prints each status, checks that no
// provider key leaked into its environment, and exits with the code it was given.
#include <httplib.h>

#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: llmgw_fake_agent REQUESTS EXIT_CODE\n");
    return 2;
  }
  const char* base = std::getenv("ANTHROPIC_BASE_URL");
  const char* token = std::getenv("ANTHROPIC_AUTH_TOKEN");
  if (base == nullptr || token == nullptr) {
    std::fprintf(stderr, "fake agent: ANTHROPIC_BASE_URL or ANTHROPIC_AUTH_TOKEN not set\n");
    return 3;
  }
  if (std::getenv("LLMGW_IT_KEY") != nullptr) {
    std::fprintf(stderr, "fake agent: a provider key reached the agent's environment\n");
    return 4;
  }
  httplib::Client client(base);
  const std::string body =
      R"({"model":"claude-sonnet-4-5","max_tokens":100,"messages":[{"role":"user","content":"hi"}]})";
  for (int i = 0; i < std::atoi(argv[1]); ++i) {
    auto reply = client.Post(
        "/v1/messages",
        httplib::Headers{{"Authorization", std::string("Bearer ") + token}, {"anthropic-version", "2023-06-01"}}, body,
        "application/json");
    std::printf("status %d\n", reply ? reply->status : 0);
  }
  return std::atoi(argv[2]);
}
