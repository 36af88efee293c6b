#pragma once
// Tables that fit the terminal: the width of stdout (a tty's, or $COLUMNS), a compact layout below
// 100 columns (fewer columns, shorter headers), `--wide` for the full one, cells too long for what
// is left truncated with "…" (UTF-8 aware), colour only on a tty and never with NO_COLOR or
// --no-color. Every command's table goes through here.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace llmgw::cli {

// Below this many columns tables switch to their compact layout (unless --wide).
constexpr size_t k_compact_below_columns = 100;

// Where main() parses the global options --wide and --no-color (read whenever a layout is made).
void bind_output_flags(const bool& wide, const bool& no_color);

// Where tables go and how they look there.
struct Layout {
  size_t width = 0;     // columns available; 0 = unlimited (not a terminal, no $COLUMNS)
  bool compact = false; // the short layout: fewer columns, shorter headers
  bool color = false;   // ANSI colour allowed
};

// stdout's layout now: $COLUMNS when set to a number, else the tty's width (TIOCGWINSZ), else
// unlimited; compact below k_compact_below_columns unless --wide (then the width is unlimited too:
// the full layout, not cut); colour on a tty without NO_COLOR / --no-color.
Layout terminal_layout();

// Display columns of UTF-8 text: one per code point (East Asian wide characters count two),
// nothing for combining marks and ANSI colour sequences.
size_t display_width(std::string_view text);
// The text cut to at most `width` display columns, ending with "…" when something was cut.
std::string truncate_to_width(std::string_view text, size_t width);

enum class Align { left, right };
enum class Style { plain, bold, dim, red, yellow, green };

// `text` wrapped in the style's ANSI sequence (plain, or colour off: the text itself).
std::string styled(std::string_view text, Style style, bool color);

struct Column {
  std::string header;
  Align align = Align::left;
  std::string compact_header; // the header in the compact layout ("" = the same)
  bool compact = true;        // shown in the compact layout
  int drop = 0;               // when still too wide, columns with a higher number go first; 0 = kept
  bool shrink = false;        // may be truncated with "…" to make room
  size_t min_width = 8;       // not truncated below this (nor below its header)
  size_t fixed = 0;           // a fixed width (for streamed rows, whose widths are not known ahead)
};

// An aligned text table: two spaces between columns, a dashed rule under the header.
class Table {
public:
  // Add a column before adding rows.
  void add_column(std::string header, Align align);
  void add_column(Column column);
  // Add one row (missing cells print empty, extra cells are ignored); styles per cell, optional.
  void add_row(std::vector<std::string> cells, std::vector<Style> styles = {});
  // A dashed rule spanning the table, e.g. above a total.
  void add_separator();
  // The whole table for stdout's terminal (terminal_layout()), or for a given layout; one
  // "\n"-terminated line per row, none wider than the layout's width, no trailing spaces.
  std::string render() const;
  std::string render(const Layout& layout) const;
  // For rows printed as they come (all columns `fixed`): the header (with its rule), and one row.
  std::string render_header(const Layout& layout) const;
  std::string render_line(const std::vector<std::string>& cells, const Layout& layout,
                          const std::vector<Style>& styles = {}) const;

private:
  struct Plan {
    std::vector<size_t> shown; // column indexes in order
    std::vector<size_t> widths;
  };
  Plan plan(const Layout& layout, bool fixed_only) const;
  std::string line(const Plan& plan, const std::vector<std::string>& cells, const std::vector<Style>& styles,
                   const Layout& layout, bool header) const;
  std::string rule(const Plan& plan, const Layout& layout) const;

  std::vector<Column> m_columns;
  std::vector<std::vector<std::string>> m_rows; // an empty row is a separator
  std::vector<std::vector<Style>> m_styles;
};

} // namespace llmgw::cli
