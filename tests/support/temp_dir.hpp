#pragma once
// A fresh directory under the system temp dir, removed with everything in it on destruction.
#include <filesystem>
#include <string>

namespace llmgw::test {

class TempDir {
public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return m_path; }
  // path()/name
  std::string file(const std::string& name) const { return m_path + "/" + name; }

private:
  std::string m_path;
};

} // namespace llmgw::test
