#pragma once
// Text formatting shared by subcommands: money, counts, durations, aligned tables, CSV.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace llmgw::cli {

// "$0.054399": pico-USD rounded half away from zero to `decimals` places (0..12), exactly.
std::string format_usd(int64_t usd_pico, int decimals = 6);
// Exact decimal USD without '$' for scripts: "0.054399123", "12.00" (at least two decimals).
std::string usd_decimal_string(int64_t usd_pico);
// Thousands separators: 1234567 -> "1,234,567".
std::string format_count(int64_t value);
// Human duration: "850ms", "12.3s", "2m05s", "1h02m"; negative -> "-".
std::string format_duration_ms(int64_t ms);

// Columns of a display width (UTF-8 aware), padded with spaces on the given side.
enum class Align { left, right };
std::string pad(std::string_view text, size_t width, Align align);

// One CSV field quoted when needed (RFC 4180), and a full line with "\n".
std::string csv_field(std::string_view text);
std::string csv_line(const std::vector<std::string>& fields);

// A plain aligned text table: two spaces between columns, a dashed rule under the header.
class Table {
public:
  // Add a column; do this before adding rows.
  void add_column(std::string header, Align align);
  // Add one row (missing cells print empty, extra cells are ignored).
  void add_row(std::vector<std::string> cells);
  // Add a dashed rule spanning the table, e.g. above a total.
  void add_separator();
  // The whole table, one "\n"-terminated line per row, no trailing spaces.
  std::string render() const;

private:
  std::vector<size_t> column_widths() const;
  std::string render_row(const std::vector<std::string>& cells, const std::vector<size_t>& widths) const;

  std::vector<std::string> m_headers;
  std::vector<Align> m_aligns;
  std::vector<std::vector<std::string>> m_rows; // an empty row is a separator
};

} // namespace llmgw::cli
