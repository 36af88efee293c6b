#include "core/config/config.hpp"
#include "core/config/config_detail.hpp"
#include "core/config/private_files.hpp"
#include "core/error.hpp"

#include <array>
#include <fstream>
#include <optional>
#include <sstream>

namespace llmgw::core::config {
namespace {

constexpr size_t k_token_bytes = 24; // 192 bits, 48 hex characters
constexpr std::string_view k_token_prefix = "llmgw-";

std::string trim(const std::string& text) {
  const char* space = " \t\r\n";
  const size_t begin = text.find_first_not_of(space);
  if (begin == std::string::npos) return "";
  return text.substr(begin, text.find_last_not_of(space) - begin + 1);
}

// The token in the file, trimmed; nullopt when the file is missing or holds only whitespace.
std::optional<std::string> read_token(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  std::string token = trim(text.str());
  if (token.empty()) return std::nullopt;
  return token;
}

std::string generate_token() {
  std::array<unsigned char, k_token_bytes> bytes{};
  std::ifstream random("/dev/urandom", std::ios::binary);
  if (!random.read(reinterpret_cast<char*>(bytes.data()), bytes.size()))
    throw Error("cannot read /dev/urandom to create the gateway token");
  constexpr std::string_view hex = "0123456789abcdef";
  std::string token(k_token_prefix);
  for (unsigned char byte : bytes) {
    token += hex[byte >> 4];
    token += hex[byte & 0x0f];
  }
  return token;
}

} // namespace

std::string ensure_token(const std::string& token_path) {
  // A token that an older llmgw or the user left readable by others is made private before use.
  secure_file_location(token_path);
  if (auto existing = read_token(token_path)) return *existing;
  const bool file_exists = std::ifstream(token_path).good(); // present but blank: replace it
  const std::string token = generate_token();
  if (detail::publish_file(token_path, token + "\n", 0600, file_exists)) return token;
  // Another process created it between our read and our link: use theirs.
  if (auto theirs = read_token(token_path)) return *theirs;
  throw Error("cannot read the gateway token in " + token_path);
}

} // namespace llmgw::core::config
