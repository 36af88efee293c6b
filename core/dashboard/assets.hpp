#pragma once
// The dashboard page's files, embedded in the binary: "/" (or "/index.html"), "/app.js",
// "/app.css". The dashboard serves "/" at / and /dashboard, the others at /dashboard/assets/NAME.
#include <string_view>

namespace llmgw::core::dashboard {

struct Asset {
  std::string_view content_type; // e.g. "text/html; charset=utf-8"
  std::string_view body;
};

// The asset at path, or nullptr when there is none. The bytes live as long as the program.
const Asset* asset(std::string_view path);

} // namespace llmgw::core::dashboard
