#pragma once
// The dashboard's page (index.html, app.js, app.css), embedded in the binary at build time.
#include <string_view>

namespace llmgw::core::dashboard {

struct Asset {
  std::string_view content_type;
  std::string_view body;
};

// The asset at `path` ("/" is "/index.html", then "/app.js", "/app.css"); nullptr when unknown.
const Asset* asset(std::string_view path);

} // namespace llmgw::core::dashboard
