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

// Every file of core/dashboard/web that the page loads (index.html names the others).
const char* const k_names[] = {"index.html",  "app.css",  "format.js", "dom.js",
                               "overview.js", "views.js", "live.js",   "app.js"};

TEST_CASE("dashboard assets: the embedded page is the files under core/dashboard/web, byte for byte") {
  for (const char* name : k_names) {
    CAPTURE(name);
    const Asset* found = asset(std::string("/") + name);
    REQUIRE(found != nullptr);
    CHECK(found->body == web_file(name));
    const std::string_view type = found->content_type;
    const std::string_view file = name;
    if (file.ends_with(".html")) CHECK(type == "text/html; charset=utf-8");
    if (file.ends_with(".js")) CHECK(type == "text/javascript; charset=utf-8");
    if (file.ends_with(".css")) CHECK(type == "text/css; charset=utf-8");
  }
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
  // Scripts and styles only from files of this origin, each script embedded: no inline script,
  // style block or attribute, no event-handler attribute.
  size_t scripts = 0;
  for (const char* name : k_names) {
    const std::string_view file = name;
    if (!file.ends_with(".js")) continue;
    ++scripts;
    CAPTURE(name);
    CHECK(count(html, "<script src=\"/dashboard/assets/" + std::string(file) + "\" defer></script>") == 1);
  }
  CHECK(count(html, "<script") == scripts);
  CHECK(count(html, "<style") == 0);
  CHECK(count(html, " style=") == 0);
  for (const char* handler : {" onclick=", " onload=", " onerror=", " onchange=", "javascript:"})
    CHECK(count(html, handler) == 0);
  CHECK(count(html, "href=\"/dashboard/assets/app.css\"") == 1);
  // Nothing fetched from elsewhere (the SVG namespace is a name, not a fetch); no HTML parsing of
  // data; small enough to embed without thought (the README gives the exact sizes).
  size_t total = 0;
  for (const char* name : k_names) {
    const std::string_view body = asset(std::string("/") + name)->body;
    CAPTURE(name);
    CHECK(count(body, "https://") == 0);
    CHECK(count(body, "http://") == count(body, "http://www.w3.org/2000/svg"));
    CHECK(count(body, "innerHTML") == 0);
    total += body.size();
  }
  CHECK(total < 60 * 1024);
}
