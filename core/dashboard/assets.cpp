#include "core/dashboard/assets.hpp"

#include <array>
#include <cstddef>

// The bytes, from the file build-dir/generated/dashboard_web.cpp that core/dashboard/web.cmake
// writes from core/dashboard/web/ at build time.
namespace llmgw::core::dashboard::web {
extern const unsigned char k_web_index_html[];
extern const std::size_t k_web_index_html_size;
extern const unsigned char k_web_app_js[];
extern const std::size_t k_web_app_js_size;
extern const unsigned char k_web_app_css[];
extern const std::size_t k_web_app_css_size;
} // namespace llmgw::core::dashboard::web

namespace llmgw::core::dashboard {
namespace {

std::string_view bytes(const unsigned char* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

struct Entry {
  std::string_view path;
  Asset asset;
};

const std::array<Entry, 3>& entries() {
  static const std::array<Entry, 3> k_entries{{
      {"/index.html", {"text/html; charset=utf-8", bytes(web::k_web_index_html, web::k_web_index_html_size)}},
      {"/app.js", {"text/javascript; charset=utf-8", bytes(web::k_web_app_js, web::k_web_app_js_size)}},
      {"/app.css", {"text/css; charset=utf-8", bytes(web::k_web_app_css, web::k_web_app_css_size)}},
  }};
  return k_entries;
}

} // namespace

const Asset* asset(std::string_view path) {
  if (path == "/" || path.empty()) path = "/index.html";
  for (const Entry& entry : entries())
    if (entry.path == path) return &entry.asset;
  return nullptr;
}

} // namespace llmgw::core::dashboard
