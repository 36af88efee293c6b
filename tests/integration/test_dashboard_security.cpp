// The dashboard's security model through the real server: one-time login codes, the session
// cookie, the Host/Origin guard (dashboard routes take only the gateway's own origin; agents'
// routes are unchanged), the security headers, and no secret in anything it answers.
#include "tests/integration/dashboard_fixture.hpp"
#include "tests/support/fake_upstream.hpp"

#include <doctest/doctest.h>

using namespace llmgw;
using namespace llmgw::test;

namespace {

constexpr const char* k_chat = R"({"model":"gpt-4.1","messages":[{"role":"user","content":"hi"}]})";

} // namespace

TEST_CASE("dashboard: a login code works once, within a minute, and sets a strict session cookie") {
  FakeUpstream upstream;
  std::atomic<int64_t> now{1'800'000'000'000};
  DashboardGateway gateway(fake_config(upstream), "", [&now] { return now.load(); });
  auto client = gateway.client();

  const std::string code = gateway.mint_code();
  REQUIRE(code.size() == 32); // 128 random bits in hex
  auto login = client->Get("/dashboard/login?code=" + code);
  REQUIRE(login);
  CHECK(login->status == 303);
  CHECK(login->get_header_value("Location") == "/");
  const std::string cookie = login->get_header_value("Set-Cookie");
  CHECK(cookie.rfind("llmgw_session=", 0) == 0);
  CHECK(cookie.find("; HttpOnly") != std::string::npos);
  CHECK(cookie.find("; SameSite=Strict") != std::string::npos);
  CHECK(cookie.find("; Path=/") != std::string::npos);
  const std::string session = cookie.substr(0, cookie.find(';'));
  CHECK(gateway.get("/dashboard/api/summary", session)->status == 200);

  SUBCASE("a second use of the same code is refused") {
    auto again = client->Get("/dashboard/login?code=" + code);
    REQUIRE(again);
    CHECK(again->status == 401);
    CHECK_FALSE(again->has_header("Set-Cookie"));
  }
  SUBCASE("a code older than 60 s is refused") {
    const std::string late = gateway.mint_code();
    now += 61'000;
    auto expired = client->Get("/dashboard/login?code=" + late);
    REQUIRE(expired);
    CHECK(expired->status == 401);
    const std::string fresh = gateway.mint_code();
    now += 59'000;
    CHECK(client->Get("/dashboard/login?code=" + fresh)->status == 303);
  }
  SUBCASE("a session ends after 12 hours idle, not while in use") {
    now += 11 * 3'600'000;
    CHECK(gateway.get("/dashboard/api/summary", session)->status == 200);
    now += 11 * 3'600'000;
    CHECK(gateway.get("/dashboard/api/summary", session)->status == 200);
    now += 12 * 3'600'000 + 1000;
    CHECK(gateway.get("/dashboard/api/summary", session)->status == 401);
  }
  SUBCASE("an unknown or empty code is refused") {
    CHECK(client->Get("/dashboard/login?code=00000000000000000000000000000000")->status == 401);
    CHECK(client->Get("/dashboard/login")->status == 401);
  }
}

TEST_CASE("dashboard: login codes need the gateway token and no Origin") {
  FakeUpstream upstream;
  DashboardGateway gateway(fake_config(upstream));
  auto client = gateway.client();
  CHECK(client->Post("/dashboard/api/login-code", "", "application/json")->status == 401);
  CHECK(client->Post("/dashboard/api/login-code", httplib::Headers{{"x-api-key", "wrong"}}, "", "application/json")
            ->status == 401);
  auto by_key =
      client->Post("/dashboard/api/login-code", httplib::Headers{{"x-api-key", k_test_token}}, "", "application/json");
  REQUIRE(by_key);
  CHECK(by_key->status == 200);
  const auto body = nlohmann::json::parse(by_key->body);
  CHECK(body.at("url").get<std::string>() == "http://127.0.0.1:" + std::to_string(gateway.port()) +
                                                 "/dashboard/login?code=" + body.at("code").get<std::string>());
  // Even the gateway's own page may not mint codes (a script there would log itself in).
  auto from_page = client->Post(
      "/dashboard/api/login-code",
      httplib::Headers{{"Authorization", std::string("Bearer ") + k_test_token}, {"Origin", gateway.origin()}}, "",
      "application/json");
  CHECK(from_page->status == 403);
  CHECK(client->Get("/dashboard/api/login-code", TestGateway::openai_auth())->status == 405);
}

