#pragma once
// `llmgw dashboard`: a one-time login link to the running server's dashboard, opened in a browser.
#include "cli/common.hpp"

namespace llmgw::cli {

void register_dashboard(CLI::App& app, GlobalOptions& options);

// Opens url with xdg-open (open on macOS) when a display is available. Returns whether a
// browser was asked to open it.
bool open_in_browser(const std::string& url);

} // namespace llmgw::cli
