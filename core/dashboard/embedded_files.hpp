#pragma once
// The files of core/dashboard/web/ as the build embedded them (build-dir/generated/dashboard_web.cpp,
// written by embed_web.cmake). Only assets.cpp reads these; everyone else calls asset().
#include <cstddef>

namespace llmgw::core::dashboard::web {

struct EmbeddedFile {
  const char* name; // file name, e.g. "app.js"
  const unsigned char* data;
  std::size_t size; // bytes
};

extern const EmbeddedFile k_files[];
extern const std::size_t k_file_count;

} // namespace llmgw::core::dashboard::web
