// A placeholder page until the real one (HTML/CSS/JS) is embedded here: it lists the summary and
// the newest requests with app.js, so the routes, headers and CSP can be tried in a browser.
#include "core/dashboard/assets.hpp"

namespace llmgw::core::dashboard {
namespace {

constexpr std::string_view k_index = R"html(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>llmgw dashboard</title>
<link rel="stylesheet" href="/dashboard/assets/app.css"></head>
<body><h1>llmgw</h1><pre id="summary">loading...</pre><pre id="requests"></pre>
<script src="/dashboard/assets/app.js"></script></body></html>
)html";

constexpr std::string_view k_app_js = R"js(async function show(id, path) {
  const reply = await fetch(path, {credentials: 'same-origin'});
  document.getElementById(id).textContent = JSON.stringify(await reply.json(), null, 2);
}
show('summary', '/dashboard/api/summary');
show('requests', '/dashboard/api/requests?limit=20');
)js";

constexpr std::string_view k_app_css = "body { font-family: sans-serif; margin: 2em; }\n";

const Asset k_assets[] = {
    {"text/html; charset=utf-8", k_index},
    {"text/javascript; charset=utf-8", k_app_js},
    {"text/css; charset=utf-8", k_app_css},
};

} // namespace

const Asset* asset(std::string_view path) {
  if (path == "/" || path == "/index.html") return &k_assets[0];
  if (path == "/app.js") return &k_assets[1];
  if (path == "/app.css") return &k_assets[2];
  return nullptr;
}

} // namespace llmgw::core::dashboard
