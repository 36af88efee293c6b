#include "core/platform/thread_name.hpp"

#include <pthread.h>

namespace llmgw::core::platform {

void name_this_thread(const char* name) {
#if defined(__APPLE__)
  pthread_setname_np(name);
#elif defined(__linux__)
  pthread_setname_np(pthread_self(), name);
#else
  (void)name;
#endif
}

} // namespace llmgw::core::platform
