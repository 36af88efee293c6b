#include "cli/table.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <sys/ioctl.h>
#include <unistd.h>

namespace llmgw::cli {
namespace {

const bool* g_wide = nullptr;
const bool* g_no_color = nullptr;

constexpr std::string_view k_ellipsis = "\xE2\x80\xA6"; // U+2026, one column

// The code point starting at text[pos] and its length in bytes (a stray byte counts as itself).
char32_t decode(std::string_view text, size_t pos, size_t& length) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(pos);
  length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 1;
  if (pos + length > text.size()) length = 1;
  if (length == 1) return lead;
  char32_t cp = lead & (0x7F >> length);
  for (size_t i = 1; i < length; ++i) {
    if ((byte(pos + i) & 0xC0) != 0x80) {
      length = 1;
      return lead;
    }
    cp = (cp << 6) | (byte(pos + i) & 0x3F);
  }
  return cp;
}

size_t code_point_width(char32_t cp) {
  if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0)) return 0;
  if ((cp >= 0x300 && cp <= 0x36F) || (cp >= 0x200B && cp <= 0x200F) || (cp >= 0xFE00 && cp <= 0xFE0F)) return 0;
  const bool wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF && cp != 0x303F) ||
                    (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                    (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
                    (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F) ||
                    (cp >= 0x1F900 && cp <= 0x1F9FF) || (cp >= 0x20000 && cp <= 0x3FFFD);
  return wide ? 2 : 1;
}

// The length of an ANSI CSI sequence ("\x1b[...m") at pos, 0 when there is none.
size_t escape_length(std::string_view text, size_t pos) {
  if (text[pos] != '\x1b' || pos + 1 >= text.size() || text[pos + 1] != '[') return 0;
  size_t end = pos + 2;
  while (end < text.size() && !(text[end] >= 0x40 && text[end] <= 0x7E)) ++end;
  return end < text.size() ? end + 1 - pos : text.size() - pos;
}

std::string padded(std::string_view text, size_t width, Align align) {
  const size_t used = display_width(text);
  if (used >= width) return std::string(text);
  const std::string fill(width - used, ' ');
  return align == Align::left ? std::string(text) + fill : fill + std::string(text);
}

const char* style_code(Style style) {
  switch (style) {
  case Style::plain: return "";
  case Style::bold: return "\x1b[1m";
  case Style::dim: return "\x1b[2m";
  case Style::red: return "\x1b[31m";
  case Style::yellow: return "\x1b[33m";
  case Style::green: return "\x1b[32m";
  }
  return "";
}

size_t environment_columns() {
  const char* value = std::getenv("COLUMNS");
  if (value == nullptr) return 0;
  size_t columns = 0;
  const char* end = value + std::strlen(value);
  const auto [ptr, ec] = std::from_chars(value, end, columns);
  return ec == std::errc() && ptr == end ? columns : 0;
}

} // namespace

void bind_output_flags(const bool& wide, const bool& no_color) {
  g_wide = &wide;
  g_no_color = &no_color;
}

Layout terminal_layout() {
  Layout layout;
  const bool tty = ::isatty(STDOUT_FILENO) == 1;
  layout.width = environment_columns();
  winsize size{};
  if (layout.width == 0 && tty && ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0) layout.width = size.ws_col;
  if (g_wide != nullptr && *g_wide) layout.width = 0;
  layout.compact = layout.width > 0 && layout.width < k_compact_below_columns;
  const char* no_color = std::getenv("NO_COLOR");
  const char* term = std::getenv("TERM");
  layout.color = tty && !(g_no_color != nullptr && *g_no_color) && (no_color == nullptr || *no_color == '\0') &&
                 (term == nullptr || std::string_view(term) != "dumb");
  return layout;
}

size_t display_width(std::string_view text) {
  size_t width = 0;
  for (size_t pos = 0; pos < text.size();) {
    if (const size_t skip = escape_length(text, pos); skip > 0) {
      pos += skip;
      continue;
    }
    size_t length = 1;
    width += code_point_width(decode(text, pos, length));
    pos += length;
  }
  return width;
}

std::string truncate_to_width(std::string_view text, size_t width) {
  if (display_width(text) <= width) return std::string(text);
  if (width == 0) return "";
  std::string out;
  size_t used = 0;
  for (size_t pos = 0; pos < text.size();) {
    size_t length = 1;
    const size_t cell = code_point_width(decode(text, pos, length));
    if (used + cell > width - 1) break;
    out.append(text.substr(pos, length));
    used += cell;
    pos += length;
  }
  return out + std::string(k_ellipsis);
}

std::string styled(std::string_view text, Style style, bool color) {
  if (!color || style == Style::plain || text.empty()) return std::string(text);
  return style_code(style) + std::string(text) + "\x1b[0m";
}

void Table::add_column(std::string header, Align align) {
  Column column;
  column.header = std::move(header);
  column.align = align;
  column.shrink = align == Align::left; // texts may be cut, numbers never
  add_column(std::move(column));
}

void Table::add_column(Column column) { m_columns.push_back(std::move(column)); }

void Table::add_row(std::vector<std::string> cells, std::vector<Style> styles) {
  cells.resize(m_columns.size());
  styles.resize(m_columns.size(), Style::plain);
  m_rows.push_back(std::move(cells));
  m_styles.push_back(std::move(styles));
}

