#pragma once
// Whether llmgw uses its POSIX fallbacks instead of the system's own calls. They are in force on
// systems that lack the faster calls (macOS and the BSDs lack accept4 and epoll) and, on Linux,
// when LLMGW_POSIX_FALLBACK=1 was set when the process started, so CI runs the same test binary
// over both paths.

namespace llmgw::core::platform {

// LLMGW_POSIX_FALLBACK is "1" (read once, at the first call).
bool posix_fallback();

} // namespace llmgw::core::platform
