#pragma once
// "did you mean ...?" for unknown commands and options: the nearest known name by edit distance.
#include <string>
#include <string_view>
#include <vector>

namespace llmgw::cli {

// Levenshtein distance (insertions, deletions, substitutions; a swap of neighbours counts one).
size_t edit_distance(std::string_view a, std::string_view b);
// The known name nearest to `word` when it is close enough (within a third of its length, at
// least 2 edits, or `word` is a prefix of it); "" when none is.
std::string nearest(std::string_view word, const std::vector<std::string>& known);
// "; did you mean 'log'?" or "".
std::string did_you_mean(std::string_view word, const std::vector<std::string>& known);

} // namespace llmgw::cli
