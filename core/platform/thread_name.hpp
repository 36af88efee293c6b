#pragma once
// Names the calling thread, as `top -H`, `ps -L`, debuggers and /proc/PID/task/TID/comm show it
// (Linux keeps 15 characters). Best effort: a system without thread names ignores it.

namespace llmgw::core::platform {

void name_this_thread(const char* name);

} // namespace llmgw::core::platform
