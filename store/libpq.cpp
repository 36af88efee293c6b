// libpq through dlopen/dlsym: loaded on the first postgres:// store, never by SQLite mode.
#include "store/libpq.hpp"

#include "core/error.hpp"

#include <cstdlib>
#include <cstring>

#include <dlfcn.h>

namespace llmgw::store {
namespace {

// dlsym's void* as the function pointer type of `slot` (POSIX guarantees the two convert).
template <typename Function> bool resolve(void* library, const char* symbol, Function& slot) {
  void* address = ::dlsym(library, symbol);
  if (address == nullptr) return false;
  static_assert(sizeof(Function) == sizeof(void*));
  std::memcpy(&slot, &address, sizeof slot);
  return true;
}

constexpr const char* k_install_hint = "a postgres:// store needs libpq: install it (Debian, Ubuntu: apt install "
                                       "libpq5; macOS: brew install libpq) or name it with LLMGW_LIBPQ=PATH";

} // namespace

std::vector<std::string> libpq_names() {
  // A libpq elsewhere (Postgres.app, a source install): the user's choice, tried alone.
  if (const char* chosen = std::getenv("LLMGW_LIBPQ"); chosen != nullptr && chosen[0] != '\0') return {chosen};
#if defined(__APPLE__)
  const std::string file = "libpq.5.dylib";
#else
  const std::string file = "libpq.so.5";
#endif
  std::vector<std::string> names{file};
#ifdef LLMGW_LIBPQ_DIR
  names.push_back(std::string(LLMGW_LIBPQ_DIR) + "/" + file);
#endif
#if defined(__APPLE__)
  names.push_back("/opt/homebrew/opt/libpq/lib/" + file); // Apple silicon
  names.push_back("/usr/local/opt/libpq/lib/" + file);    // Intel
#endif
  return names;
}

std::optional<Libpq> load_libpq(const std::vector<std::string>& names, std::string& error) {
  error.clear();
  for (const std::string& name : names) {
    void* library = ::dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (library == nullptr) {
      const char* reason = ::dlerror();
      error += (error.empty() ? "" : "; ") + (reason != nullptr ? std::string(reason) : name + ": cannot be loaded");
      continue;
    }
    Libpq table;
    std::string missing;
#define LLMGW_LIBPQ_RESOLVE(member, function)                                                                          \
  if (!resolve(library, #function, table.member)) missing += (missing.empty() ? "" : ", ") + std::string(#function);
    LLMGW_LIBPQ_FUNCTIONS(LLMGW_LIBPQ_RESOLVE)
#undef LLMGW_LIBPQ_RESOLVE
    if (missing.empty()) return table; // the library stays loaded for the process
    ::dlclose(library);
    error += (error.empty() ? "" : "; ") + name + " lacks " + missing;
  }
  return std::nullopt;
}

const Libpq& libpq() {
  struct Loaded {
    std::optional<Libpq> table;
    std::string error;
  };
  static const Loaded loaded = [] {
    Loaded result;
    result.table = load_libpq(libpq_names(), result.error);
    return result;
  }();
  if (!loaded.table) throw Error("cannot load libpq (" + loaded.error + "): " + k_install_hint);
  return *loaded.table;
}

} // namespace llmgw::store