TEST_CASE("dashboard: every route but the login needs the session cookie") {
  FakeUpstream upstream;
  DashboardGateway gateway(fake_config(upstream));
  auto client = gateway.client();
  for (const char* path : {"/dashboard/api/summary", "/dashboard/api/requests", "/dashboard/api/requests/1",
                           "/dashboard/api/spend", "/dashboard/api/breakdown", "/dashboard/api/caps",
                           "/dashboard/api/providers", "/dashboard/api/cache_health", "/dashboard/api/live"}) {
    CAPTURE(path);
    auto reply = client->Get(path);
    REQUIRE(reply);
    CHECK(reply->status == 401);
    CHECK(reply->get_header_value("Content-Type") == "application/json");
    CHECK(nlohmann::json::parse(reply->body).contains("error"));
    // The gateway token is not a dashboard credential, and a made-up cookie is none either.
    CHECK(client->Get(path, TestGateway::openai_auth())->status == 401);
    CHECK(gateway.get(path, "llmgw_session=0123456789abcdef0123456789abcdef")->status == 401);
  }
  for (const char* path : {"/", "/dashboard", "/dashboard/assets/app.js"}) {
    CAPTURE(path);
    auto page = client->Get(path);
    REQUIRE(page);
    CHECK(page->status == 401);
  }
  auto page = client->Get("/");
  CHECK(page->get_header_value("Content-Type") == "text/html; charset=utf-8");
  CHECK(page->body.find("llmgw dashboard") != std::string::npos);
  const std::string session = gateway.login();
  REQUIRE_FALSE(session.empty());
  CHECK(gateway.get("/", session)->status == 200);
  CHECK(gateway.get("/dashboard", session)->status == 200);
  CHECK(gateway.get("/dashboard/assets/app.js", session)->status == 200);
  CHECK(gateway.get("/dashboard/assets/app.css", session)->status == 200);
  CHECK(gateway.get("/dashboard/assets/nothing.js", session)->status == 404);
  CHECK(gateway.get("/dashboard/api/nothing", session)->status == 404);
}

TEST_CASE("dashboard: a foreign Origin is refused, the gateway's own is served, agents' routes are unchanged") {
  FakeUpstream upstream;
  DashboardGateway gateway(fake_config(upstream));
  const std::string session = gateway.login();
  REQUIRE_FALSE(session.empty());
  const std::string port = std::to_string(gateway.port());
  for (const std::string& origin :
       {std::string("https://evil.example"), std::string("null"),
        "http://127.0.0.1:" + std::to_string(gateway.port() + 1), "https://127.0.0.1:" + port,
        "http://evil.example:" + port, std::string("chrome-extension://abc")}) {
    CAPTURE(origin);
    for (const char* path : {"/dashboard/api/summary", "/", "/dashboard/api/live", "/dashboard/login?code=x"}) {
      auto reply = gateway.get(path, session, {{"Origin", origin}});
      REQUIRE(reply);
      CHECK(reply->status == 403);
    }
  }
  for (const std::string& origin : {"http://127.0.0.1:" + port, "http://localhost:" + port, "http://[::1]:" + port}) {
    CAPTURE(origin);
    CHECK(gateway.get("/dashboard/api/summary", session, {{"Origin", origin}})->status == 200);
  }
  // DNS rebinding: a foreign Host is refused even with the cookie.
  CHECK(gateway.get("/dashboard/api/summary", session, {{"Host", "evil.example:" + port}})->status == 403);
  // Logout changes state: it needs the page's own Origin (a cookie alone is not enough).
  auto client = gateway.client();
  CHECK(client->Post("/dashboard/api/logout", httplib::Headers{{"Cookie", session}}, "", "application/json")->status ==
        403);
  CHECK(gateway.get("/dashboard/api/summary", session)->status == 200);
  CHECK(client
            ->Post("/dashboard/api/logout", httplib::Headers{{"Cookie", session}, {"Origin", gateway.origin()}}, "",
                   "application/json")
            ->status == 200);
  CHECK(gateway.get("/dashboard/api/summary", session)->status == 401);
  // The agents' API still refuses any Origin, and still serves agents without one.
  auto with_origin = client->Post(
      "/v1/chat/completions",
      httplib::Headers{{"Authorization", std::string("Bearer ") + k_test_token}, {"Origin", gateway.origin()}}, k_chat,
      "application/json");
  CHECK(with_origin->status == 403);
  CHECK(client->Post("/v1/chat/completions", TestGateway::openai_auth(), k_chat, "application/json")->status == 200);
  // A POST to / is still the gateway's 404 with its hint for misconfigured clients.
  auto root = client->Post("/", TestGateway::openai_auth(), k_chat, "application/json");
  CHECK(root->status == 404);
  CHECK(root->body.find("no route for POST /") != std::string::npos);
}

