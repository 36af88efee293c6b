#pragma once
// A table that fits a terminal width (80 columns): the flexible columns' cells are cut with "…"
// until the lines fit. Small on purpose, so a general table helper can replace it.
#include "cli/format.hpp"

#include <string>
#include <utility>
#include <vector>

namespace llmgw::cli {

constexpr size_t k_terminal_width = 80;

// text cut to at most width display columns, ending in "…" when cut (UTF-8 aware).
std::string fit_text(const std::string& text, size_t width);

// columns: header and alignment; flexible: the columns that may be cut, the first cut first.
// Returns the rendered table (Table's format: two spaces between columns, a rule under the header).
std::string render_fitted(const std::vector<std::pair<std::string, Align>>& columns,
                          std::vector<std::vector<std::string>> rows, const std::vector<size_t>& flexible,
                          size_t width = k_terminal_width);

} // namespace llmgw::cli
