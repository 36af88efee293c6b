// The dashboard's pure pieces: login codes and sessions, the live feed's bounded queues, the
// Origin and cookie helpers.
#include "core/dashboard/auth.hpp"
#include "core/dashboard/guard.hpp"
#include "core/dashboard/live_feed.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <set>

using namespace llmgw::core::dashboard;

TEST_CASE("dashboard auth: codes are random, single use and short-lived; sessions idle out") {
  int64_t now = 1000;
  Auth auth(AuthLimits{}, [&now] { return now; });
  std::set<std::string> codes;
  for (int i = 0; i < 50; ++i) codes.insert(auth.mint_code());
  CHECK(codes.size() == 50);
  const std::string code = auth.mint_code();
  CHECK(code.size() == 32);
  CHECK(code.find_first_not_of("0123456789abcdef") == std::string::npos);
  auto session = auth.redeem(code);
  REQUIRE(session);
  CHECK(session->size() == 32);
  CHECK_FALSE(auth.redeem(code));
  CHECK(auth.check(*session));
  CHECK_FALSE(auth.check(code));
  CHECK_FALSE(auth.check(""));

  const std::string late = auth.mint_code();
  now += 60'001;
  CHECK_FALSE(auth.redeem(late));
  now += 12 * 3'600'000;
  CHECK_FALSE(auth.check(*session));

  auto other = auth.redeem(auth.mint_code());
  REQUIRE(other);
  auth.end(*other);
  CHECK_FALSE(auth.check(*other));
}

TEST_CASE("dashboard auth: at most max_codes unredeemed codes are kept, the oldest dropped") {
  int64_t now = 0;
  AuthLimits limits;
  limits.max_codes = 3;
  Auth auth(limits, [&now] { return now; });
  std::vector<std::string> codes;
  for (int i = 0; i < 4; ++i) {
    ++now;
    codes.push_back(auth.mint_code());
  }
  CHECK_FALSE(auth.redeem(codes[0]));
  CHECK(auth.redeem(codes[3]));
}

TEST_CASE("dashboard live feed: a viewer gets events in order; a slow one is dropped, not waited for") {
  LiveFeed feed(2, 3);
  auto fast = feed.join();
  auto slow = feed.join();
  REQUIRE(fast);
  REQUIRE(slow);
  CHECK_FALSE(feed.join()); // two viewers at most
  std::deque<std::string> got;
  CHECK(fast->next(got, 1) == LiveFeed::Viewer::Wait::timeout);
  for (int i = 0; i < 3; ++i) feed.publish("e" + std::to_string(i));
  REQUIRE(fast->next(got, 1000) == LiveFeed::Viewer::Wait::events);
  CHECK(got == std::deque<std::string>{"e0", "e1", "e2"});
  feed.publish("e3"); // slow's queue is full: it is dropped
  CHECK(slow->next(got, 1000) == LiveFeed::Viewer::Wait::ended);
  CHECK(fast->next(got, 1000) == LiveFeed::Viewer::Wait::events);
  CHECK(got == std::deque<std::string>{"e3"});
  feed.leave(slow);
  CHECK(feed.viewers() == 1);
  feed.close();
  CHECK(fast->next(got, 1000) == LiveFeed::Viewer::Wait::ended);
  CHECK_FALSE(feed.join());
}

TEST_CASE("dashboard guard: only the gateway's own origins, cookies parsed exactly") {
  CHECK(own_origin("http://127.0.0.1:8787", "127.0.0.1", 8787));
  CHECK(own_origin("http://LOCALHOST:8787", "127.0.0.1", 8787));
  CHECK(own_origin("http://[::1]:8787", "127.0.0.1", 8787));
  CHECK(own_origin("http://192.168.1.5:8787", "192.168.1.5", 8787));
  CHECK_FALSE(own_origin("http://0.0.0.0:8787", "0.0.0.0", 8787));
  CHECK_FALSE(own_origin("http://127.0.0.1:8788", "127.0.0.1", 8787));
  CHECK_FALSE(own_origin("https://127.0.0.1:8787", "127.0.0.1", 8787));
  CHECK_FALSE(own_origin("http://127.0.0.1:8787.evil.example", "127.0.0.1", 8787));
  CHECK_FALSE(own_origin("null", "127.0.0.1", 8787));
  CHECK_FALSE(own_origin("", "127.0.0.1", 8787));

  httplib::Request request;
  request.headers.emplace("Cookie", "a=1; llmgw_session=abc; b=2");
  CHECK(cookie_value(request, "llmgw_session") == "abc");
  CHECK(cookie_value(request, "a") == "1");
  CHECK(cookie_value(request, "llmgw") == "");
  httplib::Request none;
  CHECK(cookie_value(none, "llmgw_session") == "");
  CHECK(session_cookie("abc") == "llmgw_session=abc; HttpOnly; SameSite=Strict; Path=/");
}