TEST_CASE("dashboard: every answer carries the CSP and security headers; API answers are not cached") {
  FakeUpstream upstream;
  DashboardGateway gateway(fake_config(upstream));
  const std::string session = gateway.login();
  REQUIRE_FALSE(session.empty());
  const std::string csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                          "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
  for (const char* path : {"/", "/dashboard", "/dashboard/assets/app.js", "/dashboard/api/summary",
                           "/dashboard/api/requests", "/dashboard/api/providers", "/dashboard/api/nothing"}) {
    CAPTURE(path);
    for (const bool logged_in : {true, false}) {
      auto reply = logged_in ? gateway.get(path, session) : gateway.client()->Get(path);
      REQUIRE(reply);
      CHECK(reply->get_header_value("Content-Security-Policy") == csp);
      CHECK(reply->get_header_value("X-Content-Type-Options") == "nosniff");
      CHECK(reply->get_header_value("Referrer-Policy") == "no-referrer");
      CHECK(reply->get_header_value("Cache-Control") == "no-store");
    }
  }
  CHECK(gateway.get("/dashboard/assets/app.js", session)->get_header_value("Content-Type") ==
        "text/javascript; charset=utf-8");
}

TEST_CASE("dashboard: no answer contains the gateway token or a provider key") {
  FakeUpstream upstream;
  auto config = fake_config(upstream);
  config.providers[0].base_url =
      "http://user:hunter2-not-real@127.0.0.1:" + std::to_string(upstream.port()) + "/v1?key=query-secret-not-real";
  DashboardGateway gateway(config);
  auto client = gateway.client();
  // A little traffic, an upstream failure with a message, so rows and errors exist.
  for (int i = 0; i < 3; ++i)
    CHECK(client
              ->Post("/v1/messages", TestGateway::anthropic_auth(),
                     R"({"model":"claude-sonnet-4-5","max_tokens":10,"messages":[{"role":"user","content":"x"}]})",
                     "application/json")
              ->status == 200);
  gateway.ledger().flush();
  const std::string session = gateway.login();
  std::string everything;
  for (const char* path :
       {"/", "/dashboard/assets/app.js", "/dashboard/assets/app.css", "/dashboard/api/summary",
        "/dashboard/api/spend?days=7&by=agent", "/dashboard/api/breakdown?by=key&range=today",
        "/dashboard/api/breakdown?by=session&range=month", "/dashboard/api/caps", "/dashboard/api/providers",
        "/dashboard/api/requests", "/dashboard/api/requests/1", "/dashboard/api/cache_health?range=7d"}) {
    auto reply = gateway.get(path, session);
    REQUIRE(reply);
    CHECK(reply->status == 200);
    everything += reply->body;
  }
  everything += client->Post("/dashboard/api/login-code", TestGateway::openai_auth(), "", "application/json")->body;
  for (const char* secret : {"test-openai-key-not-real", "test-anthropic-key-not-real", k_test_token,
                             "hunter2-not-real", "query-secret-not-real"}) {
    CAPTURE(secret);
    CHECK(everything.find(secret) == std::string::npos);
  }
  // The key labels (env var names) are there instead.
  CHECK(everything.find("LLMGW_TEST_OPENAI_KEY") != std::string::npos);
}
