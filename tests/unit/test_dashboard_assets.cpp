#include "core/dashboard/assets.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

using llmgw::core::dashboard::asset;
using llmgw::core::dashboard::Asset;

namespace {

// The source file the build embedded (tests/fixtures/../../core/dashboard/web/NAME).
std::string web_file(const std::string& name) {
  std::ifstream in(std::string(LLMGW_TEST_FIXTURES) + "/../../core/dashboard/web/" + name, std::ios::binary);
  REQUIRE(in.good());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

size_t count(std::string_view text, std::string_view needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string_view::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

} // namespace

TEST_CASE("dashboard assets: the embedded page is the files under core/dashboard/web, byte for byte") {
  const Asset* index = asset("/index.html");
  REQUIRE(index != nullptr);
  CHECK(index->content_type == "text/html; charset=utf-8");
  CHECK(index->body == web_file("index.html"));
  REQUIRE(asset("/app.js") != nullptr);
  CHECK(asset("/app.js")->content_type == "text/javascript; charset=utf-8");
  CHECK(asset("/app.js")->body == web_file("app.js"));
  REQUIRE(asset("/app.css") != nullptr);
  CHECK(asset("/app.css")->content_type == "text/css; charset=utf-8");
  CHECK(asset("/app.css")->body == web_file("app.css"));
}

TEST_CASE("dashboard assets: / is the page; anything else is unknown") {
  CHECK(asset("/") == asset("/index.html"));
  CHECK(asset("/app.jsx") == nullptr);
  CHECK(asset("/../app.js") == nullptr);
  CHECK(asset("app.js") == nullptr);
  CHECK(asset("/favicon.ico") == nullptr);
}

TEST_CASE("dashboard assets: the page works under a strict CSP and offline") {
  const std::string_view html = asset("/")->body;
  // Scripts and styles only from files of this origin: no inline script, style block or attribute.
  CHECK(count(html, "<script") == 1);
  CHECK(count(html, "<script src=\"/dashboard/assets/app.js\" defer></script>") == 1);
  CHECK(count(html, "<style") == 0);
  CHECK(count(html, " style=") == 0);
  for (const char* handler : {" onclick=", " onload=", " onerror=", " onchange=", "javascript:"})
    CHECK(count(html, handler) == 0);
  CHECK(count(html, "href=\"/dashboard/assets/app.css\"") == 1);
  // Nothing fetched from elsewhere (the SVG namespace is a name, not a fetch).
  for (const char* name : {"/", "/app.js", "/app.css"}) {
    const std::string_view body = asset(name)->body;
    CAPTURE(name);
    CHECK(count(body, "https://") == 0);
    CHECK(count(body, "http://") == count(body, "http://www.w3.org/2000/svg"));
    CHECK(count(body, "innerHTML") == 0);
  }
  // Small enough to embed without thought (the README gives the exact sizes).
  CHECK(asset("/")->body.size() + asset("/app.js")->body.size() + asset("/app.css")->body.size() < 60 * 1024);
}
