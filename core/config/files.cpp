#include "core/config/config.hpp"
#include "core/config/config_detail.hpp"
#include "core/config/private_files.hpp"
#include "core/error.hpp"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

namespace llmgw::core::config {
namespace {

std::string os_error(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

void write_all(int fd, const std::string& text, const std::string& path) {
  size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw Error(os_error("cannot write", path));
    written += static_cast<size_t>(n);
  }
}

// A temp file in the target's directory (rename and link need the same filesystem).
std::string write_temp(const std::string& path, const std::string& text, unsigned mode) {
  static std::atomic<unsigned> counter{0};
  const std::string temp = path + ".tmp." + std::to_string(getpid()) + "." + std::to_string(counter++);
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) throw Error(os_error("cannot create", temp));
  try {
    // fchmod: the umask must not widen or narrow the mode we promise (0600 for the token).
    if (::fchmod(fd, mode) != 0) throw Error(os_error("cannot set the mode of", temp));
    write_all(fd, text, temp);
    if (::fsync(fd) != 0) throw Error(os_error("cannot sync", temp));
  } catch (...) {
    ::close(fd);
    ::unlink(temp.c_str());
    throw;
  }
  ::close(fd);
  return temp;
}

// Moves temp to path only if path does not exist; link() fails with EEXIST atomically, so two
// processes creating the same token cannot both win.
bool publish_no_clobber(const std::string& temp, const std::string& path) {
  if (::link(temp.c_str(), path.c_str()) == 0) {
    ::unlink(temp.c_str());
    return true;
  }
  const int link_errno = errno;
  if (link_errno == EEXIST) {
    ::unlink(temp.c_str());
    return false;
  }
  // Filesystems without hard links: fall back to check-then-rename.
  if (std::filesystem::exists(path)) {
    ::unlink(temp.c_str());
    return false;
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    ::unlink(temp.c_str());
    throw Error(os_error("cannot create", path));
  }
  return true;
}

} // namespace

void make_private_dirs(const std::string& dir) {
  std::filesystem::path prefix;
  for (const auto& part : std::filesystem::path(dir)) {
    prefix /= part;
    if (::mkdir(prefix.c_str(), 0700) == 0 || errno == EEXIST) continue;
    throw Error(os_error("cannot create directory", prefix.string()));
  }
  if (!std::filesystem::is_directory(dir)) throw Error("not a directory: " + dir);
}

void restrict_to_owner(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0 || info.st_uid != ::geteuid()) return;
  const mode_t mode = info.st_mode & 07777;
  // A failing chmod (a filesystem without modes) must not stop llmgw: the mode is best effort.
  if ((mode & 077) != 0) (void)::chmod(path.c_str(), mode & ~mode_t{077});
}

void secure_file_location(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) {
    make_private_dirs(parent.string());
    if (parent.filename() == "llmgw") restrict_to_owner(parent.string());
  }
  restrict_to_owner(path);
}

namespace detail {

bool publish_file(const std::string& path, const std::string& text, unsigned mode, bool replace) {
  const std::string parent = std::filesystem::path(path).parent_path().string();
  if (!parent.empty()) make_private_dirs(parent);
  const std::string temp = write_temp(path, text, mode);
  if (!replace) return publish_no_clobber(temp, path);
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    ::unlink(temp.c_str());
    throw Error(os_error("cannot write", path));
  }
  return true;
}

} // namespace detail

void write_private_file(const std::string& path, const std::string& text) {
  secure_file_location(path);
  detail::publish_file(path, text, 0600, true);
}

void write_config_file(const std::string& path, const std::string& text, bool overwrite) {
  if (!detail::publish_file(path, text, 0644, overwrite))
    throw Error("config file already exists: " + path + " (use --force to overwrite it)");
}

} // namespace llmgw::core::config
