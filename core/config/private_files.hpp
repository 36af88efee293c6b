#pragma once
// Files only this user may read (the gateway token, the database): private directories and
// tightening what an older llmgw or the user left readable by others.
#include <string>

namespace llmgw::core::config {

// Creates `dir` and its missing parents with mode 0700; an existing directory keeps its mode.
// Throws Error naming the directory that could not be created.
void make_private_dirs(const std::string& dir);

// Removes the group and other permission bits of `path` when it exists, this user owns it and
// has any of them set. Best effort: a file someone else owns, or a filesystem that refuses
// chmod, is left as it is without an error.
void restrict_to_owner(const std::string& path);

// Readies the place of a private file: creates its directory (0700) and restricts an existing
// file at `path` to its owner. The directory itself is restricted only when it is llmgw's own,
// named "llmgw" as the XDG defaults are (~/.config/llmgw, ~/.local/share/llmgw); a directory the
// user picked (a project, $HOME, /tmp) keeps its mode.
void secure_file_location(const std::string& path);

// Replaces `path` atomically (temp file, fsync, rename) with `text`, mode 0600, creating its
// directory (0700). Throws Error naming the file.
void write_private_file(const std::string& path, const std::string& text);

} // namespace llmgw::core::config
