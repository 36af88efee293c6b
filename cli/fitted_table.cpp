#include "cli/fitted_table.hpp"

#include <algorithm>

namespace llmgw::cli {
namespace {

constexpr size_t k_min_flexible = 8;

size_t columns_of(const std::string& text) {
  return static_cast<size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

} // namespace

std::string fit_text(const std::string& text, size_t width) {
  if (columns_of(text) <= width) return text;
  if (width == 0) return "";
  std::string out;
  size_t used = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const bool starts = (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80;
    if (starts && ++used > width - 1) break;
    out += text[i];
  }
  return out + "…";
}

std::string render_fitted(const std::vector<std::pair<std::string, Align>>& columns,
                          std::vector<std::vector<std::string>> rows, const std::vector<size_t>& flexible,
                          size_t width) {
  std::vector<size_t> widths(columns.size(), 0);
  for (size_t c = 0; c < columns.size(); ++c) {
    widths[c] = columns_of(columns[c].first);
    for (const auto& row : rows)
      if (c < row.size()) widths[c] = std::max(widths[c], columns_of(row[c]));
  }
  size_t total = columns.empty() ? 0 : 2 * (columns.size() - 1);
  for (size_t w : widths) total += w;
  for (size_t c : flexible) {
    if (total <= width || c >= columns.size()) break;
    const size_t floor = std::max(k_min_flexible, columns_of(columns[c].first));
    if (widths[c] <= floor) continue;
    const size_t cut = std::min(total - width, widths[c] - floor);
    widths[c] -= cut;
    total -= cut;
    for (auto& row : rows)
      if (c < row.size()) row[c] = fit_text(row[c], widths[c]);
  }
  Table table;
  for (const auto& [header, align] : columns) table.add_column(header, align);
  for (auto& row : rows) table.add_row(std::move(row));
  return table.render();
}

} // namespace llmgw::cli