void Table::add_separator() {
  m_rows.emplace_back();
  m_styles.emplace_back();
}

Table::Plan Table::plan(const Layout& layout, bool fixed_only) const {
  Plan plan;
  std::vector<size_t> floor;
  for (size_t i = 0; i < m_columns.size(); ++i) {
    const Column& column = m_columns[i];
    if (layout.compact && !column.compact) continue;
    const std::string& header =
        layout.compact && !column.compact_header.empty() ? column.compact_header : column.header;
    size_t width = std::max(display_width(header), column.fixed);
    if (!fixed_only && column.fixed == 0)
      for (const auto& row : m_rows)
        if (!row.empty()) width = std::max(width, display_width(row[i]));
    plan.shown.push_back(i);
    plan.widths.push_back(width);
    floor.push_back(column.shrink ? std::min(width, std::max(column.min_width, display_width(header))) : width);
  }
  if (layout.width == 0) return plan;
  const std::vector<size_t> natural = plan.widths;
  const auto total = [&] {
    size_t sum = plan.widths.empty() ? 0 : 2 * (plan.widths.size() - 1);
    for (size_t width : plan.widths) sum += width;
    return sum;
  };
  // Shrink what may shrink; when that is not enough, drop the most droppable column and start
  // over from the natural widths of the columns left.
  std::vector<size_t> keep(plan.shown.size());
  for (size_t i = 0; i < keep.size(); ++i) keep[i] = i;
  for (;;) {
    plan.widths.clear();
    for (size_t i : keep) plan.widths.push_back(natural[i]);
    for (size_t excess = total() > layout.width ? total() - layout.width : 0; excess > 0; --excess) {
      size_t widest = plan.widths.size(); // shrink the widest column that may still shrink
      for (size_t i = 0; i < plan.widths.size(); ++i)
        if (plan.widths[i] > floor[keep[i]] && (widest == plan.widths.size() || plan.widths[i] > plan.widths[widest]))
          widest = i;
      if (widest == plan.widths.size()) break;
      --plan.widths[widest];
    }
    if (total() <= layout.width) break;
    size_t victim = keep.size();
    for (size_t i = 0; i < keep.size(); ++i) {
      const int drop = m_columns[plan.shown[keep[i]]].drop;
      if (drop > 0 && (victim == keep.size() || drop > m_columns[plan.shown[keep[victim]]].drop)) victim = i;
    }
    if (victim == keep.size()) break;
    keep.erase(keep.begin() + static_cast<std::ptrdiff_t>(victim));
  }
  std::vector<size_t> shown;
  for (size_t i : keep) shown.push_back(plan.shown[i]);
  plan.shown = shown;
  return plan;
}

std::string Table::line(const Plan& plan, const std::vector<std::string>& cells, const std::vector<Style>& styles,
                        const Layout& layout, bool header) const {
  std::string plain;
  std::string coloured;
  for (size_t i = 0; i < plan.shown.size(); ++i) {
    const size_t index = plan.shown[i];
    const Column& column = m_columns[index];
    std::string text = index < cells.size() ? cells[index] : "";
    if (header && layout.compact && !column.compact_header.empty()) text = column.compact_header;
    text = truncate_to_width(text, plan.widths[i]);
    const bool last = i + 1 == plan.shown.size();
    const std::string cell = last && column.align == Align::left ? text : padded(text, plan.widths[i], column.align);
    const Style style = header ? Style::bold : index < styles.size() ? styles[index] : Style::plain;
    const std::string separator = i > 0 ? "  " : "";
    plain += separator + cell;
    coloured += separator + styled(cell, style, layout.color);
  }
  while (!plain.empty() && plain.back() == ' ') plain.pop_back();
  if (layout.width > 0 && display_width(plain) > layout.width) return truncate_to_width(plain, layout.width) + "\n";
  if (!layout.color) return plain + "\n";
  while (!coloured.empty() && coloured.back() == ' ') coloured.pop_back();
  return coloured + "\n";
}

std::string Table::rule(const Plan& plan, const Layout& layout) const {
  size_t total = plan.widths.empty() ? 0 : 2 * (plan.widths.size() - 1);
  for (size_t width : plan.widths) total += width;
  if (layout.width > 0) total = std::min(total, layout.width);
  return std::string(total, '-') + "\n";
}

std::string Table::render() const { return render(terminal_layout()); }

std::string Table::render(const Layout& layout) const {
  const Plan table_plan = plan(layout, false);
  std::vector<std::string> headers;
  for (const Column& column : m_columns) headers.push_back(column.header);
  std::string out = line(table_plan, headers, {}, layout, true) + rule(table_plan, layout);
  for (size_t r = 0; r < m_rows.size(); ++r)
    out += m_rows[r].empty() ? rule(table_plan, layout) : line(table_plan, m_rows[r], m_styles[r], layout, false);
  return out;
}

std::string Table::render_header(const Layout& layout) const {
  const Plan table_plan = plan(layout, true);
  std::vector<std::string> headers;
  for (const Column& column : m_columns) headers.push_back(column.header);
  return line(table_plan, headers, {}, layout, true);
}

std::string Table::render_line(const std::vector<std::string>& cells, const Layout& layout,
                               const std::vector<Style>& styles) const {
  return line(plan(layout, true), cells, styles, layout, false);
}

} // namespace llmgw::cli
