#include "core/dashboard/assets.hpp"

#include "core/dashboard/embedded_files.hpp"

#include <string>
#include <vector>

namespace llmgw::core::dashboard {
namespace {

std::string_view content_type(std::string_view name) {
  const auto ends_with = [&](std::string_view suffix) {
    return name.size() >= suffix.size() && name.substr(name.size() - suffix.size()) == suffix;
  };
  if (ends_with(".html")) return "text/html; charset=utf-8";
  if (ends_with(".js")) return "text/javascript; charset=utf-8";
  if (ends_with(".css")) return "text/css; charset=utf-8";
  return "application/octet-stream";
}

struct Entry {
  std::string path; // "/" + file name
  Asset asset;
};

// Built once from the embedded table; the bytes live as long as the program.
const std::vector<Entry>& entries() {
  static const std::vector<Entry> k_entries = [] {
    std::vector<Entry> out;
    for (std::size_t i = 0; i < web::k_file_count; ++i) {
      const web::EmbeddedFile& file = web::k_files[i];
      out.push_back({std::string("/") + file.name,
                     {content_type(file.name), {reinterpret_cast<const char*>(file.data), file.size}}});
    }
    return out;
  }();
  return k_entries;
}

} // namespace

const Asset* asset(std::string_view path) {
  if (path == "/") path = "/index.html";
  for (const Entry& entry : entries())
    if (entry.path == path) return &entry.asset;
  return nullptr;
}

} // namespace llmgw::core::dashboard
